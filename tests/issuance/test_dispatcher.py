"""The dispatcher's thread form never misses a wake-up, the worker command refuses to be
a second dispatcher beside Celery, the worker keeps the pages its pool shares, and the
pool's processes log as the app does."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import threading

from meetingsvc.issuance import dispatcher
from meetingsvc.issuance.dispatcher import EmbeddedRunner


def test_a_wake_up_during_a_drain_or_after_the_last_one_is_never_lost(app, monkeypatch):
    drains: list[int] = []
    release, third_running = threading.Event(), threading.Event()
    runner = EmbeddedRunner(app)

    def drain(_app, _pool, _worker) -> int:
        drains.append(1)
        if len(drains) == 1:
            runner.wake()  # a job committed while the first drain runs
        elif len(drains) == 3:
            third_running.set()
            release.wait(30)
        return 0

    monkeypatch.setattr(dispatcher, "open_pool", lambda _app: contextlib.nullcontext())
    monkeypatch.setattr(dispatcher, "drain", drain)

    runner.wake()
    runner.join(30)
    assert len(drains) == 2  # the wake-up that came mid-drain got a drain of its own

    # The thread has decided to stop (under the lock): the next wake-up starts a new one.
    runner.wake()
    assert third_running.wait(30)
    runner.wake()  # a wake-up while it drains adds one more drain, not a thread
    release.set()
    runner.join(30)
    assert len(drains) == 4
    assert runner._thread is None


def test_the_worker_command_refuses_to_run_beside_another_dispatcher(app, runner):
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"
    result = runner.invoke(args=["issuance", "worker"])
    assert result.exit_code != 0
    assert "celery -A meetingsvc.jobs worker -B" in result.output

    app.config["CELERY_BROKER_URL"] = None
    app.config["ISSUANCE_DISPATCH"] = "somewhere"
    result = runner.invoke(args=["issuance", "worker"])
    assert result.exit_code != 0


def test_the_worker_freezes_what_its_forked_pool_shares_and_a_thread_does_not(app, monkeypatch):
    """Forked signers share the dispatcher's pages: its own full collections must not
    write to the objects alive at the fork (that copied 44 MB in a congress run)."""
    frozen_at_start: list[int] = []

    class Pool:
        def __init__(self, *_args: object, **_kwargs: object) -> None:
            frozen_at_start.append(gc.get_freeze_count())

    monkeypatch.setattr(dispatcher, "WorkerPool", Pool)
    assert gc.get_freeze_count() == 0
    try:
        dispatcher.open_pool(app, "forkserver")
        dispatcher.open_pool(app, "fork")
    finally:
        gc.unfreeze()
    assert frozen_at_start[0] == 0  # a fork server's children share nothing of ours
    assert frozen_at_start[1] > 10_000  # the app, its modules: everything alive


def a_warning_as_logged(message: str) -> str:
    """In a pool process: the line its log handler makes of a warning (or what it lacks)."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "meetingsvc", False)]
    if not handlers:
        return "no handler"
    record = logging.getLogger("meetingsvc.issuance.production").makeRecord(
        "meetingsvc.issuance.production", logging.WARNING, __file__, 0, message, (), None)
    return handlers[0].format(record)


def test_a_pool_started_by_a_fork_server_logs_as_the_app_does(app):
    """A fork server's processes inherit no logging set-up: without their own handler a
    unit's warnings reached the log as bare text, outside the JSON an operator collects."""
    app.config["LOG_FORMAT"] = "json"
    app.config["ISSUANCE_PROCESSES"] = 1
    with dispatcher.open_pool(app, "forkserver") as pool:
        [outcome] = pool.map(a_warning_as_logged, ["unit 7 failed"])
    assert outcome.ok, outcome.error
    line = json.loads(outcome.value)
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING", "meetingsvc.issuance.production", "unit 7 failed")
