"""Slowing down guessing of passwords and second-factor codes, without locking anyone out.

Failures are counted under three keys, each with one atomic upsert (``INSERT ... ON
CONFLICT DO UPDATE ... RETURNING``), so concurrent guesses are all counted and never
collide:

* account-and-address: past its free failures, that address waits before trying that
  account again (the wait doubles with each further failure, up to a maximum);
* address: past its free failures, the address waits whatever account it tries;
* account: counted from every address but never blocks by itself, so nobody can lock
  the real user out by guessing from elsewhere. When it reaches its threshold the audit
  log says the account is under attack, and from then on an address that fails against
  the account has no free failures left. An address that has not failed is never refused.

A correct password clears its account-and-address and address counters; a counter whose
last failure is older than ``forget_after_seconds`` starts again from zero.
"""

from __future__ import annotations

import enum
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from .models import SignInThrottle, ThrottleScope

__all__ = [
    "Attempt", "Factor", "SignInThrottled", "ThrottlePolicy", "check_throttle",
    "clear_after_success", "count_failure", "current_blocks", "unlock_account", "unlock_key",
]

log = logging.getLogger(__name__)

_USERNAME_LENGTH = 80
_ADDRESS_LENGTH = 100


class SignInThrottled(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(N_("Too many failed sign-ins. Try again in %(seconds)s seconds."),
                         seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class Factor(enum.StrEnum):
    PASSWORD = "password"  # noqa: S105 - the name of a factor, not a password
    SECOND_FACTOR = "second_factor"


@dataclass(frozen=True)
class ThrottlePolicy:
    #: Failures one address may make against one account before it has to wait.
    free_failures_per_account_address: int = 5
    #: Failures one address may make, whatever the accounts, before it has to wait.
    free_failures_per_address: int = 20
    #: Failures against one account, from all addresses together, that raise the alarm.
    account_alert_failures: int = 50
    #: The longest wait imposed, in seconds.
    max_delay_seconds: int = 15 * 60
    #: A counter whose last failure is older than this starts again from zero.
    forget_after_seconds: int = 24 * 3600


@dataclass(frozen=True)
class Attempt:
    """One try of a factor for a username (as typed) from an address."""

    username: str
    address: str
    factor: Factor = Factor.PASSWORD

    @classmethod
    def of(cls, username: str, address: str, factor: Factor = Factor.PASSWORD) -> Attempt:
        return cls(username.strip().lower()[:_USERNAME_LENGTH], address[:_ADDRESS_LENGTH],
                   factor)

    @property
    def pair_key(self) -> str:
        return f"{self.factor}:{self.username}|{self.address}"

    @property
    def address_key(self) -> str:
        return f"addr:{self.address}"

    @property
    def account_key(self) -> str:
        return f"{self.factor}-account:{self.username}"


def check_throttle(session: Session, attempt: Attempt, now: datetime) -> None:
    """Raise ``SignInThrottled`` while the account-and-address or the address must wait."""
    until = session.scalar(
        select(SignInThrottle.blocked_until)
        .where(SignInThrottle.key.in_([attempt.pair_key, attempt.address_key]),
               SignInThrottle.blocked_until > now)
        .order_by(SignInThrottle.blocked_until.desc()).limit(1))
    if until is None:
        return
    wait = max(1, math.ceil((until - now).total_seconds()))
    record(session, "auth.sign_in_throttled", Actor(address=attempt.address),
           details={"username": attempt.username, "factor": attempt.factor.value,
                    "retry_after": wait})
    raise SignInThrottled(wait)


def count_failure(session: Session, attempt: Attempt, policy: ThrottlePolicy,
                  now: datetime) -> None:
    """Count one failure under every key; block and audit where a key is past its free ones."""
    forget_before = now - timedelta(seconds=policy.forget_after_seconds)
    account_failures = _count(session, attempt.account_key, ThrottleScope.ACCOUNT, attempt,
                              now, forget_before)
    alert_at = max(1, policy.account_alert_failures)
    if account_failures % alert_at == 0:
        record(session, "auth.account_under_attack", Actor(address=attempt.address),
               details={"username": attempt.username, "factor": attempt.factor.value,
                        "failures": account_failures})
        log.warning("%s failed %s sign-ins of %s, the last from %s", account_failures,
                    attempt.factor, attempt.username, attempt.address)
    under_attack = account_failures >= alert_at
    free = 0 if under_attack else policy.free_failures_per_account_address
    for key, scope, free_failures in (
        (attempt.pair_key, ThrottleScope.ACCOUNT_ADDRESS, free),
        (attempt.address_key, ThrottleScope.ADDRESS, policy.free_failures_per_address),
    ):
        failures = _count(session, key, scope, attempt, now, forget_before)
        over = failures - free_failures
        if over >= 0:
            seconds = min(policy.max_delay_seconds, 2 ** min(over, 20))
            _block(session, key, scope, attempt, failures, now + timedelta(seconds=seconds))


def clear_after_success(session: Session, attempt: Attempt) -> None:
    """The factor was right: forget this address's failures against the account and overall.

    The account-wide counter stays, so a real user signing in does not hide an attack.
    """
    keys = [attempt.pair_key]
    if attempt.factor is Factor.PASSWORD:
        keys.append(attempt.address_key)
    session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))


