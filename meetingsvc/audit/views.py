"""The auditor's pages (verify a PDF, the log, evidence export) and the public QR page."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from ..access import current_actor, flash_error, roles_required
from ..accounts.models import Role
from ..documents.blobs import blob_store
from ..errors import DomainError
from ..extensions import db
from ..issuance.keys import (
    key_source,
    pki_dir,
    public_pki_files,
    signer_settings,
    trust_settings,
)
from ..meetings.forms import EmptyForm
from ..meetings.models import Meeting
from ..timezones import office_day_start, office_time, office_zone
from . import labels
from .evidence import EvidenceSettings, start_export, write_evidence
from .forms import LogFilterForm, VerifyForm
from .models import VerificationRecord
from .ratelimit import hit
from .services import (
    LogFilter,
    details_of,
    known_actions,
    log_page,
    log_status,
    record,
    row_holds,
    verify_log,
)
from .tracing import copy_by_token
from .verification import read_upload, recent_verifications, report_of, verify_upload

bp = Blueprint("audit", __name__)


@bp.app_template_filter("audit_datetime")
def audit_datetime(value: str | None) -> datetime | None:
    """An ISO time from a stored report, as a datetime for the date filters."""
    return datetime.fromisoformat(value) if value else None


@bp.app_template_filter("audit_time")
def audit_time(value: datetime | None) -> str:
    """A log row's time, short and to the second, in the interface's time zone."""
    return format_datetime(value, "dd/MM/yyyy HH:mm:ss") if value else "—"


@bp.get("/v/<token>")
def verify_token(token: str) -> ResponseReturnValue:
    """What anyone holding the copy may know: authentic or not, what it is, whether current.

    Never the delegate's name: a lost printout must not say whose it was. Limited
    per address, so the tokens cannot be guessed by brute force.
    """
    limit = int(current_app.config.get("PUBLIC_VERIFY_PER_MINUTE", 30))
    decision = hit(db.session, f"verify:{request.remote_addr}", limit)
    if not decision.allowed:
        response = make_response(render_template("audit/too_many.html",
                                                 retry_after=decision.retry_after), 429)
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    copy = copy_by_token(db.session, token) if 16 <= len(token) <= 64 else None
    if copy is None:
        return render_template("audit/public_verify.html", copy=None), 404
    record(db.session, "copy.public_verified", current_actor(), object_type="issued_copy",
           object_id=copy.id, meeting_id=copy.meeting_id)
    return render_template("audit/public_verify.html", copy=copy), 200


@bp.get("/audit/")
@roles_required(Role.AUDITOR)
def home() -> str:
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).all()
    return render_template("audit/home.html", form=VerifyForm(), meetings=meetings,
                           recent=recent_verifications(db.session), status=log_status(db.session),
                           action_form=EmptyForm(), labels=labels)


@bp.post("/audit/verify")
@roles_required(Role.AUDITOR)
def verify_upload_view() -> ResponseReturnValue:
    """Verify an uploaded PDF; the report page (or JSON, if asked for) follows."""
    form = VerifyForm()
    wants_json = request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"
    if not form.validate_on_submit():
        if wants_json:
            return jsonify(error="no file"), 400
        flash(_("Choose a PDF file to verify."), "error")
        return redirect(url_for(".home"))
    file = form.file.data
    try:
        upload = read_upload(file.stream, file.filename,
                             int(current_app.config["VERIFY_MAX_UPLOAD_BYTES"]))
    except DomainError as error:
        file.close()
        if wants_json:
            return jsonify(error=str(error)), 422
        flash_error(error)
        return redirect(url_for(".home"))
    file.close()  # a large upload is spooled to a temporary file: let it go now
    kept = verify_upload(db.session, upload,
                         trust_settings(current_app.config, current_app.instance_path),
                         blob_store(current_app.config), current_actor())
    if wants_json:
        return jsonify(report_of(kept))
    return redirect(url_for(".show_verification", record_id=kept.id))


def _verification_or_404(record_id: int) -> VerificationRecord:
    kept = db.session.get(VerificationRecord, record_id)
    if kept is None:
        abort(404)
    return kept


@bp.get("/audit/verifications/<int:record_id>")
@roles_required(Role.AUDITOR)
def show_verification(record_id: int) -> str:
    kept = _verification_or_404(record_id)
    return render_template("audit/report.html", kept=kept, report=report_of(kept),
                           labels=labels, form=VerifyForm())


@bp.get("/audit/verifications/<int:record_id>.json")
@roles_required(Role.AUDITOR)
def verification_json(record_id: int) -> Response:
    return jsonify(report_of(_verification_or_404(record_id)))


def _day_start(day: date) -> datetime:
    return office_day_start(day)


@bp.get("/audit/log")
@roles_required(Role.AUDITOR)
def show_log() -> str:
    form = LogFilterForm(request.args)
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).all()
    form.meeting.choices = [("", _("All meetings"))] + [(str(m.id), m.title) for m in meetings]
    form.action.choices = [("", _("All actions"))] + [
        (a, a) for a in known_actions(db.session)]
    form.validate()
    meeting = form.meeting.data
    where = LogFilter(
        meeting_id=int(meeting) if meeting and meeting.isdigit() else None,
        username=form.user.data or None, action=form.action.data or None,
        since=_day_start(form.since.data) if form.since.data else None,
        until=_day_start(form.until.data + timedelta(days=1)) if form.until.data else None)
    page = log_page(db.session, where, request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/log.html", form=form, page=page, args=args,
                           holds={row.id: row_holds(row) for row in page.rows},
                           details={row.id: details_of(row) for row in page.rows},
                           status=log_status(db.session), action_form=EmptyForm())


@bp.post("/audit/log/check")
@roles_required(Role.AUDITOR)
def check_log() -> str:
    """Check the whole chain and every checkpoint now, and log that it was done."""
    if not EmptyForm().validate():
        abort(400)
    report = verify_log(db.session, trust_settings(current_app.config, current_app.instance_path))
    record(db.session, "audit.log_verified", current_actor(), details=report.summary())
    return render_template("audit/log_check.html", report=report)


def _evidence_settings() -> EvidenceSettings:
    config, instance = current_app.config, current_app.instance_path
    return EvidenceSettings(
        store=blob_store(config), pki_dir=pki_dir(config, instance),
        key=key_source(config, instance), signer=signer_settings(config, instance),
        font_dir=Path(config["PDF_FONT_DIR"]), office_name=config["OFFICE_NAME"],
        public_pki_files=public_pki_files(config),
        office_zone=office_zone())


@bp.post("/audit/meetings/<int:meeting_id>/evidence")
@roles_required(Role.AUDITOR)
def export_evidence(meeting_id: int) -> ResponseReturnValue:
    """The meeting's evidence ZIP. The export is logged and committed first, so the
    chain is not held locked while a large file is written."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    try:
        settings = _evidence_settings()
        start = start_export(db.session, meeting, current_actor(), settings.key)
        db.session.commit()
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
        write_evidence(db.session, start, settings, spool)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return redirect(url_for(".home"))
    spool.seek(0)
    stamp = office_time(start.exported_at).strftime("%Y%m%d-%H%M")
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=f"ho-so-chung-cu-hoi-nghi-{meeting.id}-{stamp}.zip")
