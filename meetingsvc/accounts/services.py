"""Accounts: passwords, signing in with throttling, roles."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import Role, SignInThrottle, User

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


class AccountError(DomainError):
    """A request about accounts that cannot be carried out; the message says why."""


class SignInThrottled(AccountError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(N_("Too many failed sign-ins. Try again in %(seconds)s seconds."),
                         seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures_per_account: int = 5
    free_failures_per_address: int = 20
    max_delay_seconds: int = 15 * 60


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
    policy: ThrottlePolicy = ThrottlePolicy(),
    now: datetime | None = None,
) -> User | None:
    """Check a username and password, slowing down repeated failures per account and address.

    Raises ``SignInThrottled`` while either key must wait; returns ``None`` on a wrong
    password or unknown user, without telling which.
    """
    now = now or utcnow()
    keys = {f"user:{username.lower()}": policy.free_failures_per_account,
            f"addr:{address}": policy.free_failures_per_address}
    throttles = {key: session.get(SignInThrottle, key) for key in keys}
    wait = max((_seconds_left(t, now) for t in throttles.values() if t), default=0)
    if wait > 0:
        record(session, "auth.sign_in_throttled", Actor(address=address),
               details={"username": username, "retry_after": wait})
        raise SignInThrottled(wait)

    user = find_user(session, username)
    if user is not None and user.active and _password_matches(user, password):
        for key in keys:
            if throttles[key] is not None:
                session.delete(throttles[key])
        record(session, "auth.signed_in", Actor(user.id, user.username, address),
               object_type="user", object_id=user.id)
        return user
    if user is None:
        _password_matches(None, password)

    for key, free in keys.items():
        throttle = throttles[key] or SignInThrottle(key=key, failures=0)
        throttle.failures += 1
        throttle.last_failure_at = now
        over = throttle.failures - free
        if over >= 0:
            delay = min(policy.max_delay_seconds, 2 ** min(over, 20))
            throttle.blocked_until = now + timedelta(seconds=delay)
        session.add(throttle)
    record(session, "auth.sign_in_failed", Actor(address=address),
           details={"username": username})
    return None


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


def _seconds_left(throttle: SignInThrottle, now: datetime) -> int:
    if throttle.blocked_until is None or throttle.blocked_until <= now:
        return 0
    return math.ceil((throttle.blocked_until - now).total_seconds())
