"""The embedded runner killed with SIGKILL mid-job, then started again: nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.meetings.models import Invitation
from meetingsvc.models_common import utcnow
from meetingsvc.tracking.models import DeliveryEvent
from tests.issuance.conftest import ACTOR
from tests.issuance.test_planning import POLICY

ROOT = Path(__file__).resolve().parents[2]


def run_pool(app) -> subprocess.Popen:
    config = app.config
    env = os.environ | {f"MEETINGSVC_{key}": str(config[key]) for key in (
        "SECRET_KEY", "DATABASE_URL", "BLOB_DIR", "PKI_DIR", "DEV_PKI_PASSPHRASE",
        "TSA_URL")} | {"MEETINGSVC_INSTANCE_PATH": app.instance_path,
                       # Long enough that only expire_leases() lets a unit be taken again.
                       "MEETINGSVC_ISSUANCE_LEASE_SECONDS": "3600"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "meetingsvc", "issuance",
                             "run", "--pool"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def expire_leases(session: Session) -> int:
    """Move every running unit's lease into the past, as a clock jump past its end would."""
    expired = session.execute(
        update(IssuanceUnit).where(IssuanceUnit.status == "running")
        .values(lease_until=utcnow() - timedelta(seconds=1))).rowcount
    session.commit()
    return expired


def test_a_killed_service_finishes_the_job_when_started_again(app, session, prepared,
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

    first = run_pool(app)
    deadline = time.monotonic() + 120
    while done() < 2:
        assert time.monotonic() < deadline, "no unit finished"
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    assert done() < total, "the job finished before the kill"

    assert expire_leases(session) >= 1, "the dead runner left no unit to take over"
    second = run_pool(app)
    assert second.wait(240) == 0
    session.expire_all()
    assert session.get(IssuanceJob, job.id).status == "completed"
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
