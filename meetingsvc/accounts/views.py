"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..access import current_actor, the_user
from ..audit.services import record
from ..extensions import db
from ..i18n import safe_next
from .forms import SignInForm
from .services import SignInThrottled, ThrottlePolicy, authenticate, end_sessions

bp = Blueprint("accounts", __name__)


@bp.get("/")
def index() -> Response:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    return redirect(url_for("meetings.list_meetings"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.username.data or "", form.password.data or "",
                                request.remote_addr or "unknown", _throttle_policy())
        except SignInThrottled as error:
            flash(_(error.message, **error.params), "error")
            return render_template("accounts/sign_in.html", form=form), 429
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("accounts.index")))
        flash(_("Wrong username or password."), "error")
        status = 401
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    actor = current_actor()
    record(db.session, "auth.signed_out", actor)
    end_sessions(db.session, the_user(), "signed_out", actor)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.sign_in"))


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(
        free_failures_per_account=config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT"],
        free_failures_per_address=config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"],
        max_delay_seconds=config["SIGN_IN_MAX_DELAY_SECONDS"],
    )
