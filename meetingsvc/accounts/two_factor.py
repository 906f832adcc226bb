"""Two-factor sign-in: TOTP (authenticator apps) with one-time recovery codes.

A code is accepted for the current 30-second step or one step either side (clocks
drift), and only for a step later than the last one accepted, so a code seen over
someone's shoulder cannot be used again. Recovery codes are random (60 bits), shown
once, and stored as their SHA-256; each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import RecoveryCode, User
from .services import end_sessions
from .throttling import (
    Attempt,
    Factor,
    ThrottlePolicy,
    check_throttle,
    clear_after_success,
    count_failure,
)

__all__ = [
    "RECOVERY_CODE_COUNT", "SecondFactorResult", "TwoFactorError", "confirm_enrolment",
    "disable_two_factor", "new_secret", "provisioning_uri", "qr_code_svg",
    "recovery_codes_left", "regenerate_recovery_codes", "reset_two_factor",
    "second_factor_required", "verify_second_factor",
]

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
#: No 0/o, 1/l/i: a code copied from paper is read back without doubt. 32 symbols, 5 bits each.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 12
_TOTP_CODE = re.compile(r"^\d{6}$")


class TwoFactorError(DomainError):
    """A second-factor step that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class SecondFactorResult:
    #: ``totp`` or ``recovery_code``.
    method: str
    #: Recovery codes still unspent after this sign-in.
    recovery_codes_left: int


def second_factor_required(user: User, require_for_staff: bool) -> bool:
    """Whether signing in needs a second factor: always once enrolled, and for staff if set."""
    return user.has_two_factor or (require_for_staff and user.is_staff)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_code_svg(data: str) -> str:
    """The QR code of ``data`` as an inline SVG element, sized by CSS (no fixed width)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=2)
    svg: str = image.to_string(encoding="unicode")
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"',
                  '<svg class="qr-code" role="img"', svg, count=1)


def confirm_enrolment(session: Session, user: User, secret: str, code: str,
                      now: datetime | None = None, actor: Actor = Actor()) -> list[str]:
    """Turn the second factor on once the user shows a code made from ``secret``.

    Returns the new recovery codes: the only time they exist in plain text.
    """
    if user.has_two_factor:
        raise TwoFactorError(N_("Two-factor sign-in is already on for this account."))
    now = now or utcnow()
    counter = _matching_counter(secret, code, now)
    if counter is None:
        raise TwoFactorError(N_("That code does not match. Check the time on your phone "
                                "and enter the code the app shows now."))
    user.totp_secret = secret
    user.totp_last_counter = counter  # the code just shown cannot also sign in
    user.totp_enabled_at = now
    codes = _replace_recovery_codes(session, user, now)
    record(session, "auth.2fa_enrolled", actor, object_type="user", object_id=user.id,
           details={"username": user.username})
    return codes


def verify_second_factor(session: Session, user: User, code: str, address: str,
                         policy: ThrottlePolicy, now: datetime | None = None,
                         ) -> SecondFactorResult | None:
    """Check a TOTP code or a recovery code, throttled as passwords are.

    Returns ``None`` on a wrong, replayed or spent code; raises ``SignInThrottled``
    while this address must wait.
    """
    now = now or utcnow()
    attempt = Attempt.of(user.username, address, Factor.SECOND_FACTOR)
    check_throttle(session, attempt, now)
    actor = Actor(user.id, user.username, address)
    typed = _normalise(code)
    result: SecondFactorResult | None = None
    if _TOTP_CODE.match(typed) and user.totp_secret:
        if _accept_totp(session, user, typed, now):
            result = SecondFactorResult("totp", recovery_codes_left(session, user))
            record(session, "auth.2fa_verified", actor, object_type="user", object_id=user.id)
    elif typed and _spend_recovery_code(session, user, typed, now):
        left = recovery_codes_left(session, user)
        result = SecondFactorResult("recovery_code", left)
        record(session, "auth.2fa_recovery_code_used", actor, object_type="user",
               object_id=user.id, details={"codes_left": left})
    if result is not None:
        clear_after_success(session, attempt)
        return result
    count_failure(session, attempt, policy, now)
    record(session, "auth.2fa_failed", actor, object_type="user", object_id=user.id)
    return None


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def regenerate_recovery_codes(session: Session, user: User, actor: Actor,
                              now: datetime | None = None) -> list[str]:
    """Replace every recovery code (spent or not) with ten new ones, shown once."""
    if not user.has_two_factor:
        raise TwoFactorError(N_("Two-factor sign-in is off for this account."))
    codes = _replace_recovery_codes(session, user, now or utcnow())
    record(session, "auth.2fa_recovery_codes_renewed", actor, object_type="user",
           object_id=user.id, details={"username": user.username})
    return codes


def disable_two_factor(session: Session, user: User, actor: Actor) -> None:
    """The user turns their own second factor off (the view checks a code first)."""
    _forget_second_factor(session, user)
    record(session, "auth.2fa_disabled", actor, object_type="user", object_id=user.id,
           details={"username": user.username})


def reset_two_factor(session: Session, user: User, actor: Actor) -> None:
    """An administrator removes a lost second factor; the account enrols again at sign-in.

    Every session of the account ends: whoever holds one may be who took the phone.
    """
    _forget_second_factor(session, user)
    record(session, "auth.2fa_reset", actor, object_type="user", object_id=user.id,
           details={"username": user.username})
    end_sessions(session, user, "2fa_reset", actor)


def _forget_second_factor(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_last_counter = None
    user.totp_enabled_at = None
    session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    session.flush()


def _matching_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before, one after) whose code is ``code``, if any."""
    typed = _normalise(code)
    if not _TOTP_CODE.match(typed):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(counter), typed):
            return counter
    return None


def _accept_totp(session: Session, user: User, code: str, now: datetime) -> bool:
    """Accept the code once: the step is stored only if later than the last one, atomically."""
    assert user.totp_secret is not None
    counter = _matching_counter(user.totp_secret, code, now)
    if counter is None:
        return False
    result = session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter))
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        log.warning("replayed TOTP code for %s refused", user.username)
        return False
    user.totp_last_counter = counter
    return True


def _spend_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def _replace_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code), created_at=now)
                    for code in codes)
    session.flush()
    return codes


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _normalise(code: str) -> str:
    """Spaces and dashes are for reading; case does not matter."""
    return re.sub(r"[\s-]", "", code).lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()
