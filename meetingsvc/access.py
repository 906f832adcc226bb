"""Access checks in one shape: the role first, then the object, 404 when either fails."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .accounts.models import Role, User
from .audit.services import Actor
from .errors import DomainError
from .extensions import db
from .meetings.models import AgendaItem, Meeting
from .meetings.services import NotVisible, get_visible_meeting

P = ParamSpec("P")
R = TypeVar("R")


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed-in users with one of these roles pass; others get 404, not a hint."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(*roles):
                abort(404)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def current_actor() -> Actor:
    """The signed-in user and their address, as the audit log records them."""
    user: User | None = current_user if current_user.is_authenticated else None
    return Actor(
        user_id=user.id if user else None,
        username=user.username if user else None,
        address=request.remote_addr,
    )


def the_user() -> User:
    """The signed-in user, typed, for views already guarded by ``roles_required``."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def visible_meeting_or_404(meeting_id: int) -> Meeting:
    try:
        return get_visible_meeting(db.session, the_user(), meeting_id)
    except NotVisible:
        abort(404)


def staff_meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def item_of_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


def flash_error(error: DomainError) -> None:
    flash(_(error.message, **error.params), "error")


def flash_reminders_sent(sent: int, recent: int, without_email: int, failed: int) -> None:
    """What a batch of e-mail reminders did, said the same way on every page that sends one."""
    flash(_("Reminders sent: %(sent)s. Reminded recently, skipped: %(recent)s. "
            "Without an e-mail address: %(none)s. Refused by the mail server: %(failed)s.",
            sent=sent, recent=recent, none=without_email, failed=failed),
          "success" if sent else "info")
