"""Signing in (password, then the second factor where due) and out; one's own password and
two-factor settings; the administrator's list of sign-in blocks.

The administrator's account pages live in ``admin_views``, a blueprint nested in this one.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from ..access import current_actor, flash_error, roles_required, the_user
from ..audit.services import Actor, record
from ..errors import DomainError
from ..extensions import db
from ..i18n import safe_next
from ..models_common import utcnow
from .admin_views import bp as admin_bp
from .forms import ChangePasswordForm, ConfirmCodeForm, SecondFactorForm, SignInForm, UnlockForm
from .models import Role, User
from .services import (
    SignInThrottled,
    ThrottlePolicy,
    WrongPassword,
    authenticate,
    change_own_password,
    end_sessions,
    finish_sign_in,
)
from .throttling import current_blocks, unlock_key
from .two_factor import (
    TwoFactorError,
    confirm_enrolment,
    disable_two_factor,
    new_secret,
    provisioning_uri,
    qr_code_svg,
    recovery_codes_left,
    regenerate_recovery_codes,
    second_factor_required,
    verify_second_factor,
)

bp = Blueprint("accounts", __name__)
bp.register_blueprint(admin_bp)

#: The session's record of a password accepted, waiting for the second factor.
PENDING = "sign_in_pending"
#: The TOTP secret shown on the enrolment page until a code confirms it.
ENROL_SECRET = "totp_enrol_secret"  # noqa: S105 - a session key, not a secret
#: Set at sign-in while the account holds a temporary password: read from the session, so
#: no request loads the account for it. Resetting a password ends every session, so an
#: account can only come to need a new password while signed out.
MUST_CHANGE = "must_change_password"  # noqa: S105 - a session key, not a secret
#: How long the second step may take after the password, in seconds.
SECOND_STEP_SECONDS = 10 * 60
#: Pages a staff account without a second factor may open when one is required.
_OPEN_BEFORE_ENROLMENT = frozenset({
    "static", "accounts.enrol", "accounts.sign_out", "accounts.sign_in",
    "accounts.second_factor", "i18n.switch_language", "accounts.change_password",
})
#: Pages an account with a temporary password may open before choosing its own.
_OPEN_BEFORE_OWN_PASSWORD = frozenset({
    "static", "accounts.change_password", "accounts.sign_out", "accounts.sign_in",
    "accounts.enrol", "i18n.switch_language",
})
#: Where each role starts after signing in.
_LANDING = {Role.ADMIN.value: "accounts.admin.accounts", Role.AUDITOR.value: "audit.home"}


@bp.before_app_request
def staff_enrol_first() -> Response | None:
    """A session opened before the second factor was required reaches enrolment only."""
    if not current_app.config["REQUIRE_2FA_FOR_STAFF"]:
        return None
    if request.endpoint is None or request.endpoint in _OPEN_BEFORE_ENROLMENT:
        return None
    if current_user.is_authenticated and current_user.is_staff \
            and not current_user.has_two_factor:
        return redirect(url_for("accounts.enrol"))
    return None


@bp.before_app_request
def own_password_first() -> Response | None:
    """An account holding a temporary password chooses its own before anything else."""
    if request.endpoint is None or request.endpoint in _OPEN_BEFORE_OWN_PASSWORD:
        return None
    if session.get(MUST_CHANGE):
        return redirect(url_for("accounts.change_password"))
    return None


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    return redirect(url_for(_LANDING.get(current_user.role, "meetings.list_meetings")))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.username.data or "", form.password.data or "",
                                _address(), _throttle_policy())
        except SignInThrottled as error:
            flash(_(error.message, **error.params), "error")
            return render_template("accounts/sign_in.html", form=form), 429
        if user is not None:
            return _after_password(user)
        flash(_("Wrong username or password."), "error")
        status = 401
    return render_template("accounts/sign_in.html", form=form), status


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
def second_factor() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    user = _pending_user()
    if user is None:
        return _sign_in_again()
    if not user.has_two_factor:
        return redirect(url_for("accounts.enrol"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = verify_second_factor(db.session, user, form.code.data or "", _address(),
                                          _throttle_policy(), utcnow())
        except SignInThrottled as error:
            flash(_(error.message, **error.params), "error")
            return render_template("accounts/second_factor.html", form=form, user=user), 429
        if result is not None:
            if result.method == "recovery_code":
                flash(ngettext("You signed in with a recovery code; %(num)d is left.",
                               "You signed in with a recovery code; %(num)d are left.",
                               result.recovery_codes_left), "info")
            return _complete_sign_in(user, result.method)
        flash(_("Wrong or already used code."), "error")
        status = 401
    form.code.data = ""
    return render_template("accounts/second_factor.html", form=form, user=user), status


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
def enrol() -> Response | str | tuple[str, int]:
    """Set up the authenticator app: after the password when required, or by choice."""
    signed_in = current_user.is_authenticated
    user = the_user() if signed_in else _pending_user()
    if user is None:
        return _sign_in_again()
    if user.has_two_factor:
        return redirect(url_for("accounts.security" if signed_in else "accounts.second_factor"))
    secret = session.get(ENROL_SECRET) or new_secret()
    session[ENROL_SECRET] = secret
    form = ConfirmCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = confirm_enrolment(db.session, user, secret, form.code.data or "", utcnow(),
                                      Actor(user.id, user.username, _address()))
        except TwoFactorError as error:
            flash_error(error)
            status = 400
        else:
            session.pop(ENROL_SECRET, None)
            if signed_in:
                continue_to = url_for("accounts.security")
            else:
                continue_to = _pending_next()
                _log_in(user, "totp")
            return _no_store(render_template("accounts/recovery_codes.html", codes=codes,
                                             continue_to=continue_to, first_time=True))
    form.code.data = ""
    uri = provisioning_uri(secret, user.username, current_app.config["OFFICE_NAME"])
    page = render_template(
        "accounts/enrol.html", form=form, user=user, signed_in=signed_in,
        qr_svg=Markup(qr_code_svg(uri)),  # noqa: S704 - our own SVG, no user input in markup
        secret_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)],
        required=second_factor_required(user, current_app.config["REQUIRE_2FA_FOR_STAFF"]))
    return _no_store(page, status)


@bp.get("/account/security")
@login_required
def security() -> str:
    user = the_user()
    return render_template(
        "accounts/security.html", user=user,
        codes_left=recovery_codes_left(db.session, user) if user.has_two_factor else 0,
        required=current_app.config["REQUIRE_2FA_FOR_STAFF"] and user.is_staff,
        renew_form=ConfirmCodeForm(prefix="renew"), disable_form=ConfirmCodeForm(prefix="off"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    """Everyone changes their own password; every other session of theirs ends."""
    user = the_user()
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_own_password(db.session, user, form.current.data or "", form.new.data or "",
                                _address(), _throttle_policy(), utcnow())
        except SignInThrottled as error:
            flash(_(error.message, **error.params), "error")
            status = 429
        except WrongPassword as error:  # the failure is counted: the request still commits
            form.current.errors = [_(error.message, **error.params)]  # type: ignore[assignment]
            status = 400
        except DomainError as error:
            form.new.errors = [_(error.message, **error.params)]  # type: ignore[assignment]
            status = 400
        else:
            _start_session(user)  # this browser goes on under the new session generation
            flash(_("Your password is changed. Other devices signed in as you are signed out."),
                  "success")
            return redirect(url_for("accounts.index"))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/change_password.html", form=form, user=user), status


@bp.post("/account/two-factor/recovery-codes")
@login_required
def renew_recovery_codes() -> Response | str | tuple[str, int]:
    user = the_user()
    form = ConfirmCodeForm(prefix="renew")
    if not (user.has_two_factor and form.validate_on_submit()):
        return redirect(url_for("accounts.security"))
    if not _code_confirms(user, form.code.data or ""):
        return redirect(url_for("accounts.security"))
    codes = regenerate_recovery_codes(db.session, user, current_actor(), utcnow())
    return _no_store(render_template("accounts/recovery_codes.html", codes=codes,
                                     continue_to=url_for("accounts.security"),
                                     first_time=False))


@bp.post("/account/two-factor/disable")
@login_required
def disable() -> Response:
    user = the_user()
    form = ConfirmCodeForm(prefix="off")
    if current_app.config["REQUIRE_2FA_FOR_STAFF"] and user.is_staff:
        flash(_("Staff accounts must keep two-factor sign-in."), "error")
        return redirect(url_for("accounts.security"))
    if user.has_two_factor and form.validate_on_submit() \
            and _code_confirms(user, form.code.data or ""):
        disable_two_factor(db.session, user, current_actor())
        flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("accounts.security"))


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    actor = current_actor()
    record(db.session, "auth.signed_out", actor)
    end_sessions(db.session, the_user(), "signed_out", actor)
    logout_user()
    session.pop(MUST_CHANGE, None)
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.get("/admin/sign-in-blocks")
@roles_required(Role.ADMIN)
def sign_in_blocks() -> str:
    now = utcnow()
    return render_template("accounts/sign_in_blocks.html", blocks=current_blocks(db.session, now),
                           now=now, form=UnlockForm())


@bp.post("/admin/sign-in-blocks/unlock")
@roles_required(Role.ADMIN)
def unlock() -> Response:
    form = UnlockForm()
    if form.validate_on_submit():
        throttle = unlock_key(db.session, form.key.data or "", current_actor())
        if throttle is None:
            flash(_("That block had already ended or been lifted."), "info")
        elif throttle.username:
            flash(_("%(username)s may sign in again from %(address)s.",
                    username=throttle.username, address=throttle.address), "success")
        else:
            flash(_("The address %(address)s may sign in again.", address=throttle.address),
                  "success")
    return redirect(url_for("accounts.sign_in_blocks"))


# --- helpers -------------------------------------------------------------------


def _after_password(user: User) -> Response:
    """The password was right: sign in, or ask for the second factor first."""
    next_url = safe_next(request.args.get("next"), url_for("accounts.index"))
    if not second_factor_required(user, current_app.config["REQUIRE_2FA_FOR_STAFF"]):
        finish_sign_in(db.session, user, _address())
        _start_session(user)
        return redirect(next_url)
    session[PENDING] = {"user": user.id, "generation": user.session_generation,
                        "since": int(time.time()), "next": next_url}
    session.pop(ENROL_SECRET, None)
    return redirect(url_for("accounts.second_factor" if user.has_two_factor
                            else "accounts.enrol"))


def _complete_sign_in(user: User, method: str) -> Response:
    next_url = _pending_next()
    _log_in(user, method)
    return redirect(next_url)


def _log_in(user: User, method: str) -> None:
    session.pop(PENDING, None)
    finish_sign_in(db.session, user, _address(), method)
    _start_session(user)


def _start_session(user: User) -> None:
    login_user(user)
    session[MUST_CHANGE] = user.must_change_password


def _pending_user() -> User | None:
    """The account whose password was accepted in this session, if still waiting and valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    fresh = time.time() - int(pending.get("since", 0)) <= SECOND_STEP_SECONDS
    user = db.session.get(User, int(pending.get("user", 0))) if fresh else None
    if user is None or not user.active or user.session_generation != pending.get("generation"):
        session.pop(PENDING, None)
        return None
    return user


def _pending_next() -> str:
    pending = session.get(PENDING) or {}
    return safe_next(pending.get("next"), url_for("accounts.index"))


def _sign_in_again() -> Response:
    flash(_("Please sign in again."), "info")
    return redirect(url_for("accounts.sign_in"))


def _code_confirms(user: User, code: str) -> bool:
    try:
        result = verify_second_factor(db.session, user, code, _address(), _throttle_policy(),
                                      utcnow())
    except SignInThrottled as error:
        flash(_(error.message, **error.params), "error")
        return False
    if result is None:
        flash(_("Wrong or already used code."), "error")
        return False
    return True


def _no_store(page: str, status: int = 200) -> Response:
    """Secrets and recovery codes are shown once: no cache keeps them."""
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _address() -> str:
    return request.remote_addr or "unknown"


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(
        free_failures_per_account_address=config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
        free_failures_per_address=config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"],
        account_alert_failures=config["SIGN_IN_ACCOUNT_ALERT_FAILURES"],
        max_delay_seconds=config["SIGN_IN_MAX_DELAY_SECONDS"],
        forget_after_seconds=config["SIGN_IN_FORGET_AFTER_SECONDS"],
    )
