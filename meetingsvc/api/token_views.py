"""The "API keys" page: every signed-in user makes, sees and revokes their own keys."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from ..access import current_actor, flash_error, the_user
from ..errors import DomainError
from ..extensions import db
from ..models_common import utcnow
from .forms import NewKeyForm, RevokeKeyForm
from .models import ApiToken
from .tokens import create_token, revoke_token, tokens_of

bp = Blueprint("api_keys", __name__, url_prefix="/account/api-keys")


def _page(form: NewKeyForm, secret: str | None = None, status: int = 200) -> Response:
    user = the_user()
    response = make_response(render_template(
        "api/keys.html", form=form, revoke_form=RevokeKeyForm(), secret=secret,
        tokens=tokens_of(db.session, user), now=utcnow()), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@login_required
def keys() -> Response:
    return _page(NewKeyForm())


@bp.post("/")
@login_required
def create() -> Response:
    form = NewKeyForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        new = create_token(db.session, the_user(), form.name.data or "", current_actor(),
                           days=form.days.data or 0)
    except DomainError as error:
        flash_error(error)
        return _page(form, status=422)
    flash(_("API key created. Copy it now: it is shown only once."), "success")
    return _page(NewKeyForm(formdata=None), secret=new.secret)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != the_user().id:
        abort(404)
    if not RevokeKeyForm().validate_on_submit():
        abort(400)
    if revoke_token(db.session, token, current_actor()):
        flash(_("API key revoked: it no longer works."), "success")
    return redirect(url_for(".keys"))
