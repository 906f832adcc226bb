"""Access checks in one shape: the role first, then the object, 404 when either fails."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, request
from flask_login import current_user, login_required

from .accounts.models import Role, User
from .audit.services import Actor

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
