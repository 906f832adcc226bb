"""The Celery path: real workers on the machine's Redis, one killed with SIGKILL mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.issuance.models import IssuanceUnit, IssuedCopy
from meetingsvc.meetings.models import Invitation
from meetingsvc.tracking.models import DeliveryEvent
from tests.confirming import confirmed_post
from tests.conftest import unavailable
from tests.issuance.test_crash import expire_leases

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
    return app_config | {"CELERY_BROKER_URL": broker, "ISSUANCE_LEASE_SECONDS": 3600}


@pytest.fixture
def start_worker(app) -> Iterator:
    workers: list[subprocess.Popen] = []
    config = app.config
    env = os.environ | {
        "MEETINGSVC_SECRET_KEY": config["SECRET_KEY"],
        "MEETINGSVC_INSTANCE_PATH": app.instance_path,
        "MEETINGSVC_DATABASE_URL": config["DATABASE_URL"],
        "MEETINGSVC_BLOB_DIR": config["BLOB_DIR"],
        "MEETINGSVC_PKI_DIR": config["PKI_DIR"],
        "MEETINGSVC_DEV_PKI_PASSPHRASE": config["DEV_PKI_PASSPHRASE"],
        "MEETINGSVC_TSA_URL": config["TSA_URL"],
        "MEETINGSVC_CELERY_BROKER_URL": config["CELERY_BROKER_URL"],
        "MEETINGSVC_ISSUANCE_LEASE_SECONDS": str(config["ISSUANCE_LEASE_SECONDS"]),
    }

    def start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "meetingsvc.jobs", "worker",
             "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def wait_for(condition, timeout: float, what: str, poke=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        if poke:
            poke()
        time.sleep(0.2)


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
    wait_for(lambda: done_units() >= 1, 120, "the first unit")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert done_units() < total_units, "the worker finished before it could be killed"
    # The restarted worker takes over what the dead one held once the leases have run out.
    assert expire_leases(session) >= 1, "the dead worker left no unit to take over"

    start_worker()
    progress_url = f"/meetings/{meeting.id}/issuance/{job_id}/progress.json"
    wait_for(lambda: client.get(progress_url).json["status"] == "completed", 240,
             "the job to complete after the restart")

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
