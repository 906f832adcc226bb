"""Celery tasks: ``celery -A meetingsvc.jobs worker`` runs issuance units from the broker.

Used when ``MEETINGSVC_CELERY_BROKER_URL`` is set; otherwise the web process's
embedded pool runs the same units (``issuance.runner``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals
from flask import Flask, current_app, has_app_context

from .extensions import celery_app, db
from .issuance import production, runner

log = logging.getLogger(__name__)
celery = celery_app
_flask_app: Flask | None = None


def flask_app() -> Flask:
    """The web app in the web process; a worker process builds its own, once."""
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
            spec = runner.claim_next(app, runner.worker_name(), unit_id=unit_id)
            if spec is None:
                return "skipped"
            try:
                result: Any = production.produce_unit(spec)
                error = None
            except Exception as exc:  # recorded on the unit, retried up to the limit
                log.exception("issuance unit %s failed", unit_id)
                result, error = None, f"{type(exc).__name__}: {exc}"
            runner.record_unit_outcome(app, spec, result, error)
            if result is None or not result.complete:
                runner.enqueue_claimable_units(app)
            return "done"
        finally:
            db.session.remove()


def enqueue_claimable_units() -> int:
    """Send a task for every unit that is pending or whose lease ran out."""
    return runner.enqueue_claimable_units(flask_app())


@signals.worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """A forked worker must not share the parent's database connections."""
    if _flask_app is not None:
        db.engine.dispose(close=False)


@signals.worker_ready.connect
def _resume(**_kwargs: Any) -> None:
    """A (re)started worker picks up whatever a dead one left behind."""
    count = enqueue_claimable_units()
    if count:
        log.info("resuming %s issuance units", count)


if not has_app_context():
    # Imported by ``celery -A meetingsvc.jobs``: configure the broker from the app's settings.
    flask_app()
