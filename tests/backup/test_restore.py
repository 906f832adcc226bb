"""A backup made while papers are issued restores into an empty instance that then serves them,
with its audit log intact; a restore never lands on an instance that holds data."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.issuance.models import IssuedCopy
from tests.backup.conftest import flask_command
from tests.conftest import PASSWORD
from tests.tracking.conftest import item_copy


def test_a_backup_restores_into_an_empty_instance_that_serves_the_same_papers(
        app, session, prepared, issued, backup_dir, restored_app, dev_pki):
    member = prepared.members[0]
    copy = item_copy(session, member, prepared.documents["programme"])
    signed = BlobStore(Path(app.config["BLOB_DIR"])).path_for(copy.blob_sha256).read_bytes()
    copies = session.scalar(select(IssuedCopy.id).order_by(IssuedCopy.id.desc()).limit(1))
    username, meeting_id, copy_id, sha = (member.username, prepared.meeting.id, copy.id,
                                          copy.blob_sha256)

    made = flask_command(app, "backup", "create", str(backup_dir))
    assert made.exit_code == 0, made.output
    assert "tệp lưu trữ / stored files: 1/" in made.stderr
    assert "backed up into" in made.stdout
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database_kind"] == app.config["DATABASE_URL"].split(":")[0].split("+")[0]
    assert {"created_at", "app_version", "schema_revision", "audit"} <= set(manifest)
    paths = {entry["path"]: entry for entry in manifest["files"]}
    assert f"blobs/{copy.blob_sha256[:2]}/{copy.blob_sha256[2:4]}/{copy.blob_sha256}" in paths
    assert paths["pki/office.p12"]["mode"] == "0600"
    assert any(path.startswith("checkpoints/") for path in paths) == (
        manifest["audit"]["checkpoints"] > 0)
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) \
        == "backup.created"

    restored = restored_app()
    done = flask_command(restored, "backup", "restore", str(backup_dir))
    assert done.exit_code == 0, done.output
    checked = flask_command(restored, "audit", "verify")
    assert checked.exit_code == 0, checked.output
    assert "audit log intact" in checked.output

    store = BlobStore(Path(restored.config["BLOB_DIR"]))
    assert store.path_for(sha).read_bytes() == signed
    key = Path(restored.instance_path) / "pki" / "office.p12"
    assert key.read_bytes() == (dev_pki / "office.p12").read_bytes()  # still encrypted as stored
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700

    client = restored.test_client()
    with restored.app_context():
        signed_in = client.post("/sign-in", data={"username": username,
                                                  "password": PASSWORD})
        assert signed_in.status_code == 302
        served = client.get(f"/meetings/{meeting_id}/my/copies/{copy_id}.pdf")
        assert served.status_code == 200
        assert served.data == signed
        served.close()
        from meetingsvc.extensions import db

        assert db.session.scalar(select(IssuedCopy.id).order_by(IssuedCopy.id.desc())
                                 .limit(1)) == copies
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "backup.restored" in actions
    assert actions.count("backup.created") == 0  # recorded in the live log after the snapshot


def test_restore_refuses_an_instance_that_holds_data(app, prepared, backup_dir):
    made = flask_command(app, "backup", "create", str(backup_dir))
    assert made.exit_code == 0, made.output
    blobs = sorted(p for p in Path(app.config["BLOB_DIR"]).rglob("*") if p.is_file())

    refused = flask_command(app, "backup", "restore", str(backup_dir))
    assert refused.exit_code == 1
    assert "Không khôi phục vào instance đã có dữ liệu" in refused.output
    assert "Refusing to restore into an instance that holds data" in refused.output
    assert "the database has" in refused.output
    assert sorted(p for p in Path(app.config["BLOB_DIR"]).rglob("*") if p.is_file()) == blobs


def test_restore_refuses_an_instance_with_only_stored_files(app, prepared, backup_dir,
                                                           empty_instance, restored_app):
    assert flask_command(app, "backup", "create", str(backup_dir)).exit_code == 0
    stray = Path(empty_instance["INSTANCE_PATH"]) / "blobs" / "ab" / "cd" / ("ab" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left behind")
    refused = flask_command(restored_app(), "backup", "restore", str(backup_dir))
    assert refused.exit_code == 1
    assert "the file store has files" in refused.output
    assert not (Path(empty_instance["INSTANCE_PATH"]) / "pki").exists()


def test_create_refuses_a_folder_that_is_not_empty(app, backup_dir):
    backup_dir.mkdir(parents=True)
    (backup_dir / "notes.txt").write_text("something else")
    refused = flask_command(app, "backup", "create", str(backup_dir))
    assert refused.exit_code == 1
    assert "is not empty" in refused.output
    assert sorted(p.name for p in backup_dir.iterdir()) == ["notes.txt"]
