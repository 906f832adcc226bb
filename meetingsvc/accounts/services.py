"""Accounts: passwords, signing in with throttling, roles."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import Role, User
from .passwords import MIN_PASSWORD_LENGTH, WeakPassword, check_new_password
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
    "MIN_PASSWORD_LENGTH", "AccountDetails", "AccountError", "SignInThrottled",
    "ThrottlePolicy", "WeakPassword", "WrongPassword", "authenticate", "change_own_password",
    "create_user", "end_sessions", "find_accounts", "find_user", "finish_sign_in",
    "hash_password", "reset_password", "set_active", "set_password_hash_cost", "set_role",
    "update_account",
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


DEFAULT_POLICY = ThrottlePolicy()


class AccountError(DomainError):
    """A request about accounts that cannot be carried out; the message says why."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("A password needs at least %(count)s characters."),
                           count=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


#: ``session_user``'s statement, built once (it runs on every signed-in request); read
#: afresh, so a generation raised by another process counts at once.
_FRESH_USER = (select(User).where(User.id == bindparam("user_id"))
               .execution_options(populate_existing=True))


def session_user(session: Session, user_id: int, generation: int) -> User | None:
    """The account a session cookie names, if it is active and its sessions were not ended
    since the cookie was made (``end_sessions`` raises the generation)."""
    user = session.scalar(_FRESH_USER, {"user_id": user_id})
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def find_accounts(session: Session, text: str = "", role: Role | None = None,
                  active: bool | None = None) -> list[User]:
    """Accounts whose username, full name, title or e-mail contains ``text``, by name."""
    query = select(User)
    words = text.strip().lower().split()
    for word in words:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(func.lower(User.username).like(pattern)
                            | func.lower(User.full_name).like(pattern)
                            | func.lower(func.coalesce(User.title, "")).like(pattern)
                            | func.lower(func.coalesce(User.email, "")).like(pattern))
    if role is not None:
        query = query.where(User.role == role.value)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(session.scalars(query.order_by(User.active.desc(), User.full_name,
                                               User.username)))


def create_user(
    session: Session,
    username: str,
    full_name: str,
    password: str,
    role: Role = Role.DELEGATE,
    *,
    email: str | None = None,
    title: str | None = None,
    must_change_password: bool = False,
    actor: Actor = Actor(),
) -> User:
    """Create an account; ``must_change_password`` when the password is a temporary one."""
    username = username.strip()
    if not username or not username.isascii() or " " in username:
        raise AccountError(N_("A username is made of ASCII letters, digits and dots, "
                              "without spaces."))
    if find_user(session, username) is not None:
        raise AccountError(N_("The username %(username)s is taken."), username=username)
    check_new_password(password, username)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role.value,
        email=email,
        title=title,
        must_change_password=must_change_password,
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


@dataclass(frozen=True)
class AccountDetails:
    """What an administrator edits of an account besides its role and password."""

    full_name: str
    title: str | None = None
    email: str | None = None


def update_account(session: Session, user: User, details: AccountDetails,
                   actor: Actor = Actor()) -> None:
    """Change the name, title or e-mail shown on copies and lists; the log keeps both."""
    if not details.full_name.strip():
        raise AccountError(N_("An account needs a full name."))
    changes = {}
    for name in ("full_name", "title", "email"):
        before, after = getattr(user, name), getattr(details, name)
        if before != after:
            changes[name] = {"from": before, "to": after}
            setattr(user, name, after)
    if changes:
        record(session, "account.updated", actor, object_type="user", object_id=user.id,
               details={"username": user.username, "changes": changes})


def set_role(session: Session, user: User, role: Role, actor: Actor = Actor()) -> None:
    """Give the user another role; sessions opened under the old role end."""
    if role is not Role.ADMIN:
        _keep_an_admin(session, user)
    previous = user.role
    user.role = role.value
    record(session, "account.role_changed", actor, object_type="user", object_id=user.id,
           details={"username": user.username, "from": previous, "to": role.value})
    if previous != role.value:
        end_sessions(session, user, "role_changed", actor)


def reset_password(session: Session, user: User, password: str, actor: Actor = Actor(), *,
                   temporary: bool = False) -> None:
    """Set a new password; whoever held a session with the old one is signed out.

    A ``temporary`` password (an administrator chose it) must be replaced by its holder
    at their next sign-in before any other page opens.
    """
    check_new_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    record(session, "account.password_reset", actor, object_type="user", object_id=user.id,
           details={"username": user.username, "temporary": temporary})
    end_sessions(session, user, "password_reset", actor)


def change_own_password(session: Session, user: User, current: str, new: str, address: str,
                        policy: ThrottlePolicy = DEFAULT_POLICY,
                        now: datetime | None = None) -> None:
    """The holder replaces their password, proving they know the current one.

    A wrong current password counts as a failed sign-in from that address (a passer-by
    at an unlocked screen guesses no faster than at the sign-in page). Every session of
    the account ends, this one included: the caller signs the holder in afresh.
    """
    now = now or utcnow()
    actor = Actor(user.id, user.username, address)
    attempt = Attempt.of(user.username, address, Factor.PASSWORD)
    check_throttle(session, attempt, now)
    if not _password_matches(user, current):
        count_failure(session, attempt, policy, now)
        record(session, "auth.sign_in_failed", actor,
               details={"username": user.username, "during": "password_change"})
        raise WrongPassword(N_("The current password is wrong."))
    if new == current:
        raise AccountError(N_("The new password must differ from the current one."))
    check_new_password(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    record(session, "account.password_changed", actor, object_type="user", object_id=user.id,
           details={"username": user.username})
    end_sessions(session, user, "password_changed", actor)


def set_active(session: Session, user: User, active: bool, actor: Actor = Actor()) -> None:
    """Deactivate (every session ends, signing in is refused) or reactivate an account."""
    if user.active == active:
        return
    if not active:
        _keep_an_admin(session, user)
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


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to demote or deactivate the last active administrator: nobody could undo it."""
    if not (user.active and user.role == Role.ADMIN.value):
        return
    others = session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id))
    if not others:
        raise AccountError(N_("%(username)s is the last active administrator: make another "
                              "account an administrator first."), username=user.username)


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
