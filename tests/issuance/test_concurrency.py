"""Two secretaries pressing "Issue" at the same moment never number a copy twice; two
workers finishing a job's last units at the same moment end it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from meetingsvc.audit.models import AuditEvent
from meetingsvc.extensions import db
from meetingsvc.issuance.dispatcher import Dispatcher
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy, JobStatus
from meetingsvc.issuance.planning import IssuanceError, start_issuance
from meetingsvc.issuance.services import claim_unit, fail_unit
from meetingsvc.jobs import sweep_units
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import ACTOR
from tests.issuance.test_planning import POLICY

LEASE = timedelta(minutes=5)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_issuance_plans_each_copy_once(app, session, prepared):
    """Row locks are what this checks: on PostgreSQL only (SQLite serialises writers)."""
    session.commit()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def press_issue() -> None:
        with app.app_context():
            own = db.new_session()
            try:
                meeting = own.get(Meeting, prepared.meeting.id)
                barrier.wait()
                start_issuance(own, meeting, ACTOR, POLICY)
                own.commit()
                outcomes.append("issued")
            except IssuanceError:
                own.rollback()
                outcomes.append("nothing new")
            finally:
                own.close()

    threads = [threading.Thread(target=press_issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["issued", "nothing new", "nothing new", "nothing new"]
    duplicates = session.execute(
        select(IssuedCopy.series, IssuedCopy.copy_number, func.count())
        .group_by(IssuedCopy.series, IssuedCopy.copy_number).having(func.count() > 1)).all()
    assert duplicates == []


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_last_two_units_finishing_at_once_end_the_job(app, session, prepared):
    """Two Celery children recording the last two units together: each used to count the
    other's unit, not yet committed, as still running, and the job stayed "running"
    forever with every copy delivered. The second must wait and see the first's commit."""
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    units = session.scalars(select(IssuanceUnit.id).where(IssuanceUnit.job_id == job.id)
                            .order_by(IssuanceUnit.id)).all()
    *others, first, second = units
    for unit_id in others:
        fail_unit(session, claim_unit(session, "test", LEASE, unit_id=unit_id), "gone", 1)
    for unit_id in (first, second):
        claim_unit(session, "test", LEASE, unit_id=unit_id)
    session.commit()

    job_id = job.id
    one = db.new_session()  # the test runs inside the app's context
    one.execute(text("SET application_name = 'first-unit'"))
    fail_unit(one, one.get(IssuanceUnit, first), "gone", 1)  # not committed yet

    def record_the_other() -> None:
        with app.app_context():
            two = db.new_session()
            try:
                two.execute(text("SET application_name = 'second-unit'"))
                fail_unit(two, two.get(IssuanceUnit, second), "gone", 1)
                two.commit()
            finally:
                two.close()

    other = threading.Thread(target=record_the_other)
    other.start()
    # Until the second one either finished (the bug) or waits for a lock (the fix).
    for _ in range(600):
        other.join(0.1)
        waiting = session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'second-unit'"
            " AND wait_event_type = 'Lock'"))
        session.rollback()
        if waiting or not other.is_alive():
            break
    one.commit()
    one.close()
    other.join(60)
    session.expire_all()
    assert session.get(IssuanceJob, job_id).status == JobStatus.COMPLETED_WITH_FAILURES


def lost_finish(session, prepared) -> int:
    """A job whose units all ended but which stayed running, as the race above left one."""
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    for unit_id in session.scalars(select(IssuanceUnit.id).where(IssuanceUnit.job_id == job.id)):
        fail_unit(session, claim_unit(session, "test", LEASE, unit_id=unit_id), "gone", 1)
    session.execute(update(IssuanceJob).where(IssuanceJob.id == job.id)
                    .values(status=JobStatus.RUNNING.value, finished_at=None))
    session.commit()
    return job.id


def job_ended(session, job_id: int) -> bool:
    session.expire_all()
    status = session.get(IssuanceJob, job_id).status
    session.rollback()
    return status == JobStatus.COMPLETED_WITH_FAILURES


def test_beats_sweep_ends_a_job_whose_end_was_lost(app, session, prepared):
    job_id = lost_finish(session, prepared)
    assert sweep_units() == 0  # nothing to offer again; the job is ended all the same
    assert job_ended(session, job_id)
    ended = session.scalars(select(AuditEvent).where(AuditEvent.action == "issuance.finished",
                                                     AuditEvent.object_id == str(job_id))).all()
    assert len(ended) == 2  # the lost end, and the sweep's


def test_the_idle_issuance_worker_ends_a_job_whose_end_was_lost(app, session, prepared):
    job_id = lost_finish(session, prepared)
    stop = threading.Event()
    worker = threading.Thread(target=Dispatcher(app, poll_seconds=0.05).run, args=(stop,))
    worker.start()
    try:
        for _ in range(600):
            if job_ended(session, job_id):
                break
            stop.wait(0.1)
        assert job_ended(session, job_id)
    finally:
        stop.set()
        worker.join(60)
