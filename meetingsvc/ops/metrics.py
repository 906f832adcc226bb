"""Prometheus metrics: what the database knows, read at scrape time, and what processes time.

Two sources, each chosen so the figures are right with several gunicorn workers,
the issuance worker and Celery workers on other machines:

* **From the database, at scrape time** (``IssuanceCollector``): copies signed
  (a counter), and issuance units per status (the queue's depth). Every process
  and machine writes those rows, so one ``COUNT ... GROUP BY`` is exact whoever
  answers the scrape, and survives restarts.
* **Timed in the process that does the work**: a delegate download's response time
  (the web process) and an issuance unit's duration, from its claim to its result
  being recorded (the dispatcher, or a Celery worker). The database keeps no
  unit's start (its lease is cleared when it finishes), so these are histograms
  of prometheus-client; with ``PROMETHEUS_MULTIPROC_DIR`` set in the environment
  (before Python starts) each process writes its own file there and ``/metrics``
  adds them all up, so the two gunicorn workers and the issuance worker on one
  machine count as one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..issuance.models import CopyKind, IssuanceUnit, IssuedCopy, UnitStatus

__all__ = ["DOWNLOAD_ENDPOINTS", "DOWNLOAD_SECONDS", "IssuanceCollector", "UNIT_SECONDS",
           "exposition", "observe_unit_durations", "time_downloads"]

log = logging.getLogger(__name__)

#: The delegates' download endpoints whose response time is measured.
DOWNLOAD_ENDPOINTS = frozenset({
    "tracking.download_copy", "tracking.copy_file", "tracking.download_packet",
    "tracking.download_packet_zip", "tracking.page_image",
})

DOWNLOAD_SECONDS = Histogram(
    "meetingsvc_download_duration_seconds",
    "Seconds the app takes to answer a delegate's download, until the response starts.",
    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UNIT_SECONDS = Histogram(
    "meetingsvc_issuance_unit_duration_seconds",
    "Seconds from claiming an issuance unit to recording it done: one delegate's copies "
    "stamped, signed and stored.",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600))


class IssuanceCollector(Collector):
    """Issuance figures read from the database at each scrape, with two cheap counts."""

    def __init__(self, open_session: Callable[[], Session]) -> None:
        self.open_session = open_session

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("meetingsvc_database_up",
                               "1 when the database answered this scrape's queries.")
        try:
            units, signed = self._read()
        except Exception as error:
            log.warning("metrics: the database did not answer: %s", error)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        queue = GaugeMetricFamily(
            "meetingsvc_issuance_units",
            "Issuance units by status; pending and running are the queue.", labels=["status"])
        for status in UnitStatus:
            queue.add_metric([status.value], units.get(status.value, 0))
        copies = CounterMetricFamily(
            "meetingsvc_copies_signed", "Issued copies signed, by kind (from the database).",
            labels=["kind"])
        for kind in CopyKind:
            copies.add_metric([kind.value], signed.get(kind.value, 0))
        return [up, queue, copies]

    def _read(self) -> tuple[dict[str, int], dict[str, int]]:
        session = self.open_session()
        try:
            units = dict(session.execute(
                select(IssuanceUnit.status, func.count()).group_by(IssuanceUnit.status)).all())
            signed = dict(session.execute(
                select(IssuedCopy.kind, func.count())
                .where(IssuedCopy.signed_at.is_not(None)).group_by(IssuedCopy.kind)).all())
            return units, signed
        finally:
            session.close()


class _ThisProcess(Collector):
    """This process's own metrics (one process: development, tests)."""

    def collect(self) -> Iterator[Metric]:
        return iter(REGISTRY.collect())


def exposition(open_session: Callable[[], Session], multiprocess_dir: str | None = None
               ) -> bytes:
    """The text exposition: the database's figures and every process's timings."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(IssuanceCollector(open_session))
    return generate_latest(registry)


def time_downloads(app: Flask, clock: Callable[[], float] = time.perf_counter) -> None:
    """Time the delegates' downloads, by endpoint, from the first before-request function."""

    def start_timing() -> None:
        if request.endpoint in DOWNLOAD_ENDPOINTS:
            g.download_started = clock()

    app.before_request_funcs.setdefault(None, []).insert(0, start_timing)

    @app.after_request
    def observe_download(response: Response) -> Response:
        started = g.pop("download_started", None)
        if started is not None:
            DOWNLOAD_SECONDS.labels(request.endpoint).observe(max(0.0, clock() - started))
        return response


def observe_unit_durations() -> None:
    """Observe each unit's duration where its result is recorded, whichever process that is.

    When a unit is done its ``finished_at`` is set while its ``lease_until`` still holds
    the claim's lease end, so the claim was at ``lease_until - ISSUANCE_LEASE_SECONDS``.
    """
    if not event.contains(IssuanceUnit.finished_at, "set", _unit_finished):
        event.listen(IssuanceUnit.finished_at, "set", _unit_finished)


def _unit_finished(unit: IssuanceUnit, finished: datetime | None, _old: Any,
                   _initiator: Any) -> None:
    if finished is None or unit.lease_until is None or not has_app_context():
        return
    try:
        lease = timedelta(seconds=int(current_app.config["ISSUANCE_LEASE_SECONDS"]))
        seconds = (finished - (unit.lease_until - lease)).total_seconds()
    except (TypeError, ValueError, KeyError):  # a measurement never stops a unit's recording
        log.debug("issuance unit %s: duration not measured", unit.id, exc_info=True)
        return
    if 0 <= seconds <= lease.total_seconds():
        UNIT_SECONDS.observe(seconds)