def current_blocks(session: Session, now: datetime) -> list[SignInThrottle]:
    """Account-and-address and address keys that are blocked now, longest first."""
    return list(session.scalars(
        select(SignInThrottle)
        .where(SignInThrottle.blocked_until > now,
               SignInThrottle.scope != ThrottleScope.ACCOUNT.value)
        .order_by(SignInThrottle.blocked_until.desc(), SignInThrottle.key)))


def unlock_key(session: Session, key: str, actor: Actor) -> SignInThrottle | None:
    """Forget one counter (an account-and-address or an address) and lift its block."""
    throttle = session.get(SignInThrottle, key)
    if throttle is None:
        return None
    _audit_unlock(session, actor, [throttle])
    session.delete(throttle)
    session.flush()
    return throttle


def unlock_account(session: Session, username: str, actor: Actor,
                   address: str | None = None) -> int:
    """Forget every counter of the account (every address, both factors), and the address's."""
    name = username.strip().lower()
    conditions = [SignInThrottle.username == name]
    if address:
        conditions.append(SignInThrottle.key == f"addr:{address}")
    throttles = list(session.scalars(select(SignInThrottle).where(or_(*conditions))
                                     .order_by(SignInThrottle.key)))
    _audit_unlock(session, actor, throttles, username=name)
    for throttle in throttles:
        session.delete(throttle)
    session.flush()
    return len(throttles)


def _audit_unlock(session: Session, actor: Actor, throttles: list[SignInThrottle],
                  username: str | None = None) -> None:
    record(session, "auth.sign_in_unlocked", actor, object_type="user" if username else None,
           object_id=username,
           details={"username": username, "keys": [
               {"scope": t.scope, "username": t.username, "address": t.address,
                "factor": t.factor, "failures": t.failures,
                "blocked_until": t.blocked_until} for t in throttles]})
    log.info("sign-in counters %s unlocked by %s", [t.key for t in throttles], actor.username)


def _count(session: Session, key: str, scope: ThrottleScope, attempt: Attempt, now: datetime,
           forget_before: datetime) -> int:
    """Add one failure to the key in one statement; return the new count."""
    table = SignInThrottle.__table__
    insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)
    by_address = scope is ThrottleScope.ADDRESS
    statement = insert(table).values(
        key=key, scope=scope.value,
        username=None if by_address else attempt.username,
        address=None if scope is ThrottleScope.ACCOUNT else attempt.address,
        factor=None if by_address else attempt.factor.value,
        failures=1, last_failure_at=now, blocked_until=None,
    )
    stale = table.c.last_failure_at < forget_before
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((stale, 1), else_=table.c.failures + 1),
              "blocked_until": case((stale, null()), else_=table.c.blocked_until),
              "last_failure_at": now},
    ).returning(table.c.failures)
    failures: int = session.execute(statement).scalar_one()
    return failures


def _block(session: Session, key: str, scope: ThrottleScope, attempt: Attempt, failures: int,
           until: datetime) -> None:
    """Block the key until ``until``, never shortening a longer block set concurrently."""
    table = SignInThrottle.__table__
    session.execute(update(table)
                    .where(table.c.key == key,
                           or_(table.c.blocked_until.is_(None), table.c.blocked_until < until))
                    .values(blocked_until=until))
    record(session, "auth.sign_in_blocked", Actor(address=attempt.address),
           details={"scope": scope.value, "factor": attempt.factor.value,
                    "username": None if scope is ThrottleScope.ADDRESS else attempt.username,
                    "address": attempt.address, "failures": failures, "until": until})
