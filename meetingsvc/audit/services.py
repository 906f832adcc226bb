"""Appending to the audit log, checking its chain and checkpoints, and reading it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from signing import TrustSettings

from ..models_common import utcnow
from ..timezones import office_day_start
from .appends import append_pending, queue
from .chain import GENESIS_HASH, canonical_content, chain_hash
from .checkpoints import CheckpointReport, verify_checkpoints
from .models import AuditCheckpoint, AuditEvent

__all__ = [
    "GENESIS_HASH", "Actor", "AuditReport", "ChainReport", "LogFilter", "LogPage", "LogStatus",
    "append_pending", "canonical_content", "chain_hash", "details_of", "known_actions",
    "log_page", "log_status", "People", "people_of", "record", "row_holds", "verify_chain",
    "verify_log",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who performed an action, as the audit log records it."""

    user_id: int | None = None
    username: str | None = None
    address: str | None = None
    #: The personal API key's name when the action came through the API.
    token_name: str | None = None


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
    """Append one event to the chain, inside the caller's transaction.

    The row is linked and written when the transaction commits (or at
    ``append_pending``), under the chain lock, so the lock is held only at the end
    of the transaction; until then its ``id`` is ``None``. Every
    ``AUDIT_CHECKPOINT_EVERY`` rows the new head is also signed as a checkpoint, in
    the same transaction, so a checkpoint never names a row that was rolled back.
    """
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        meeting_id=meeting_id,
        address=actor.address,
        details=json.dumps(_with_token(details, actor), sort_keys=True, ensure_ascii=False,
                           default=str),
    )
    queue(session, event)
    log.info("audit %s by %s on %s %s", action, actor.username, object_type, object_id)
    return event


def _with_token(details: Mapping[str, Any] | None, actor: Actor) -> dict[str, Any]:
    merged = dict(details or {})
    if actor.token_name is not None:
        merged["api_token"] = actor.token_name
    return merged


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    #: The id of the first row whose hash or link does not hold; ``None`` when all hold.
    first_broken_id: int | None
    reason: str | None = None
    #: The id of the last row (``None`` for an empty log).
    last_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


_CHAIN_COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor_name,
                  AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
                  AuditEvent.meeting_id, AuditEvent.address, AuditEvent.details,
                  AuditEvent.prev_hash, AuditEvent.row_hash)


def verify_chain(session: Session, batch_size: int = 5000) -> ChainReport:
    """Recompute every row's hash in order; name the first row that does not hold.

    Reads plain columns in batches, so a long log neither fills the session nor
    detaches the objects a request is using.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(select(*_CHAIN_COLUMNS).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch_size)).all()
        if not rows:
            return ChainReport(checked, None, last_id=last_id or None)
        for row in rows:
            if row.prev_hash != expected_prev:
                return ChainReport(checked, row.id, "link to the previous row is broken")
            if chain_hash(row.prev_hash, row) != row.row_hash:
                return ChainReport(checked, row.id, "row content does not match its hash")
            expected_prev = row.row_hash
            checked += 1
            last_id = row.id


@dataclass(frozen=True)
class AuditReport:
    """The whole log's check: the chain row by row, then the signed checkpoints."""

    chain: ChainReport
    checkpoints: CheckpointReport

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.checkpoints.intact

    def summary(self) -> dict[str, object]:
        """Plain data for the audit row that records a check, and for JSON."""
        return {"intact": self.intact, "rows": self.chain.rows_checked,
                "first_broken_id": self.chain.first_broken_id, "reason": self.chain.reason,
                "checkpoints": self.checkpoints.checked,
                "checkpoint_problems": list(self.checkpoints.problems[:20]),
                "newest_checkpoint": self.checkpoints.newest_seq,
                "rows_after_newest_checkpoint": self.checkpoints.rows_after_newest}


def verify_log(session: Session, trust: TrustSettings) -> AuditReport:
    """Check the chain, then every checkpoint against the rows that remain."""
    chain = verify_chain(session)
    last_id = session.scalar(select(func.max(AuditEvent.id)))
    return AuditReport(chain, verify_checkpoints(session, trust, last_id))


def row_holds(event: AuditEvent) -> bool:
    """Whether a row's content still matches its own hash (its link is not checked here)."""
    return chain_hash(event.prev_hash, event) == event.row_hash


def details_of(event: AuditEvent) -> dict[str, object]:
    """A row's details as a mapping, without empty values, for display."""
    try:
        details = json.loads(event.details)
    except ValueError:
        return {"details": event.details}
    if not isinstance(details, dict):
        return {"details": details}
    return {key: value for key, value in details.items() if value not in (None, "", [], {})}


