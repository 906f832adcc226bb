"""Driving issuance: the steps every driver shares, and telling a driver there is work.

There is one driver per deployment: the issuance worker process (``dispatcher``), or
Celery workers when a broker is set (``meetingsvc.jobs``). Both do the same three
steps per unit, each in its own transaction: claim it (a lease), make its files,
record the result. A driver that dies mid-unit leaves a lease that runs out; the unit
is then claimed again and redone with the same copy rows and numbers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask

from ..extensions import celery_app, db
from ..mail import DeliveryOutcome, MailError, MailSettings, smtp_outbox
from ..models_common import utcnow
from ..timezones import zone_named
from .keys import signer_settings
from .models import IssuanceUnit, JobStatus, UnitStatus
from .notices import NoticeSettings, deliver_notices, waiting_notices, write_notice
from .services import (
    LinkSettings,
    build_unit_spec,
    claim_unit,
    fail_unit,
    finish_settled_jobs,
    holds_claim,
    offer_claimable_units,
    record_unit_result,
)
from .units import UnitResult, UnitSpec

if TYPE_CHECKING:
    from .production import WorkerConfig

log = logging.getLogger(__name__)

#: The Celery task that makes one unit (``meetingsvc.jobs.issue_unit``). It is sent by
#: name, so the runner does not depend on the module that defines the Celery driver.
ISSUE_UNIT_TASK = "meetingsvc.issue_unit"
#: The Celery beat task that re-offers units whose offer or lease ran out.
SWEEP_TASK = "meetingsvc.sweep_units"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def worker_config(app: Flask) -> WorkerConfig:
    from .production import WorkerConfig

    return WorkerConfig(signer=signer_settings(app.config, app.instance_path),
                        blob_dir=app.config["BLOB_DIR"], font_dir=app.config["PDF_FONT_DIR"],
                        log_format=app.config["LOG_FORMAT"], log_level=app.config["LOG_LEVEL"])


def link_settings(app: Flask) -> LinkSettings:
    return LinkSettings(public_base_url=app.config["PUBLIC_BASE_URL"],
                        office_name=app.config["OFFICE_NAME"],
                        office_zone=zone_named(app.config["OFFICE_TIMEZONE"]))


def lease(app: Flask) -> timedelta:
    return timedelta(seconds=app.config["ISSUANCE_LEASE_SECONDS"])


def claim_next(app: Flask, worker: str, unit_id: int | None = None) -> UnitSpec | None:
    """Claim a unit and describe it, in one committed transaction."""
    session = db.session
    try:
        unit = claim_unit(session, worker, lease(app), unit_id=unit_id)
        spec = build_unit_spec(session, unit, link_settings(app)) if unit else None
        session.commit()
        return spec
    except Exception:
        session.rollback()
        raise


def record_unit_outcome(app: Flask, spec: UnitSpec, result: UnitResult | None,
                        error: str | None) -> None:
    """Store a unit's result (or its failure) in one committed transaction.

    Dropped if the claim it was made under is no longer the unit's: the lease ran
    out and the unit was claimed again, so the newer claim's result counts.
    """
    session = db.session
    try:
        unit = session.get(IssuanceUnit, spec.unit_id, with_for_update=True,
                           populate_existing=True)
        assert unit is not None
        if not holds_claim(unit, spec.claim):
            log.warning("dropping a result of unit %s: its claim was taken over", unit.id)
            session.rollback()
            return
        max_attempts = app.config["ISSUANCE_MAX_ATTEMPTS"]
        if result is not None:
            record_unit_result(session, unit, result, max_attempts)
        else:
            fail_unit(session, unit, error or "unknown error", max_attempts)
        notices = notice_settings(app)
        if notices is not None and unit.status == UnitStatus.DONE.value:
            write_notice(session, unit, notices)
        job_id, job_done = unit.job_id, unit.job.status != JobStatus.RUNNING.value
        session.commit()
    except Exception:
        session.rollback()
        raise
    if job_done:
        send_notices(app, job_id)


def notice_settings(app: Flask) -> NoticeSettings | None:
    """How issuance notices are written, or ``None`` when mail is not configured."""
    mail = MailSettings.from_config(app.config)
    if mail is None:
        return None
    return NoticeSettings(base_url=app.config["PUBLIC_BASE_URL"], sender=mail.sender,
                          office_name=app.config["OFFICE_NAME"])


def finish_settled(app: Flask) -> list[int]:
    """End the running jobs whose units are all closed, and send their notices.

    The periodic sweep's second half (Celery beat; the issuance worker when idle)."""
    with app.app_context():
        session = db.new_session()  # never the caller's request session
        try:
            ended = finish_settled_jobs(session)
            session.commit()
        finally:
            session.close()
        for job_id in ended:
            log.warning("issuance job %s had every unit closed but was still running: "
                        "ended by the sweep", job_id)
            send_notices(app, job_id)
    return ended


