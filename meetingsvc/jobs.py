"""Celery tasks: ``celery -A meetingsvc.jobs worker`` runs issuance units from the broker.

Used when ``MEETINGSVC_CELERY_BROKER_URL`` is set; otherwise the one issuance worker
process runs the same units (``issuance.dispatcher``). Importing this module builds
nothing: a Celery worker or beat builds its Flask app when it starts (``celeryd_init``,
``beat_init``), which also points Celery at the broker from the app's settings.
Exactly one beat runs per deployment (``celery -A meetingsvc.jobs beat``, or ``-B`` on
one worker): its sweep re-offers units whose offer or lease ran out.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from celery import signals
from flask import Flask, current_app, has_app_context

from . import instance_path
from .extensions import celery_app, db
from .issuance import production, runner

log = logging.getLogger(__name__)
celery = celery_app
# ``worker -B`` reads where beat keeps its schedule before any app is built: in the
# instance folder, never the directory it was started from.
celery.conf.beat_schedule_filename = str(Path(instance_path()) / "celerybeat-schedule")
_flask_app: Flask | None = None


def flask_app() -> Flask:
    """The web app in the web process; a Celery process builds its own, once."""
    global _flask_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if _flask_app is None:
        from . import create_app

        _flask_app = create_app()
    return _flask_app


@celery.task(name=runner.ISSUE_UNIT_TASK, acks_late=True, reject_on_worker_lost=True)
def issue_unit(unit_id: int) -> str:
    """Claim one unit, make its files, record them. A unit already taken is skipped."""
    app = flask_app()
    with app.app_context():
        try:
            if not production.is_initialised():
                production.init_worker(runner.worker_config(app))
            if not runner.run_one(app, runner.worker_name(), unit_id=unit_id):
                return "skipped"
            runner.offer_units(app)  # the unit again, if it is to be retried
            return "done"
        finally:
            db.session.remove()


@celery.task(name=runner.SWEEP_TASK, ignore_result=True)
def sweep_units() -> int:
    """Beat's periodic sweep: offer again what a lost message or a dead worker left, and
    end a job whose units are all closed."""
    app = flask_app()
    with app.app_context():
        count = runner.offer_units(app)
        runner.finish_settled(app)
    if count:
        log.info("offered %s issuance units again", count)
    return count


@signals.celeryd_init.connect
@signals.beat_init.connect
def _configure(**_kwargs: Any) -> None:
    """A starting worker or beat reads the settings: the broker, the sweep's schedule."""
    flask_app()


@signals.worker_init.connect
def _freeze_before_forking(**_kwargs: Any) -> None:
    """The worker's child processes will share its pages: what is alive now is frozen, so
    the worker's own full collections never write to those objects and copy the pages
    (as the issuance worker does before it forks its pool)."""
    gc.collect()
    gc.freeze()


@signals.worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """A forked worker must not share the parent's database connections, and keeps what
    it inherited out of the collector, so a collection never copies those shared pages."""
    gc.freeze()
    if _flask_app is not None:
        with _flask_app.app_context():
            db.engine.dispose(close=False)


@signals.worker_ready.connect
def _resume(**_kwargs: Any) -> None:
    """A (re)started worker offers at once whatever is not on offer."""
    sweep_units()
