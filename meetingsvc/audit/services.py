"""Appending to the audit log and checking its chain."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models_common import utcnow
from .models import AuditEvent

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
#: Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_246_131


@dataclass(frozen=True)
class Actor:
    """Who performed an action, as the audit log records it."""

    user_id: int | None = None
    username: str | None = None
    address: str | None = None


def canonical_content(event: AuditEvent) -> bytes:
    """The bytes a row's hash covers: every field but the hash itself, in a fixed form."""
    content = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "meeting_id": event.meeting_id,
        "address": event.address,
        "details": event.details,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical_content(event)).hexdigest()


def record(
    session: Session,
    action: str,
    actor: Actor,
    *,
    object_type: str | None = None,
    object_id: object = None,
    meeting_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    prev = session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        meeting_id=meeting_id,
        address=actor.address,
        details=json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev or GENESIS_HASH,
    )
    event.row_hash = chain_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    log.info("audit %s by %s on %s %s", action, actor.username, object_type, object_id)
    return event


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    #: The id of the first row whose hash or link does not hold; ``None`` when all hold.
    first_broken_id: int | None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(session: Session, batch_size: int = 5000) -> ChainReport:
    """Recompute every row's hash in order; name the first row that does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return ChainReport(checked, None)
        for event in rows:
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id, "link to the previous row is broken")
            if chain_hash(event.prev_hash, event) != event.row_hash:
                return ChainReport(checked, event.id, "row content does not match its hash")
            expected_prev = event.row_hash
            checked += 1
            last_id = event.id
        session.expunge_all()