@dataclass(frozen=True)
class LogFilter:
    """What the auditor's log page narrows to; every field is optional."""

    meeting_id: int | None = None
    #: A username: rows the user did, or rows about them (``user``/``username`` details).
    username: str | None = None
    #: An exact action, or a prefix ending in a dot (``copy.``).
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of_days(cls, zone: tzinfo, since: date | None = None, until: date | None = None,
                **fields: Any) -> LogFilter:
        """A filter from the office's calendar days: ``since`` from its start, ``until``
        to its end (both inclusive), as the log page and the API ask for them."""
        return cls(since=office_day_start(since, zone) if since else None,
                   until=office_day_start(until + timedelta(days=1), zone) if until else None,
                   **fields)


@dataclass(frozen=True)
class LogPage:
    rows: Sequence[AuditEvent]
    total: int
    page: int
    per_page: int
    #: Ids of the rows that a checkpoint covers, among ``rows``.
    checkpointed: frozenset[int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(query: Select[Any], where: LogFilter) -> Select[Any]:
    if where.meeting_id is not None:
        query = query.where(AuditEvent.meeting_id == where.meeting_id)
    if where.username:
        name = where.username.strip().lower()  # usernames are unique regardless of case
        details = func.lower(AuditEvent.details)
        query = query.where(or_(
            func.lower(AuditEvent.actor_name) == name,
            details.contains(json.dumps({"user": name})[1:-1], autoescape=True),
            details.contains(json.dumps({"username": name})[1:-1], autoescape=True)))
    if where.action:
        if where.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(where.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == where.action)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    return query


def log_page(session: Session, where: LogFilter, page: int = 1,
             per_page: int = 100) -> LogPage:
    """One page of the log, newest first, with the filter applied."""
    page = max(1, page)
    total = session.scalar(_filtered(select(func.count()).select_from(AuditEvent), where)) or 0
    rows = session.scalars(_filtered(select(AuditEvent), where).order_by(AuditEvent.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    ids = [row.id for row in rows]
    covered = frozenset(session.scalars(select(AuditCheckpoint.event_id).where(
        AuditCheckpoint.event_id.in_(ids)))) if ids else frozenset()
    return LogPage(rows, total, page, per_page, covered)


@dataclass(frozen=True)
class LogStatus:
    """The log's size and how much of it the newest checkpoint covers."""

    rows: int
    last_id: int | None
    newest_checkpoint: AuditCheckpoint | None

    @property
    def uncovered(self) -> bool:
        return self.last_id is not None and (
            self.newest_checkpoint is None or self.newest_checkpoint.event_id < self.last_id)


def log_status(session: Session) -> LogStatus:
    rows, last_id = session.execute(select(func.count(), func.max(AuditEvent.id))).one()
    newest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())
                             .limit(1)).first()
    return LogStatus(rows, last_id, newest)


@dataclass(frozen=True)
class People:
    """The people a page of the log names, by username (lower case) and by id."""

    names: dict[str, str]
    by_id: dict[int, tuple[str, str]]

    def subject(self, row: AuditEvent) -> tuple[str, str] | None:
        """The account a row is about (``object_type`` user), as (full name, username)."""
        if row.object_type == "user" and row.object_id and row.object_id.isdigit():
            return self.by_id.get(int(row.object_id))
        return None


def people_of(session: Session, rows: Sequence[AuditEvent], usernames: set[str]) -> People:
    """Full names for the actors, the accounts the rows are about and ``usernames``
    their details name: one query for the page."""
    from ..accounts.models import User

    ids = {row.actor_id for row in rows if row.actor_id is not None} | {
        int(row.object_id) for row in rows
        if row.object_type == "user" and row.object_id and row.object_id.isdigit()}
    names = {name.lower() for name in usernames} | {
        row.actor_name.lower() for row in rows if row.actor_name}
    if not ids and not names:
        return People({}, {})
    users = session.execute(select(User.id, User.username, User.full_name).where(or_(
        User.id.in_(ids), func.lower(User.username).in_(names)))).all()
    return People({u.username.lower(): u.full_name for u in users},
                  {u.id: (u.full_name, u.username) for u in users})


def known_actions(session: Session) -> list[str]:
    """Every action the log holds, for the filter's choices."""
    return sorted(session.scalars(select(AuditEvent.action).distinct()))
