"""Accounts: passwords, signing in with throttling, roles."""

from __future__ import annotations

import logging
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import Role, User
from .throttling import (
    Attempt,
    Factor,
    SignInThrottled,
    ThrottlePolicy,
    check_throttle,
    clear_after_success,
    count_failure,
)

__all__ = [
    "MIN_PASSWORD_LENGTH", "AccountError", "SignInThrottled", "ThrottlePolicy", "authenticate",
    "create_user", "end_sessions", "find_user", "finish_sign_in", "hash_password",
    "reset_password", "set_active", "set_password_hash_cost", "set_role",
]

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


def set_password_hash_cost(time_cost: int, memory_kib: int) -> None:
    """Tune Argon2id; the defaults suit production, tests lower them to stay fast."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10
DEFAULT_POLICY = ThrottlePolicy()


class AccountError(DomainError):
    """A request about accounts that cannot be carried out; the message says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("A password needs at least %(count)s characters."),
                           count=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def create_user(
    session: Session,
    username: str,
    full_name: str,
    password: str,
    role: Role = Role.DELEGATE,
    *,
    email: str | None = None,
    title: str | None = None,
    actor: Actor = Actor(),
) -> User:
    username = username.strip()
    if not username or not username.isascii() or " " in username:
        raise AccountError(N_("A username is made of ASCII letters, digits and dots, "
                              "without spaces."))
    if find_user(session, username) is not None:
        raise AccountError(N_("The username %(username)s is taken."), username=username)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role.value,
        email=email,
        title=title,
    )
    session.add(user)
    session.flush()
    record(session, "account.created", actor, object_type="user", object_id=user.id,
           details={"username": username, "role": role.value})
    return user


def end_sessions(session: Session, user: User, reason: str, actor: Actor = Actor()) -> None:
    """End every session of the account on the server, wherever its cookies are.

    Sessions carry the account's session generation (``User.get_id``); raising it
    makes every cookie issued before, stolen or not, sign in nobody.
    """
    user.session_generation = User.session_generation + 1  # type: ignore[assignment]
    session.flush()  # the increment is done by the database, so two at once both count
    record(session, "auth.sessions_ended", actor, object_type="user", object_id=user.id,
           details={"username": user.username, "reason": reason})
    log.info("sessions of %s ended: %s", user.username, reason)


def set_role(session: Session, user: User, role: Role, actor: Actor = Actor()) -> None:
    """Give the user another role; sessions opened under the old role end."""
    previous = user.role
    user.role = role.value
    record(session, "account.role_changed", actor, object_type="user", object_id=user.id,
           details={"username": user.username, "from": previous, "to": role.value})
    if previous != role.value:
        end_sessions(session, user, "role_changed", actor)


def reset_password(session: Session, user: User, password: str, actor: Actor = Actor()) -> None:
    """Set a new password; whoever held a session with the old one is signed out."""
    user.password_hash = hash_password(password)
    record(session, "account.password_reset", actor, object_type="user", object_id=user.id,
           details={"username": user.username})
    end_sessions(session, user, "password_reset", actor)


def set_active(session: Session, user: User, active: bool, actor: Actor = Actor()) -> None:
    """Deactivate (every session ends, signing in is refused) or reactivate an account."""
    if user.active == active:
        return
    user.active = active
    record(session, "account.reactivated" if active else "account.deactivated", actor,
           object_type="user", object_id=user.id, details={"username": user.username})
    if not active:
        end_sessions(session, user, "deactivated", actor)


def authenticate(
    session: Session,
    username: str,
    password: str,
    address: str,
    policy: ThrottlePolicy = DEFAULT_POLICY,
    now: datetime | None = None,
) -> User | None:
    """Check a username and password, slowing down repeated failures (see ``throttling``).

    Raises ``SignInThrottled`` while this address must wait; returns ``None`` on a wrong
    password or unknown user, without telling which. A right password is not yet a
    sign-in: the caller asks for the second factor where one is due, then calls
    ``finish_sign_in``.
    """
    now = now or utcnow()
    attempt = Attempt.of(username, address, Factor.PASSWORD)
    check_throttle(session, attempt, now)

    user = find_user(session, username)
    if user is not None and user.active and _password_matches(user, password):
        clear_after_success(session, attempt)
        return user
    if user is None:
        _password_matches(None, password)

    count_failure(session, attempt, policy, now)
    record(session, "auth.sign_in_failed", Actor(address=address),
           details={"username": username})
    return None


def finish_sign_in(session: Session, user: User, address: str,
                   second_factor: str | None = None) -> None:
    """Record the sign-in once every factor due has passed (``second_factor`` says which)."""
    details = {"second_factor": second_factor} if second_factor else None
    record(session, "auth.signed_in", Actor(user.id, user.username, address),
           object_type="user", object_id=user.id, details=details)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
