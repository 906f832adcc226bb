"""The administrator's pages: accounts (create, edit, role, memberships, deactivate,
temporary password, unlock) and the bodies that meet. Everyone else gets 404.

Each page calls the same services as the ``flask users`` commands, so the web and the
command line cannot drift apart; every change is in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..access import current_actor, roles_required, the_user
from ..errors import DomainError
from ..extensions import db
from ..forms_common import choices
from ..labels import ROLE_LABELS
from ..models_common import utcnow
from .bodies import BodyDetails, Seat, create_body, list_bodies, set_memberships, update_body
from .forms import (
    AccountDetailsForm,
    BodyForm,
    ConfirmForm,
    NewAccountForm,
    SeatForm,
    TemporaryPasswordForm,
)
from .models import Body, Role, User
from .passwords import WeakPassword, temporary_password
from .services import (
    AccountDetails,
    create_user,
    find_accounts,
    reset_password,
    set_active,
    set_role,
    update_account,
)
from .throttling import current_blocks, unlock_account

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required(Role.ADMIN)
def admins_only() -> None:
    """Every page here is the administrator's; anyone else is told nothing exists."""


# --- accounts ----------------------------------------------------------------------


@bp.get("/accounts")
def accounts() -> str:
    text = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    found = find_accounts(db.session, text, Role(role) if role in set(Role) else None,
                          {"active": True, "inactive": False}.get(status))
    return render_template("accounts/admin/accounts.html", accounts=found, q=text, role=role,
                           status=status, roles=list(Role))


@bp.route("/accounts/new", methods=["GET", "POST"])
def new_account() -> Response | str | tuple[str, int]:
    form = NewAccountForm()
    form.role.choices = _role_choices()
    if request.method == "GET":
        form.role.data = Role.DELEGATE.value
    status = 200
    if form.validate_on_submit():
        password = form.password.data or temporary_password()
        try:
            user = create_user(
                db.session, form.username.data or "", (form.full_name.data or "").strip(),
                password, Role(form.role.data), email=_blank_none(form.email.data),
                title=_blank_none(form.title.data), must_change_password=True,
                actor=current_actor())
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error,
                        "password" if isinstance(error, WeakPassword) else "username")
            status = 400
        else:
            return _temporary_password_page(user, password, created=True)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/admin/account_new.html", form=form), status


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def account(user_id: int) -> Response | str | tuple[str, int]:
    user = _account_or_404(user_id)
    form = AccountDetailsForm(obj=user if request.method == "GET" else None)
    form.role.choices = _role_choices()
    status = 200
    if form.validate_on_submit():
        actor = current_actor()
        try:
            update_account(db.session, user, AccountDetails(
                full_name=(form.full_name.data or "").strip(),
                title=_blank_none(form.title.data), email=_blank_none(form.email.data)), actor)
            set_role(db.session, user, Role(form.role.data), actor)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "role")
            status = 400
        else:
            flash(_("The account %(username)s is saved.", username=user.username), "success")
            if user.id == current_user.id and user.role != Role.ADMIN.value:
                return redirect(url_for("accounts.sign_in"))
            return redirect(url_for(".account", user_id=user.id))
    elif form.is_submitted():
        status = 400
    return _account_page(user, form, status)


