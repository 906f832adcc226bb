"""The Celery path: real workers on the machine's Redis, one killed with SIGKILL mid-job,
its units offered again by beat's sweep with nobody watching; reading progress offers nothing."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select, update

from meetingsvc.accounts.models import Role
from meetingsvc.issuance.models import IssuanceUnit, IssuedCopy
from meetingsvc.issuance.runner import offer_units
from meetingsvc.meetings.models import Invitation
from meetingsvc.models_common import utcnow
from meetingsvc.tracking.models import DeliveryEvent
from tests.confirming import confirmed_post
from tests.conftest import unavailable
from tests.issuance.test_crash import LEASE_SECONDS, job_status, wait_until, worker_environment

REDIS_URL = os.environ.get("MEETINGSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} unreachable: {error}")
    return REDIS_URL


@pytest.fixture
def app_config(app_config, broker):
    return app_config | {"CELERY_BROKER_URL": broker, "ISSUANCE_LEASE_SECONDS": LEASE_SECONDS}


def worker_log(app) -> Path:
    return Path(app.instance_path) / "celery-worker.log"


def worker_lines(app, last: int = 80) -> str:
    """The workers' last lines, beat's sweep among them: why a job did not finish."""
    path = worker_log(app)
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(line for line in lines[-last:])


@pytest.fixture
def start_worker(app) -> Iterator:
    workers: list[subprocess.Popen] = []
    env = worker_environment(app, CELERY_BROKER_URL=app.config["CELERY_BROKER_URL"],
                             ISSUANCE_SWEEP_SECONDS=1)

    def start() -> subprocess.Popen:
        # Every worker's lines in one file of the instance, shown if the test fails.
        with open(worker_log(app), "ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "meetingsvc.jobs", "worker", "--beat",
                 "--concurrency", "2", "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(
        app, session, prepared, client, sign_in, make_user, start_worker):
    sign_in(make_user(Role.SECRETARIAT))
    meeting = prepared.meeting
    for n in range(24):  # enough delegates that the kill lands mid-job
        session.add(Invitation(meeting_id=meeting.id, role="member",
                               user_id=make_user(full_name=f"Đại biểu Số {n}").id))
    session.commit()
    assert confirmed_post(client, f"/meetings/{meeting.id}/issue").status_code == 302
    job_id = session.scalar(select(IssuanceUnit.job_id))

    def done_units() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(IssuanceUnit).where(
            IssuanceUnit.status == "done"))

    total_units = session.scalar(select(func.count()).select_from(IssuanceUnit))
    first = start_worker()
    wait_until(lambda: done_units() >= 1, 240, "the first unit")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert done_units() < total_units, "the worker finished before it could be killed"

    # Nobody opens the progress page: beat's sweep in the new worker offers the dead
    # worker's units again once their leases (and the lost messages' offers) run out.
    start_worker()
    wait_until(lambda: job_status(session, job_id) == "completed", 240,
               "the job to complete after the restart", explain=lambda: worker_lines(app))

    assert list(Path(app.instance_path).glob("celerybeat-schedule*"))
    assert not list(ROOT.glob("celerybeat-schedule*")), "beat wrote outside the instance"
    session.expire_all()
    copies = session.scalars(select(IssuedCopy)).all()
    assert all(c.status in ("delivered", "signed") for c in copies)
    # Paper copies keep no file: their print file is made on demand.
    assert all(bool(c.blob_sha256) == (c.channel != "print") for c in copies)
    by_series: dict[str, list[int]] = {}
    for copy in copies:
        by_series.setdefault(copy.series, []).append(copy.copy_number)
    for numbers in by_series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    delivered = session.execute(select(DeliveryEvent.copy_id, func.count())
                                .group_by(DeliveryEvent.copy_id)).all()
    assert delivered and all(count == 1 for _, count in delivered)
    electronic = [c for c in copies if c.channel != "print"]
    assert len(delivered) == len(electronic)


def test_reading_progress_offers_nothing_and_an_offer_stands_until_its_lease(
        app, session, prepared, client, sign_in, make_user, broker):
    sign_in(make_user(Role.SECRETARIAT))
    meeting = prepared.meeting
    queue = redis.Redis.from_url(broker)
    assert confirmed_post(client, f"/meetings/{meeting.id}/issue").status_code == 302
    job_id = session.scalar(select(IssuanceUnit.job_id))
    units = session.scalar(select(func.count()).select_from(IssuanceUnit))
    assert queue.llen("celery") == units  # each unit offered once, when the job started

    for _ in range(20):
        progress = client.get(f"/meetings/{meeting.id}/issuance/{job_id}/progress.json")
        assert progress.json["status"] == "running"
    assert queue.llen("celery") == units
    assert offer_units(app) == 0  # what is on offer is not offered again

    session.execute(update(IssuanceUnit).values(lease_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert offer_units(app) == units  # an offer that ran out is made again
    assert queue.llen("celery") == 2 * units


def test_a_celery_worker_freezes_what_its_children_will_share():
    """As the issuance worker before its pool: the Celery worker's own full collections
    must not write to the objects its forked children share (executive run, one worker
    with two children: 412-458 MB PSS summed before, 352-353 MB after)."""
    from celery import signals

    from meetingsvc import jobs  # noqa: F401 - connects the worker's signal handlers

    assert gc.get_freeze_count() == 0
    try:
        signals.worker_init.send(sender=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
