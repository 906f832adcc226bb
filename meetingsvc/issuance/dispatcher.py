"""The issuance dispatcher: one per deployment, feeding a signing pool from the database.

``flask --app meetingsvc issuance worker`` runs it in the foreground (``make run``
starts it beside gunicorn, under one supervisor); the web processes never start a
pool. It polls for claimable units — pending, or held under a lease that ran out —
so the same query is the sweep that takes over a dead worker's units, and nothing
waits for a web process to wake it. Tests and a single-process development server
run the same drain in a thread of the web process instead (``EmbeddedRunner``).
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
from collections.abc import Iterator

from flask import Flask

from signing import WorkerPool
from signing.pool import default_processes

from ..extensions import db
from .runner import (
    claim_next,
    finish_settled,
    record_unit_outcome,
    worker_config,
    worker_name,
)
from .services import has_claimable_unit
from .units import UnitSpec

log = logging.getLogger(__name__)


def open_pool(app: Flask, start_method: str = "forkserver") -> WorkerPool:
    """The signing pool: ``ISSUANCE_PROCESSES`` processes (0: one per core).

    The issuance worker, single-threaded, forks them (``fork``): they share its pages,
    already holding everything signing needs, instead of a fork server's copy. A
    process with other threads (the web's, in ``thread`` mode) must not fork; its
    pool starts from a fork server."""
    from .production import init_worker

    if start_method == "fork":
        db.engine.dispose()  # no pooled database connection is inherited by a child
        # The pool shares this process's pages. A full collection here would write to
        # every object it examines and so copy those pages (44 MB, a congress run in):
        # what is alive now is frozen, and later collections look at newer objects only.
        gc.collect()
        gc.freeze()
    processes = app.config["ISSUANCE_PROCESSES"] or default_processes()
    return WorkerPool(init_worker, (worker_config(app),), processes=processes, chunksize=1,
                      start_method=start_method, preload=["meetingsvc.issuance.production"])


def drain(app: Flask, pool: WorkerPool, worker: str) -> int:
    """Claim units and make them on the pool until none is left to claim."""
    from .production import produce_unit

    in_flight: dict[int, UnitSpec] = {}  # input position -> the unit's spec
    positions = itertools.count()

    def claimed() -> Iterator[UnitSpec]:
        while (spec := claim_next(app, worker)) is not None:
            in_flight[next(positions)] = spec
            yield spec

    done = 0
    for outcome in pool.imap(produce_unit, claimed()):
        record_unit_outcome(app, in_flight.pop(outcome.index),
                            outcome.value if outcome.ok else None, outcome.error)
        done += 1
    return done


def work_waits(app: Flask) -> bool:
    session = db.new_session()
    try:
        return has_claimable_unit(session)
    finally:
        session.close()


class Dispatcher:
    """The issuance worker's loop: poll, and while there is work keep a pool busy.

    The pool starts when work appears and closes once a poll finds none, so an idle
    worker holds no signing processes (their memory goes back)."""

    def __init__(self, app: Flask, poll_seconds: float | None = None) -> None:
        self.app = app
        self.poll_seconds = (poll_seconds if poll_seconds is not None
                             else float(app.config["ISSUANCE_POLL_SECONDS"]))
        self.units_done = 0

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set (SIGTERM, Ctrl-C); a unit in flight is finished first."""
        worker = worker_name()
        with self.app.app_context():
            while not stop.is_set():
                try:
                    if work_waits(self.app):
                        self._work(stop, worker)
                    else:
                        finish_settled(self.app)  # a job whose end was lost, if any
                except Exception:  # the database restarting, say: log, wait, poll again
                    log.exception("the issuance dispatcher met an error; polling again")
                finally:
                    db.session.remove()
                stop.wait(self.poll_seconds)

    def _work(self, stop: threading.Event, worker: str) -> None:
        with open_pool(self.app, "fork") as pool:
            while not stop.is_set():
                self.units_done += drain(self.app, pool, worker)
                if stop.wait(self.poll_seconds) or not work_waits(self.app):
                    return


class EmbeddedRunner:
    """The dispatcher's drain in a thread of this process (``ISSUANCE_DISPATCH = "thread"``).

    ``wake()`` after a job is committed; the thread drains until nothing is left to
    claim, then stops with its pool. Whether to stop is decided under the lock that
    ``wake()`` takes, so a wake-up can never fall between the last drain and the exit.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def wake(self) -> None:
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="issuance",
                                                daemon=True)
                self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _more(self) -> bool:
        """Take the pending wake-up, or decide (under the lock) to exit."""
        with self._lock:
            if not self._again:
                self._thread = None
                return False
            self._again = False
            return True

    def _run(self) -> None:
        worker = worker_name()
        with self.app.app_context():
            try:
                with open_pool(self.app) as pool:
                    while self._more():
                        drain(self.app, pool, worker)
            except Exception:
                log.exception("the issuance runner stopped")
                with self._lock:
                    if self._thread is threading.current_thread():
                        self._thread = None
            finally:
                db.session.remove()
