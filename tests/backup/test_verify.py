"""``backup verify`` finds every kind of damage: a flipped byte, a missing file, an extra file,
a backup whose manifest was never written, and an audit chain broken before the backup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.backup.conftest import flask_command
from tests.tampering import allow_tampering


@pytest.fixture
def backup(app, prepared, backup_dir) -> Path:
    """A backup of the prepared meeting (its uploads are the stored files)."""
    made = flask_command(app, "backup", "create", str(backup_dir))
    assert made.exit_code == 0, made.output
    return backup_dir


def entry_paths(backup: Path) -> list[str]:
    return [entry["path"] for entry in json.loads((backup / "manifest.json").read_text())["files"]]


def damaged_copy(backup: Path, name: str) -> Path:
    copy = backup.with_name(name)
    shutil.copytree(backup, copy)
    return copy


def test_an_untouched_backup_verifies(app, backup):
    checked = flask_command(app, "backup", "verify", str(backup))
    assert checked.exit_code == 0, checked.output
    assert "backup intact" in checked.stdout
    assert "kiểm tra tệp / checking files: 1/" in checked.stderr


def test_verify_names_a_flipped_byte_a_missing_file_and_an_extra_file(app, backup):
    blob = next(path for path in entry_paths(backup) if path.startswith("blobs/"))
    flipped = damaged_copy(backup, "flipped")
    target = flipped / "data" / blob
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))

    missing = damaged_copy(backup, "missing")
    (missing / "data" / "pki" / "office.p12").unlink()

    extra = damaged_copy(backup, "extra")
    (extra / "data" / "blobs" / "notes.txt").write_text("not in the manifest")

    for folder, expected in ((flipped, f"changed file: data/{blob}"),
                             (missing, "missing file: data/pki/office.p12"),
                             (extra, "extra file: data/blobs/notes.txt")):
        checked = flask_command(app, "backup", "verify", str(folder))
        assert checked.exit_code == 1, checked.output
        assert expected in checked.stderr
        assert "is NOT intact" in checked.output
        assert "KHÔNG nguyên vẹn" in checked.output


def test_a_backup_without_its_manifest_is_incomplete(app, backup):
    (backup / "manifest.json").unlink()  # every file there, the last step never done
    checked = flask_command(app, "backup", "verify", str(backup))
    assert checked.exit_code == 1
    assert "CHƯA HOÀN TẤT" in checked.output
    assert "is INCOMPLETE" in checked.output


def test_verify_checks_the_audit_chain_inside_the_backup(app, session, prepared, backup_dir):
    allow_tampering(session, "audit_event")
    session.execute(text("UPDATE audit_event SET actor_name = 'someone else' WHERE id = 2"))
    session.commit()
    made = flask_command(app, "backup", "create", str(backup_dir))
    assert made.exit_code == 0, made.output  # the files are copied as they are
    checked = flask_command(app, "backup", "verify", str(backup_dir))
    assert checked.exit_code == 1
    assert "the audit log is BROKEN at row 2" in checked.stderr


def test_create_refuses_a_store_that_lacks_a_referenced_file_and_leaves_nothing(
        app, prepared, backup_dir):
    sha = prepared.documents["report"].current_version.blob_sha256
    stored = Path(app.config["BLOB_DIR"]) / sha[:2] / sha[2:4] / sha
    stored.unlink()
    refused = flask_command(app, "backup", "create", str(backup_dir))
    assert refused.exit_code == 1
    assert "lacks 1 files the database references" in refused.output
    assert list(backup_dir.iterdir()) == []
