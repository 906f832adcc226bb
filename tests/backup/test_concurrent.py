"""A backup made while another thread keeps appending to the audit log is consistent: it
verifies, and its log is exactly a prefix of the live one."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor, record
from meetingsvc.backup.services import create_backup, places_of
from meetingsvc.extensions import db
from tests.backup.conftest import flask_command

#: How long the test waits on the writer before failing instead of hanging (not a timing check).
DEADLOCK_GUARD_SECONDS = 120


class Writer(threading.Thread):
    """Appends audit rows, each in its own transaction, until told to stop."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.app = app
        self.written = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.progressed = threading.Condition()

    def run(self) -> None:
        with self.app.app_context():
            session = db.new_session()
            try:
                while not self.stop.is_set():
                    record(session, "audit.log_verified", Actor(username="writer"),
                           details={"n": self.written})
                    session.commit()
                    with self.progressed:
                        self.written += 1
                        self.progressed.notify_all()
            except BaseException as error:  # reported by the test
                self.error = error
                with self.progressed:
                    self.progressed.notify_all()
            finally:
                session.close()

    def wait_for(self, rows: int) -> None:
        with self.progressed:
            assert self.progressed.wait_for(lambda: self.written >= rows or self.error,
                                            DEADLOCK_GUARD_SECONDS)
        assert self.error is None, self.error


def test_a_backup_taken_during_writes_is_consistent(app, session, prepared, backup_dir):
    writer = Writer(app)
    writer.start()
    writer.wait_for(3)
    during: list[int] = []

    def progress(step: str, done: int, _total: int) -> None:
        if step == "blobs" and done == 1:  # after the snapshot, while files are copied
            writer.wait_for(writer.written + 3)
            during.append(writer.written)

    try:
        manifest = create_backup(backup_dir, places_of(app.config, app.instance_path),
                                 progress=progress)
    finally:
        writer.stop.set()
        writer.join(DEADLOCK_GUARD_SECONDS)
    assert writer.error is None, writer.error
    assert during, "the writer never ran while the files were copied"

    checked = flask_command(app, "backup", "verify", str(backup_dir))
    assert checked.exit_code == 0, checked.output
    session.expire_all()
    live = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    backed_up = json.loads((Path(backup_dir) / "manifest.json").read_text())["audit"]
    assert backed_up == manifest.audit
    assert live > backed_up["last_row_id"]  # rows went on being written after the snapshot
    assert session.scalar(select(AuditEvent.row_hash).where(
        AuditEvent.id == backed_up["last_row_id"])) == backed_up["last_row_hash"]
