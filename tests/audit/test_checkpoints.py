"""Signed checkpoints of the chain's head: truncating the log, or forging a checkpoint, shows."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import delete, select, text

from meetingsvc.audit.models import AuditCheckpoint, AuditEvent
from meetingsvc.audit.services import Actor, record, verify_chain
from tests.tampering import allow_tampering


@pytest.fixture
def grow(app, session):
    """Append ``n`` rows, a checkpoint signed every 5, one transaction per row."""
    app.config["AUDIT_CHECKPOINT_EVERY"] = 5

    def append(n: int) -> list[int]:
        ids = []
        for i in range(n):
            event = record(session, "test.event", Actor(username="thuky"), details={"n": i})
            session.commit()
            ids.append(event.id)
        return ids

    return append


def _checkpoints(session) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))


def test_checkpoints_are_signed_every_n_rows_and_openssl_verifies_them(
        session, runner, grow, dev_pki, tmp_path):
    ids = grow(12)
    checkpoints = _checkpoints(session)
    assert [c.event_id for c in checkpoints] == [ids[4], ids[9]]
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "12 rows" in verified.output and "2 signed checkpoints verify" in verified.output
    newest = checkpoints[-1]
    (tmp_path / "cp.json").write_text(newest.payload)
    (tmp_path / "cp.p7s").write_bytes(newest.signature)
    openssl = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "cp.p7s",
         "-content", "cp.json", "-CAfile", str(dev_pki / "root-ca.crt"), "-purpose", "any",
         "-out", "/dev/null"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert openssl.returncode == 0, openssl.stderr
    assert f'"row_hash":"{newest.row_hash}"' in newest.payload
    # `flask audit checkpoint` signs the head at once (from cron, say), once.
    signed = runner.invoke(args=["audit", "checkpoint"])
    assert signed.exit_code == 0 and f"#3 signed at row {ids[-1]}" in signed.output
    assert "already covers" in runner.invoke(args=["audit", "checkpoint"]).output


def test_rows_cut_from_the_end_are_caught_by_the_checkpoints(session, runner, grow):
    ids = grow(12)
    allow_tampering(session, "audit_event")
    session.execute(delete(AuditEvent).where(AuditEvent.id > ids[7]))
    session.commit()
    assert verify_chain(session).intact  # what is left still links up: the chain alone is blind
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"covers row {ids[9]}, past the last row ({ids[7]})" in result.output
    assert "deleted from the end" in result.output


def test_a_forged_or_removed_checkpoint_is_caught(session, runner, grow):
    ids = grow(16)
    second = _checkpoints(session)[1]
    genuine = second.payload
    session.execute(text("UPDATE audit_checkpoint SET payload = :p WHERE id = :id"),
                    {"p": genuine.replace(f'"event_id":{ids[9]}', f'"event_id":{ids[7]}'),
                     "id": second.id})
    session.commit()
    forged = runner.invoke(args=["audit", "verify"])
    assert forged.exit_code == 1
    assert "checkpoint #2: signature does not match the payload" in forged.output
    session.execute(text("UPDATE audit_checkpoint SET payload = :p WHERE seq = 2"),
                    {"p": genuine})
    session.execute(text("DELETE FROM audit_checkpoint WHERE seq = 2"))
    session.commit()
    removed = runner.invoke(args=["audit", "verify"])
    assert removed.exit_code == 1
    assert "checkpoint #3: the checkpoint before it was removed" in removed.output
