"""The database itself keeps the audit log and the delivery events append-only and the
chain unforked, whoever connects; a fork refused while appending is linked again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from meetingsvc.accounts.models import User
from meetingsvc.audit import appends
from meetingsvc.audit.chain import GENESIS_HASH
from meetingsvc.audit.checkpoints import ChainEnd
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor, record, verify_chain
from meetingsvc.extensions import db
from meetingsvc.tracking.models import DeliveryEvent


def _grow(session, n: int) -> list[AuditEvent]:
    events = [record(session, "test.event", Actor(username="thuky"), details={"n": i})
              for i in range(n)]
    session.commit()
    return events


def _refused(statement: str, params: dict | None = None) -> str:
    """Run ``statement`` on a plain connection of its own; the database's refusal, in words."""
    with db.engine.connect() as connection, pytest.raises(IntegrityError) as refusal:
        connection.execute(text(statement), params or {})
        connection.commit()
    return str(refusal.value.orig)


def test_the_first_row_follows_genesis_and_each_row_the_one_before(session):
    first, second = _grow(session, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.row_hash
    assert verify_chain(session).intact


def test_a_forged_fork_is_refused_by_the_schema(session):
    first, second = _grow(session, 2)
    for predecessor in (GENESIS_HASH, first.row_hash):  # genesis too: it begins one chain
        why = _refused("INSERT INTO audit_event (at, action, details, prev_hash, row_hash) "
                       "VALUES "
                       "(CURRENT_TIMESTAMP, 'forged', '{}', :prev, :own)",
                       {"prev": predecessor, "own": "f" * 63 + predecessor[0]})
        assert "prev_hash" in why
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor_name = 'someone else'",
                                       "DELETE FROM audit_event"])
def test_audit_rows_cannot_be_updated_or_deleted(session, statement):
    _grow(session, 3)
    why = _refused(statement)
    assert "audit_event is append-only" in why
    assert verify_chain(session).rows_checked == 3


def test_delivery_events_cannot_be_updated_or_deleted(session, small_issue):
    before = session.scalar(select(func.count()).select_from(DeliveryEvent))
    assert before > 0  # delivering the copies recorded events
    assert "delivery_event is append-only" in _refused(
        "UPDATE delivery_event SET address = '10.0.0.1'")
    assert "delivery_event is append-only" in _refused("DELETE FROM delivery_event")
    assert session.scalar(select(func.count()).select_from(DeliveryEvent)) == before


def _stale_head_once(session, monkeypatch) -> Iterator[ChainEnd]:
    """The chain's end as a writer that skipped the chain lock would read it, once."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    heads = iter([ChainEnd(head=rows[1].row_hash, covered=0)])
    real_end = appends.chain_end
    monkeypatch.setattr(appends, "chain_end", lambda s: next(heads, None) or real_end(s))
    return heads


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_refused_append_is_linked_again_and_the_request_keeps_its_changes(
        session, make_user, monkeypatch):
    _grow(session, 3)
    heads = _stale_head_once(session, monkeypatch)
    user = make_user(username="vanthu")  # its own change and its audit row, one commit
    session.expire_all()
    assert session.scalar(select(User).where(User.username == "vanthu")) is not None
    assert next(heads, None) is None  # the stale head was used, refused, then the real one
    report = verify_chain(session)
    assert report.intact and report.rows_checked == 4
    newest = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert newest.action == "account.created" and newest.object_id == str(user.id)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_fork_is_refused_whole_on_sqlite(session, monkeypatch):
    """SQLite links under its one write lock, so a stale head can only be a bug: the
    database refuses the commit, and no forked row is kept."""
    _grow(session, 3)
    _stale_head_once(session, monkeypatch)
    record(session, "test.forked", Actor(username="thuky"))
    with pytest.raises(IntegrityError, match="prev_hash"):
        session.commit()
    session.rollback()
    assert verify_chain(session).rows_checked == 3
    assert session.scalar(select(func.count()).where(AuditEvent.action == "test.forked")) == 0


def test_rows_recorded_in_a_rolled_back_savepoint_are_not_written(session):
    with pytest.raises(RuntimeError), session.begin_nested():
        record(session, "test.undone", Actor(username="thuky"))
        raise RuntimeError
    record(session, "test.kept", Actor(username="thuky"))
    session.commit()
    assert session.scalars(select(AuditEvent.action)).all() == ["test.kept"]