def send_notices(app: Flask, job_id: int) -> DeliveryOutcome:
    """Mail the job's notices not yet delivered, once its units are all done or failed.

    Never raises: issuance is done whatever the mail server says, and what it refused
    waits for the next call (the result page offers one)."""
    mail = MailSettings.from_config(app.config)
    session = db.session
    waiting = waiting_notices(session, job_id, utcnow()) if mail is not None else []
    if mail is None or not waiting:
        return DeliveryOutcome(0, 0)
    try:
        with smtp_outbox(mail) as outbox:
            return deliver_notices(session, waiting, outbox, utcnow())
    except MailError as error:
        log.warning("issuance notices of job %s not sent: %s", job_id, error)
        session.rollback()
        return DeliveryOutcome(0, len(waiting))
    except Exception:
        log.exception("issuance notices of job %s not sent", job_id)
        session.rollback()
        return DeliveryOutcome(0, len(waiting))


def run_one(app: Flask, worker: str, unit_id: int | None = None) -> bool:
    """Claim a unit (this one, or the next), make it in this process, record it.

    The Celery task and the inline runner share it; the pool's dispatcher does the same
    three steps with the making in a pool process. ``False`` when nothing was claimed."""
    from .production import produce_unit

    spec = claim_next(app, worker, unit_id=unit_id)
    if spec is None:
        return False
    try:
        result: UnitResult | None = produce_unit(spec)
        error = None
    except Exception as exc:  # a unit that breaks is recorded, never lost
        log.exception("issuance unit %s failed", spec.unit_id)
        result, error = None, f"{type(exc).__name__}: {exc}"
    record_unit_outcome(app, spec, result, error)
    return True


def run_units_inline(app: Flask, worker: str | None = None) -> int:
    """Make every claimable unit in this process, one after the other (tests, the CLI)."""
    from .production import init_worker

    worker = worker or worker_name()
    init_worker(worker_config(app))
    done = 0
    while run_one(app, worker):
        done += 1
    return done


def dispatch_mode(config: Mapping[str, Any]) -> str:
    """Who runs issuance units: ``celery`` (a broker is set), ``worker`` or ``thread``."""
    if config.get("CELERY_BROKER_URL"):
        return "celery"
    mode = str(config["ISSUANCE_DISPATCH"])
    if mode not in ("worker", "thread"):
        raise ValueError(f"ISSUANCE_DISPATCH must be 'worker' or 'thread', not {mode!r}")
    return mode


def start_runner(app: Flask) -> None:
    """Tell whatever dispatches issuance that new units wait, after their job is committed.

    With Celery: offer them to the broker, once. With the issuance worker process (the
    default): nothing, it finds them on its next poll. In ``thread`` mode (tests, a
    single-process development server): wake this process's dispatcher thread."""
    mode = dispatch_mode(app.config)
    if mode == "celery":
        offer_units(app)
    elif mode == "thread":
        app.extensions["issuance_runner"].wake()  # installed by create_app


def offer_units(app: Flask) -> int:
    """Send a Celery task for each unit nobody is working on or has been offered.

    A unit is offered for a lease (``lease_until`` on a pending unit), so this is also
    the periodic sweep: a unit whose offer or claim ran out (its message or its worker
    was lost) is offered again; one offered recently is not, however often this runs."""
    with app.app_context():
        session = db.new_session()  # never the caller's request session
        try:
            ids = offer_claimable_units(session, lease(app))
            session.commit()
        finally:
            session.close()
    for unit_id in ids:
        celery_app.send_task(ISSUE_UNIT_TASK, args=(unit_id,))
    return len(ids)
