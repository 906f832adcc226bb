"""``flask backup create DIR`` that stops after its first stored file and waits to be killed.

Run as ``python -m tests.backup.paused_create DIR``: it prints PAUSED on stdout once a
file is copied into the partial backup, then blocks, so a test can kill it mid-way."""

from __future__ import annotations

import sys
import threading

from flask.cli import main

from meetingsvc.backup import services

copy = services.copy_hashed


def copy_then_pause(*args, **kwargs):  # type: ignore[no-untyped-def]
    copied = copy(*args, **kwargs)
    print("PAUSED", flush=True)
    threading.Event().wait()
    return copied


services.copy_hashed = copy_then_pause  # type: ignore[assignment]
sys.argv = ["flask", "--app", "meetingsvc", "backup", "create", sys.argv[1]]
main()
