"""The auditor's pages (verify a PDF, the log, evidence export) and the public QR page."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
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

from signing import SigningLibraryError

from ..access import current_actor, flash_error, roles_required
from ..accounts.models import Role, User
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
from ..models_common import utcnow
from ..timezones import office_time, office_zone, utc_offset_label
from ..tracking.files import content_disposition
from . import labels, log_labels, readable
from .evidence import EvidenceSettings, evidence_file_name, start_export, write_evidence
from .forms import LogFilterForm, VerifyForm
from .models import VerificationRecord
from .ratelimit import hit
from .reading import read_rows
from .report_pdf import build_sheet, render_sheet, sign_report
from .services import (
    LogFilter,
    known_actions,
    log_page,
    log_status,
    record,
    verify_log,
)
from .tracing import copy_by_token
from .verification import read_upload, recent_verifications, report_of, verify_upload

bp = Blueprint("audit", __name__)


bp.add_app_template_filter(readable.number, "audit_number")
bp.add_app_template_filter(readable.file_size, "audit_file_size")
bp.add_app_template_filter(readable.local_time, "audit_local_time")
bp.add_app_template_filter(readable.sentence, "audit_sentence")
bp.add_app_template_global(readable.name_fields, "readable_name")
bp.add_app_template_global(readable.common_name, "readable_common_name")
bp.add_app_template_global(readable.certificate_usages, "readable_usages")
bp.add_app_template_global(readable.library_message, "library_message")
bp.add_app_template_global(readable.label, "audit_label")
bp.add_app_template_global(readable.signature_reason, "signature_reason")
bp.add_app_template_global(readable.verdict_reason, "verdict_reason")
bp.add_app_template_global(readable.log_problem, "log_problem")


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


@dataclass(frozen=True)
class _Person:
    name: str
    username: str | None


def _verifier(kept: VerificationRecord, report: dict[str, object]) -> _Person:
    """Who verified the file: the full name, and the username kept with the report."""
    username = str(report.get("verified_by") or "") or None
    user = db.session.get(User, kept.actor_id) if kept.actor_id is not None else None
    if user is None:
        return _Person(username or "—", None)
    return _Person(user.full_name, username or user.username)


@bp.get("/audit/verifications/<int:record_id>")
@roles_required(Role.AUDITOR)
def show_verification(record_id: int) -> str:
    kept = _verification_or_404(record_id)
    report = report_of(kept)
    return render_template("audit/report.html", kept=kept, report=report,
                           verifier=_verifier(kept, report), labels=labels, form=VerifyForm())


@bp.post("/audit/verifications/<int:record_id>/report.pdf")
@roles_required(Role.AUDITOR)
def verification_pdf(record_id: int) -> ResponseReturnValue:
    """The report as a PDF signed by the office, made again from the kept report (the
    uploaded file is not kept); every download is logged."""
    kept = _verification_or_404(record_id)
    if not EmptyForm().validate():
        abort(400)
    report = report_of(kept)
    verifier = _verifier(kept, report)
    config = current_app.config
    sheet = build_sheet(
        report, office_name=config["OFFICE_NAME"],
        verifier=f"{verifier.name} ({verifier.username})" if verifier.username
        else verifier.name,
        made_at=readable.local_time(utcnow()))
    try:
        signed = sign_report(render_sheet(sheet, Path(config["PDF_FONT_DIR"])),
                             signer_settings(config, current_app.instance_path), kept.id)
    except (SigningLibraryError, DomainError) as error:
        current_app.logger.warning("verification report %s not signed: %s", kept.id, error)
        flash(_("The report could not be signed: %(reason)s", reason=str(error)), "error")
        return redirect(url_for(".show_verification", record_id=kept.id))
    record(db.session, "audit.report_downloaded", current_actor(), object_type="verification",
           object_id=kept.id, meeting_id=(report.get("issued_copy") or {}).get("meeting_id"),
           details={"file": kept.file_name, "sha256": kept.file_sha256,
                    "indication": kept.indication})
    response = make_response(signed)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition(
        f"bao-cao-kiem-tra-{kept.id}.pdf", attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/audit/verifications/<int:record_id>.json")
@roles_required(Role.AUDITOR)
def verification_json(record_id: int) -> Response:
    return jsonify(report_of(_verification_or_404(record_id)))


@bp.get("/audit/log")
@roles_required(Role.AUDITOR)
def show_log() -> str:
    form = LogFilterForm(request.args)
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc())).all()
    form.meeting.choices = [("", _("All meetings"))] + [(str(m.id), m.title) for m in meetings]
    form.action.choices = [("", _("All actions"))] + sorted(
        ((a, log_labels.action_label(a)) for a in known_actions(db.session)),
        key=lambda choice: choice[1].lower())
    form.validate()
    meeting = form.meeting.data
    where = LogFilter.of_days(
        office_zone(), form.since.data, form.until.data,
        meeting_id=int(meeting) if meeting and meeting.isdigit() else None,
        username=form.user.data or None, action=form.action.data or None)
    page = log_page(db.session, where, request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    read = read_rows(db.session, page.rows)
    return render_template("audit/log.html", form=form, page=page, args=args,
                           holds=read.holds, details=read.details,
                           people=read.people, log_labels=log_labels,
                           meeting_titles={m.id: m.title for m in meetings},
                           zone_label=utc_offset_label(office_time(utcnow())),
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
    return send_file(spool, mimetype="application/zip", as_attachment=True,
                     download_name=evidence_file_name(meeting, settings.office_zone))
