"""The issuance worker killed with SIGKILL mid-job, then started again and left alone:
the job finishes on its own, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.meetings.models import Invitation
from meetingsvc.tracking.models import DeliveryEvent
from tests.issuance.conftest import ACTOR
from tests.issuance.test_planning import POLICY

ROOT = Path(__file__).resolve().parents[2]


#: Short, so that the dead worker's units come back without anyone's help; a unit that
#: took longer would only be redone, its first result dropped (the copies stay the same).
LEASE_SECONDS = 15


def worker_environment(app, **settings: object) -> dict[str, str]:
    """The test app's settings for a process of its own (a worker, a Celery worker)."""
    config = app.config
    keys = ("SECRET_KEY", "DATABASE_URL", "BLOB_DIR", "PKI_DIR", "DEV_PKI_PASSPHRASE",
            "TSA_URL", "ISSUANCE_LEASE_SECONDS", "ISSUANCE_PROCESSES")
    return (os.environ | {f"MEETINGSVC_{key}": str(config[key]) for key in keys}
            | {"MEETINGSVC_INSTANCE_PATH": app.instance_path}
            | {f"MEETINGSVC_{key}": str(value) for key, value in settings.items()})


def run_worker(app) -> subprocess.Popen:
    """``flask issuance worker``, the deployment's one dispatcher, in its own process group."""
    env = worker_environment(app, ISSUANCE_DISPATCH="worker", ISSUANCE_POLL_SECONDS=0.2)
    with open(Path(app.instance_path) / "worker.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "meetingsvc",
                                 "issuance", "worker"], cwd=ROOT, env=env,
                                start_new_session=True, stdout=log, stderr=log)


@pytest.fixture
def app_config(app_config):
    return app_config | {"ISSUANCE_DISPATCH": "worker", "ISSUANCE_LEASE_SECONDS": LEASE_SECONDS}


def test_a_killed_worker_finishes_the_job_on_its_own_when_started_again(app, session, prepared,
                                                                         make_user):
    for n in range(24):
        session.add(Invitation(meeting_id=prepared.meeting.id, role="member",
                               user_id=make_user(full_name=f"Đại biểu Số {n}").id))
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    total = session.scalar(select(func.count()).select_from(IssuanceUnit))

    def done() -> int:
        session.expire_all()
        return session.scalar(select(func.count()).select_from(IssuanceUnit).where(
            IssuanceUnit.status == "done"))

    first = run_worker(app)
    try:
        wait_until(lambda: done() >= 2, 120, "a unit made by the first worker")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    assert done() < total, "the job finished before the kill"

    # Nobody looks at the job: the new worker's own polling takes the dead one's units
    # over once their leases run out.
    second = run_worker(app)
    try:
        wait_until(lambda: job_status(session, job.id) == "completed", 240,
                   "the job to complete after the restart")
    finally:
        second.terminate()  # SIGTERM: the worker stops cleanly
        assert second.wait(60) == 0, (Path(app.instance_path) / "worker.log").read_text()
    copies = session.scalars(select(IssuedCopy)).all()
    assert all(bool(c.blob_sha256) == (c.channel != "print") for c in copies)
    numbers: dict[str, list[int]] = {}
    for copy in copies:
        numbers.setdefault(copy.series, []).append(copy.copy_number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    events = session.execute(select(DeliveryEvent.copy_id, func.count())
                             .group_by(DeliveryEvent.copy_id)).all()
    assert all(count == 1 for _, count in events)
    assert len(events) == sum(1 for c in copies if c.channel != "print")


def job_status(session: Session, job_id: int) -> str:
    session.expire_all()
    return session.get(IssuanceJob, job_id).status


def wait_until(condition, timeout: float, what: str,
               explain: Callable[[], str] | None = None) -> None:
    """Poll the database (never the progress page: reading it must not be what drives work).

    ``explain`` gives what to show beside a timeout (the workers' log lines, say).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}" + (f"\n{explain()}" if explain else ""))
        time.sleep(0.2)
