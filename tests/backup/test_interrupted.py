"""A backup killed with SIGKILL half-way is never taken for a complete one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.backup.conftest import flask_command

ROOT = Path(__file__).resolve().parents[2]


def test_a_backup_killed_mid_way_is_refused_by_verify_and_restore(
        app, app_config, prepared, backup_dir, restored_app, empty_instance):
    env = {**os.environ, "MEETINGSVC_INSTANCE_PATH": app_config["INSTANCE_PATH"],
           "MEETINGSVC_DATABASE_URL": app.config["DATABASE_URL"],
           "MEETINGSVC_SECRET_KEY": app_config["SECRET_KEY"],
           "MEETINGSVC_PKI_DIR": app_config["PKI_DIR"]}
    making = subprocess.Popen([sys.executable, "-m", "tests.backup.paused_create",
                               str(backup_dir)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert making.stdout is not None
        assert making.stdout.readline().strip() == "PAUSED"
    finally:
        making.send_signal(signal.SIGKILL)
        making.wait()
        making.stdout.close()  # type: ignore[union-attr]
    assert making.returncode == -signal.SIGKILL
    left = sorted(path.name for path in backup_dir.iterdir())
    assert len(left) == 1 and left[0].startswith(".partial-")

    checked = flask_command(app, "backup", "verify", str(backup_dir))
    assert checked.exit_code == 1
    assert "CHƯA HOÀN TẤT" in checked.output and "is INCOMPLETE" in checked.output
    refused = flask_command(restored_app(), "backup", "restore", str(backup_dir))
    assert refused.exit_code == 1
    assert "is INCOMPLETE" in refused.output
    assert not (Path(empty_instance["INSTANCE_PATH"]) / "blobs").exists()
