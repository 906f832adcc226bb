"""API: issuing a meeting's papers (plan, start, status, failures, retry) and recalling a
document. Thin views over the services the web's Issue and Recall buttons call, with the
same confirmations: what is confirmed is a fingerprint the plan or the preview gave."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..documents.services import document_in_meeting
from ..errors import DomainError
from ..extensions import db
from ..issuance.models import IssuanceJob, JobStatus
from ..issuance.planning import IssuancePlan, issuance_plan, issue_confirmed
from ..issuance.recall import preview_recall, recall_document
from ..issuance.results import failed_delegates, job_of
from ..issuance.runner import start_runner
from ..issuance.services import job_progress, jobs_of, retry_failed_units, stalled_after
from ..labels import JOB_STATUS_LABELS
from ..meetings.models import Meeting
from .auth import api_actor
from .common import (
    ID,
    MEETING,
    api_blueprint,
    json_response,
    not_found,
    problems,
    refused,
    with_meeting,
)
from .issuance_schemas import (
    FailureList,
    IssuancePlanOut,
    IssueIn,
    JobList,
    JobOut,
    RecallIn,
    RecallOut,
    RecallPreviewOut,
    RetryOut,
)

bp = api_blueprint("api_issuance", "/api/v1",
                   "Issuance (phát hành) jobs: start, status, failures, retry; recall.")

JOB = f"{MEETING}/issuance/jobs/<{ID}:job_id>"


def with_job(view: Callable[..., Response]) -> Callable[..., Response]:
    """Under ``with_meeting``: the path's job, of that meeting only, as ``job``."""
    @wraps(view)
    def guarded(*args: Any, meeting: Meeting, job_id: int, **kwargs: Any) -> Response:
        job = job_of(db.session, meeting.id, job_id)
        if job is None:
            return not_found("đợt phát hành này", "issuance job")
        return view(*args, job=job, **kwargs)

    return guarded


def _job_data(job: IssuanceJob) -> dict[str, Any]:
    progress = job_progress(db.session, job, stalled_after=stalled_after(current_app.config))
    labels = {}
    for code in ("vi", "en"):  # the state's one name (labels.JOB_STATUS_LABELS), in both
        with force_locale(code):
            labels[code] = _(JOB_STATUS_LABELS[JobStatus(job.status)])
    return JobOut().dump({
        "id": job.id, "meeting_id": job.meeting_id, "status": job.status,
        "status_label_vi": labels["vi"], "status_label_en": labels["en"],
        "rebuild": job.recalled_document_id is not None,
        "created_at": job.created_at, "finished_at": job.finished_at, "total": progress.total,
        "signed": progress.signed, "failed": progress.failed, "percent": progress.percent,
        "delegates_total": progress.delegates_total,
        "delegates_done": progress.delegates_done, "stalled": progress.stalled})


def _plan_data(plan: IssuancePlan) -> dict[str, Any]:
    return IssuancePlanOut().dump({
        "delegates": plan.delegates, "documents": plan.document_count,
        "item_copies": plan.item_copies, "paper_copies": plan.paper_copies,
        "packets": plan.packets, "plan": plan.fingerprint})


def _wake_runner() -> None:
    start_runner(current_app._get_current_object())  # type: ignore[attr-defined]


@bp.get(f"{MEETING}/issuance/plan")
@with_meeting(staff=True)
@bp.response(200, IssuancePlanOut)
@problems(bp, 403, 404, 409)
def read_plan(meeting: Meeting) -> Response:
    """What issuing the meeting's papers now would make (staff); nothing is written"""
    try:
        plan = issuance_plan(db.session, meeting, current_app.config, current_app.instance_path)
    except DomainError as error:
        return refused(error)
    return json_response(_plan_data(plan))