@bp.route("/accounts/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int) -> Response | str | tuple[str, int]:
    """Asks first, showing what will happen; the POST from that page deactivates."""
    user = _account_or_404(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for(".account", user_id=user.id))
    if not user.active:
        return redirect(url_for(".account", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            set_active(db.session, user, False, current_actor())
        except DomainError as error:
            db.session.rollback()
            flash(_(error.message, **error.params), "error")
        else:
            flash(_("%(username)s is deactivated and signed out everywhere.",
                    username=user.username), "success")
        return redirect(url_for(".account", user_id=user.id))
    return render_template("accounts/admin/deactivate.html", user=user, form=form)


@bp.post("/accounts/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    user = _account_or_404(user_id)
    if ConfirmForm().validate_on_submit() and not user.active:
        set_active(db.session, user, True, current_actor())
        flash(_("%(username)s may sign in again.", username=user.username), "success")
    return redirect(url_for(".account", user_id=user.id))


@bp.post("/accounts/<int:user_id>/password")
def reset(user_id: int) -> Response | str | tuple[str, int]:
    """A temporary password, shown once; its holder must replace it at the next sign-in."""
    user = _account_or_404(user_id)
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        password = form.password.data or temporary_password()
        try:
            reset_password(db.session, user, password, current_actor(), temporary=True)
        except DomainError as error:
            db.session.rollback()
            form.password.errors = [_(error.message, **error.params)]  # type: ignore[assignment]
        else:
            return _temporary_password_page(user, password, created=False)
    return _account_page(user, AccountDetailsForm(obj=user), 400, password_form=form)


@bp.post("/accounts/<int:user_id>/unlock")
def unlock(user_id: int) -> Response:
    user = _account_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        count = unlock_account(db.session, user.username, current_actor())
        if count:
            flash(_("%(username)s may sign in again from every address.",
                    username=user.username), "success")
        else:
            flash(_("%(username)s had no failed sign-ins to forget.", username=user.username),
                  "info")
    return redirect(url_for(".account", user_id=user.id))


@bp.route("/accounts/<int:user_id>/memberships", methods=["GET", "POST"])
def memberships(user_id: int) -> Response | str | tuple[str, int]:
    user = _account_or_404(user_id)
    bodies = list_bodies(db.session)
    held = {m.body_id: m for m in user.memberships}
    form = ConfirmForm()
    seat_forms = []
    for body in bodies:
        seat_form = SeatForm(prefix=f"body-{body.id}")
        if request.method == "GET" and body.id in held:
            seat_form.member.data = True
            seat_form.position.data = held[body.id].position
            seat_form.rank.data = held[body.id].rank
        seat_forms.append((body, seat_form))
    status = 200
    if form.validate_on_submit() and all([f.validate() for _, f in seat_forms]):
        seats = {}
        for body, seat_form in seat_forms:
            if not seat_form.member.data:
                continue
            if not (seat_form.position.data or "").strip():
                seat_form.position.errors = [  # type: ignore[assignment]
                    _("Each membership needs a position, e.g. Ủy viên.")]
                continue
            seats[body.id] = Seat(seat_form.position.data or "", seat_form.rank.data or 100)
        if not any(f.position.errors for _, f in seat_forms):
            try:
                set_memberships(db.session, user, seats, current_actor())
            except DomainError as error:
                db.session.rollback()
                flash(_(error.message, **error.params), "error")
            else:
                flash(_("The memberships of %(username)s are saved.", username=user.username),
                      "success")
                return redirect(url_for(".account", user_id=user.id))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("accounts/admin/memberships.html", user=user, form=form,
                           seat_forms=seat_forms), status


# --- bodies --------------------------------------------------------------------


@bp.get("/bodies")
def bodies() -> str:
    return render_template("accounts/admin/bodies.html", bodies=list_bodies(db.session))


@bp.route("/bodies/new", methods=["GET", "POST"])
def new_body() -> Response | str | tuple[str, int]:
    form = BodyForm()
    status = 200
    if form.validate_on_submit():
        try:
            body = create_body(db.session, _body_details(form), current_actor())
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "code")
            status = 400
        else:
            flash(_("The body %(name)s is created.", name=body.name_vi), "success")
            return redirect(url_for(".body", body_id=body.id))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/admin/body.html", form=form, body=None), status


@bp.route("/bodies/<int:body_id>", methods=["GET", "POST"])
def body(body_id: int) -> Response | str | tuple[str, int]:
    found = db.session.get(Body, body_id)
    if found is None:
        abort(404)
    form = BodyForm(obj=found if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            update_body(db.session, found, _body_details(form), current_actor())
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error, "code")
            status = 400
        else:
            flash(_("The body %(name)s is saved.", name=found.name_vi), "success")
            return redirect(url_for(".body", body_id=found.id))
    elif form.is_submitted():
        status = 400
    members = sorted(found.memberships, key=lambda m: (m.rank, m.user.full_name))
    return render_template("accounts/admin/body.html", form=form, body=found,
                           members=members), status


# --- helpers -------------------------------------------------------------------


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_page(user: User, form: AccountDetailsForm, status: int = 200,
                  password_form: TemporaryPasswordForm | None = None) -> tuple[str, int]:
    form.role.choices = _role_choices()
    name = user.username.lower()
    blocks = [block for block in current_blocks(db.session, utcnow()) if block.username == name]
    return render_template(
        "accounts/admin/account.html", user=user, form=form, blocks=blocks,
        password_form=password_form or TemporaryPasswordForm(), confirm_form=ConfirmForm(),
        is_self=user.id == the_user().id,
        memberships=sorted(user.memberships, key=lambda m: m.body.name_vi)), status


def _temporary_password_page(user: User, password: str, created: bool) -> Response:
    """Shown once, never cached: the administrator hands the password over in person."""
    page = render_template("accounts/admin/temporary_password.html", user=user,
                           password=password, created=created)
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _role_choices() -> list:  # type: ignore[type-arg]
    return choices((role.value, _(ROLE_LABELS[role])) for role in Role)


def _body_details(form: BodyForm) -> BodyDetails:
    return BodyDetails(code=form.code.data or "", name_vi=form.name_vi.data or "",
                       name_en=form.name_en.data or "",
                       allows_stand_in=bool(form.allows_stand_in.data))


def _form_error(form: object, error: DomainError, field_name: str) -> None:
    """Show a service's refusal under the field it is about; the entered values stay."""
    field = getattr(form, field_name)
    field.errors = [*field.errors, _(error.message, **error.params)]


def _blank_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
