"""Creating, listing, revoking and checking personal API tokens (CLI and web share these).

A token is 32 random bytes (URL-safe base64) behind a fixed ``msk_`` marker. Being
high-entropy, it is stored as a plain SHA-256 hash: no slow hash is needed to resist
guessing, and lookup is one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import ApiToken

MARKER = "msk_"
PREFIX_LENGTH = 12
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME = 100


class TokenError(DomainError):
    """A token that cannot be made or revoked; the message says why."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: The secret, to show once; it is not kept anywhere.
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, actor: Actor, *,
                 days: int = DEFAULT_DAYS, now: datetime | None = None) -> NewToken:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise TokenError(N_("Give the key a name of at most %(max)d characters."), max=MAX_NAME)
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(N_("A key is valid for 1 to %(max)d days."), max=MAX_DAYS)
    if not user.active:
        raise TokenError(N_("This account is deactivated."))
    now = now or utcnow()
    secret = MARKER + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(secret),
                     prefix=secret[:PREFIX_LENGTH], created_at=now,
                     expires_at=now + timedelta(days=days))
    session.add(token)
    session.flush()
    record(session, "api_token.created", actor, object_type="api_token", object_id=token.id,
           details={"key_name": name, "user": user.username, "prefix": token.prefix,
                    "expires_at": f"{token.expires_at:%Y-%m-%d %H:%M} UTC"})
    return NewToken(token, secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, token: ApiToken, actor: Actor,
                 now: datetime | None = None) -> bool:
    """Revoke a token; ``False`` when it already was (nothing is recorded twice)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    record(session, "api_token.revoked", actor, object_type="api_token", object_id=token.id,
           details={"key_name": token.name, "user": token.user.username, "prefix": token.prefix})
    return True


def authenticate(session: Session, secret: str, now: datetime) -> ApiToken | None:
    """The usable token with this secret, its use noted; ``None`` for any other secret."""
    if not secret.startswith(MARKER) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.usable_at(now):
        return None
    token.last_used_at = now
    return token