@bp.post(f"{MEETING}/issuance/jobs")
@with_meeting(staff=True)
@bp.arguments(IssueIn)
@bp.response(201, JobOut, headers={"Location": {"schema": {"type": "string"}}})
@problems(bp, 400, 403, 404, 409)
def start(data: dict[str, Any], meeting: Meeting) -> Response:
    """Issue the papers as planned (staff): the plan's fingerprint must still be the plan's"""
    try:
        job = issue_confirmed(db.session, meeting, api_actor(), current_app.config,
                              current_app.instance_path, expected=data["plan"])
    except DomainError as error:
        return refused(error)
    db.session.commit()
    _wake_runner()
    response = json_response(_job_data(job), 201)
    response.headers["Location"] = url_for(".read_job", meeting_id=meeting.id, job_id=job.id)
    return response


@bp.get(f"{MEETING}/issuance/jobs")
@with_meeting(staff=True)
@bp.response(200, JobList)
@problems(bp, 403, 404)
def list_jobs(meeting: Meeting) -> Response:
    """The meeting's issuance jobs, newest first (staff)"""
    return json_response({"items": [_job_data(job) for job in jobs_of(db.session, meeting)]})


@bp.get(JOB)
@with_meeting(staff=True)
@with_job
@bp.response(200, JobOut)
@problems(bp, 403, 404)
def read_job(job: IssuanceJob) -> Response:
    """An issuance job's state and counts (staff)"""
    return json_response(_job_data(job))  # reading only: never wakes the runner


@bp.get(f"{JOB}/failures")
@with_meeting(staff=True)
@with_job
@bp.response(200, FailureList)
@problems(bp, 403, 404)
def list_failures(job: IssuanceJob) -> Response:
    """The delegates whose copies failed for good, with the reasons (staff)"""
    items = [{"unit_id": f.unit_id, "delegate": f.name, "reason": f.reason,
              "copies": [{"symbol": c.symbol, "reason": c.reason} for c in f.copies]}
             for f in failed_delegates(db.session, job)]
    return json_response(FailureList().dump({"job_id": job.id, "items": items}))


@bp.post(f"{JOB}/retry")
@with_meeting(staff=True)
@with_job
@bp.response(200, RetryOut)
@problems(bp, 403, 404)
def retry(job: IssuanceJob) -> Response:
    """Queue the job's failed delegates again, with fresh attempts (staff)"""
    queued = retry_failed_units(db.session, job, api_actor())
    db.session.commit()
    if queued:
        _wake_runner()
    return json_response({"queued": queued, "job": _job_data(job)})


def _document_not_found() -> Response:
    return not_found("tài liệu này", "document")


@bp.get(f"{MEETING}/documents/<{ID}:document_id>/recall")
@with_meeting(staff=True)
@bp.response(200, RecallPreviewOut)
@problems(bp, 403, 404)
def preview(meeting: Meeting, document_id: int) -> Response:
    """What recalling a document would withdraw now (staff); nothing is written"""
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        return _document_not_found()
    found = preview_recall(db.session, document)
    return json_response(RecallPreviewOut().dump({
        "copies": found.copies, "delegates": found.delegates, "paper_out": found.paper_out,
        "packets": found.packets, "preview": found.fingerprint}))


@bp.post(f"{MEETING}/documents/<{ID}:document_id>/recall")
@with_meeting(staff=True)
@bp.arguments(RecallIn)
@bp.response(200, RecallOut)
@problems(bp, 400, 403, 404, 409)
def recall(data: dict[str, Any], meeting: Meeting, document_id: int) -> Response:
    """Recall every copy of a document, as previewed (staff); its packets are rebuilt"""
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        return _document_not_found()
    try:
        outcome = recall_document(db.session, document, api_actor(), expected=data["preview"])
    except DomainError as error:
        return refused(error)
    db.session.commit()
    if outcome.rebuild is not None:
        _wake_runner()
    return json_response(RecallOut().dump({
        "copies": outcome.copies, "packets_withdrawn": outcome.packets_withdrawn,
        "rebuild_job_id": outcome.rebuild.id if outcome.rebuild is not None else None}))
