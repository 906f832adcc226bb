"""Appending recorded audit rows to the chain at commit, as late as possible.

``record`` only queues a row on the session. When the transaction commits, the
request's own changes are flushed first, then the chain lock is taken, the head
read and the queued rows linked and written, all in a savepoint: the lock is
held for a few statements at the end of a transaction, never across the mail,
timestamp or signing calls a request may make before.

Should the database refuse the rows as a fork (another writer linked to the
same head without the lock), only the savepoint is rolled back and the rows are
linked again to the new head: the request keeps its own changes and its rows.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, make_transient, scoped_session

from signing import KeySource

from .chain import chain_hash, lock_chain
from .checkpoints import ChainEnd, chain_end, checkpoint_head, checkpoint_if_due
from .models import AuditCheckpoint, AuditEvent

__all__ = ["APPEND_ATTEMPTS", "append_pending", "queue"]

log = logging.getLogger(__name__)

#: How often rows refused as a fork are linked again before the commit fails.
APPEND_ATTEMPTS = 5
_PENDING = "audit_pending"


def queue(session: Session, row: AuditEvent) -> None:
    """Hold ``row`` until the transaction (or ``append_pending``) writes it."""
    session = _plain(session)
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((current, row))


def write_checkpoint(session: Session, key: KeySource) -> AuditCheckpoint | None:
    """Sign the chain's head now (``flask audit checkpoint``, the evidence export).

    Rows this transaction recorded are appended first, so the head is theirs.
    """
    append_pending(session)
    return checkpoint_head(session, key)


def append_pending(session: Session) -> list[AuditEvent]:
    """Link and write the rows this transaction recorded, under the chain lock.

    The transaction holds the lock until it ends: commit soon after.
    """
    session = _plain(session)
    rows = [row for _transaction, row in session.info.pop(_PENDING, [])]
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        end = _append_as_the_one_writer(session, rows)
    else:
        end = _append_in_savepoint(session, rows)
    covered = end.covered
    for row in rows:
        covered = checkpoint_if_due(session, row, covered)
    return rows


def _append_as_the_one_writer(session: Session, rows: list[AuditEvent]) -> ChainEnd:
    """SQLite: take the database's one write lock, link, and write everything in one flush.

    Every write waits for that lock, so no other writer can link to the head read
    here: there is no fork to retry. Nothing is flushed before it, so the lock is
    held for one flush and the commit; downloads queue on it, so each statement
    and flush saved here is saved once per download, one download after another.
    """
    end = _lock_and_link(session, rows)
    session.flush()
    return end


def _append_in_savepoint(session: Session, rows: list[AuditEvent]) -> ChainEnd:
    """PostgreSQL: the request's changes first, then the chain lock and the rows.

    Flushed before the lock, the request's own row locks are waited for without
    holding the chain lock, so two transactions never wait on each other through
    it. Rows refused as a fork are linked again, in their savepoint only; a refusal
    at the last attempt fails the commit.
    """
    session.flush()  # the request's own changes, outside the savepoints below
    for attempt in range(1, APPEND_ATTEMPTS):
        try:
            with session.begin_nested():
                return _lock_and_link(session, rows)
        except IntegrityError as error:
            if "prev_hash" not in str(error.orig):
                raise
            log.warning("audit rows refused as a fork of the chain (attempt %s): "
                        "linking them to the new head", attempt)
            for row in rows:
                make_transient(row)
                row.id = None  # type: ignore[assignment]
    with session.begin_nested():
        return _lock_and_link(session, rows)


def _lock_and_link(session: Session, rows: list[AuditEvent]) -> ChainEnd:
    """Under the chain lock, link ``rows`` to the head and add them to the session."""
    lock_chain(session)
    with session.no_autoflush:  # on SQLite the request's changes go in the one flush after
        end = chain_end(session)
    _link(rows, end.head)
    session.add_all(rows)
    return end


def _link(rows: list[AuditEvent], prev: str) -> None:
    for row in rows:
        row.prev_hash = prev
        row.row_hash = prev = chain_hash(prev, row)


def _plain(session: Session | scoped_session[Session]) -> Session:
    return session() if isinstance(session, scoped_session) else session


@event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is not the commit
        append_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Rows recorded in a transaction or savepoint that rolled back are not written."""
    pending: list[tuple[Any, AuditEvent]] = session.info.get(_PENDING, [])
    kept = [(t, row) for t, row in pending if not _within(t, previous)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    if transaction is None:  # recorded before the session began: belongs to the outermost
        return ancestor.parent is None
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
