"""The hash chain's primitives: what a row's hash covers, and the lock that orders appends.

Kept apart from the services so that checkpoints, exports and the offline
checker (``offline/verify_audit_log.py``, which re-implements these lines with
the standard library only) all hash exactly the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..extensions import sqlite_begin_writing


class ChainRow(Protocol):
    """An audit row's hashed fields: an ``AuditEvent`` or a plain result row."""

    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    object_type: str | None
    object_id: str | None
    meeting_id: int | None
    address: str | None
    details: str

GENESIS_HASH = "0" * 64
#: Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_246_131


def content_of(event: ChainRow) -> dict[str, Any]:
    """Every field a row's hash covers, as plain JSON values."""
    return {
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


def canonical_json(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


def canonical_content(event: ChainRow) -> bytes:
    """The bytes a row's hash covers: every field but the hash itself, in a fixed form."""
    return canonical_json(content_of(event))


def chain_hash(prev_hash: str, event: ChainRow) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical_content(event)).hexdigest()


def lock_chain(session: Session) -> None:
    """Serialise appends (rows and checkpoints) until the transaction ends.

    Taken before the chain's head is read, so that no two transactions link to the
    same row (the unique ``prev_hash`` refuses it anyway). On PostgreSQL an advisory
    lock: under READ COMMITTED each statement after it sees the newest head. On
    SQLite the transaction becomes the writer (BEGIN IMMEDIATE): SQLite admits one
    writer at a time, and a writer's reads see the newest commit.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        sqlite_begin_writing(connection.connection.dbapi_connection)
