"""API: issuing a meeting's papers (plan, start, status, failures, retry) and recalling a
document. Thin views over the services the web's Issue and Recall buttons call, with the
same confirmations: what is confirmed is a fingerprint the plan or the preview gave."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..documents.models import Document
from ..documents.services import document_in_meeting
from ..errors import DomainError
from ..extensions import db
from ..issuance.models import IssuanceJob, JobStatus
from ..issuance.planning import IssuancePlan, issuance_plan, issue_confirmed
from ..issuance.recall import preview_recall, recall_document
from ..issuance.results import failed_delegates, job_of
from ..issuance.runner import start_runner
from ..issuance.services import job_progress, jobs_of, retry_failed_units
from ..labels import JOB_STATUS_LABELS
from ..meetings.models import Meeting
from ..meetings.services import NotVisible, get_visible_meeting
from .auth import api_actor, caller
from .common import ID, api_blueprint, json_response, not_found, problems, staff_only
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
from .problems import problem

bp = api_blueprint("api_issuance", "/api/v1",
                   "Issuance (phát hành) jobs: start, status, failures, retry; recall.")

MEETING = f"/meetings/<{ID}:meeting_id>"
JOB = f"{MEETING}/issuance/jobs/<{ID}:job_id>"


def in_both_languages(message: str, **params: Any) -> tuple[str, str]:
    """A translatable message (a label, a domain error's) in Vietnamese and English."""
    with force_locale("vi"):
        vi = _(message, **params)
    with force_locale("en"):
        en = _(message, **params)
    return vi, en


def refused(error: DomainError) -> Response:
    """A service's refusal (nothing to issue, no signing key, a stale confirmation)."""
    return problem(409, in_both_languages(error.message, **error.params))


def _meeting(meeting_id: int) -> Meeting | None:
    try:
        return get_visible_meeting(db.session, caller().user, meeting_id)
    except NotVisible:
        return None


def _job(meeting_id: int, job_id: int) -> IssuanceJob | None:
    meeting = _meeting(meeting_id)
    return job_of(db.session, meeting.id, job_id) if meeting is not None else None


def _job_not_found() -> Response:
    return not_found("đợt phát hành này", "issuance job")


def _job_data(job: IssuanceJob) -> dict[str, Any]:
    progress = job_progress(db.session, job)
    vi, en = in_both_languages(JOB_STATUS_LABELS[JobStatus(job.status)])
    return JobOut().dump({
        "id": job.id, "meeting_id": job.meeting_id, "status": job.status,
        "status_label": {"vi": vi, "en": en}, "rebuild": job.recalled_document_id is not None,
        "created_at": job.created_at, "finished_at": job.finished_at, "total": progress.total,
        "signed": progress.signed, "failed": progress.failed, "percent": progress.percent,
        "delegates_total": progress.delegates_total,
        "delegates_done": progress.delegates_done})


def _plan_data(plan: IssuancePlan) -> dict[str, Any]:
    return IssuancePlanOut().dump({
        "delegates": plan.delegates, "documents": plan.document_count,
        "item_copies": plan.item_copies, "paper_copies": plan.paper_copies,
        "packets": plan.packets, "plan": plan.fingerprint})


def _wake_runner() -> None:
    start_runner(current_app._get_current_object())  # type: ignore[attr-defined]


@bp.get(f"{MEETING}/issuance/plan")
@staff_only
@bp.response(200, IssuancePlanOut)
@problems(bp, 403, 404, 409)
def read_plan(meeting_id: int) -> Response:
    """What issuing the meeting's papers now would make (staff); nothing is written"""
    meeting = _meeting(meeting_id)
    if meeting is None:
        return not_found("hội nghị này", "meeting")
    try:
        plan = issuance_plan(db.session, meeting, current_app.config, current_app.instance_path)
    except DomainError as error:
        return refused(error)
    return json_response(_plan_data(plan))


@bp.post(f"{MEETING}/issuance/jobs")
@staff_only
@bp.arguments(IssueIn)
@bp.response(201, JobOut, headers={"Location": {"schema": {"type": "string"}}})
@problems(bp, 400, 403, 404, 409)
def start(data: dict[str, Any], meeting_id: int) -> Response:
    """Issue the papers as planned (staff): the plan's fingerprint must still be the plan's"""
    meeting = _meeting(meeting_id)
    if meeting is None:
        return not_found("hội nghị này", "meeting")
    try:
        job = issue_confirmed(db.session, meeting, api_actor(), current_app.config,
                              current_app.instance_path, expected=data["plan"])
    except DomainError as error:
        db.session.rollback()
        return refused(error)
    db.session.commit()
    _wake_runner()
    response = json_response(_job_data(job), 201)
    response.headers["Location"] = url_for(".read_job", meeting_id=meeting.id, job_id=job.id)
    return response


@bp.get(f"{MEETING}/issuance/jobs")
@staff_only
@bp.response(200, JobList)
@problems(bp, 403, 404)
def list_jobs(meeting_id: int) -> Response:
    """The meeting's issuance jobs, newest first (staff)"""
    meeting = _meeting(meeting_id)
    if meeting is None:
        return not_found("hội nghị này", "meeting")
    return json_response({"items": [_job_data(job) for job in jobs_of(db.session, meeting)]})


@bp.get(JOB)
@staff_only
@bp.response(200, JobOut)
@problems(bp, 403, 404)
def read_job(meeting_id: int, job_id: int) -> Response:
    """An issuance job's state and counts (staff)"""
    job = _job(meeting_id, job_id)
    if job is None:
        return _job_not_found()
    return json_response(_job_data(job))  # reading only: never wakes the runner


@bp.get(f"{JOB}/failures")
@staff_only
@bp.response(200, FailureList)
@problems(bp, 403, 404)
def list_failures(meeting_id: int, job_id: int) -> Response:
    """The delegates whose copies failed for good, with the reasons (staff)"""
    job = _job(meeting_id, job_id)
    if job is None:
        return _job_not_found()
    items = [{"unit_id": f.unit_id, "delegate": f.name, "reason": f.reason,
              "copies": [{"symbol": c.symbol, "reason": c.reason} for c in f.copies]}
             for f in failed_delegates(db.session, job)]
    return json_response(FailureList().dump({"job_id": job.id, "items": items}))


@bp.post(f"{JOB}/retry")
@staff_only
@bp.response(200, RetryOut)
@problems(bp, 403, 404)
def retry(meeting_id: int, job_id: int) -> Response:
    """Queue the job's failed delegates again, with fresh attempts (staff)"""
    job = _job(meeting_id, job_id)
    if job is None:
        return _job_not_found()
    queued = retry_failed_units(db.session, job, api_actor())
    db.session.commit()
    if queued:
        _wake_runner()
    return json_response({"queued": queued, "job": _job_data(job)})


def _document(meeting_id: int, document_id: int) -> Document | None:
    meeting = _meeting(meeting_id)
    return document_in_meeting(db.session, meeting, document_id) if meeting else None


def _document_not_found() -> Response:
    return not_found("tài liệu này", "document")


@bp.get(f"{MEETING}/documents/<{ID}:document_id>/recall")
@staff_only
@bp.response(200, RecallPreviewOut)
@problems(bp, 403, 404)
def preview(meeting_id: int, document_id: int) -> Response:
    """What recalling a document would withdraw now (staff); nothing is written"""
    document = _document(meeting_id, document_id)
    if document is None:
        return _document_not_found()
    found = preview_recall(db.session, document)
    return json_response(RecallPreviewOut().dump({
        "copies": found.copies, "delegates": found.delegates, "paper_out": found.paper_out,
        "packets": found.packets, "preview": found.fingerprint}))


@bp.post(f"{MEETING}/documents/<{ID}:document_id>/recall")
@staff_only
@bp.arguments(RecallIn)
@bp.response(200, RecallOut)
@problems(bp, 400, 403, 404, 409)
def recall(data: dict[str, Any], meeting_id: int, document_id: int) -> Response:
    """Recall every copy of a document, as previewed (staff); its packets are rebuilt"""
    document = _document(meeting_id, document_id)
    if document is None:
        return _document_not_found()
    try:
        outcome = recall_document(db.session, document, api_actor(), expected=data["preview"])
    except DomainError as error:
        db.session.rollback()
        return refused(error)
    db.session.commit()
    if outcome.rebuild is not None:
        _wake_runner()
    return json_response(RecallOut().dump({
        "copies": outcome.copies, "packets_withdrawn": outcome.packets_withdrawn,
        "rebuild_job_id": outcome.rebuild.id if outcome.rebuild is not None else None}))
