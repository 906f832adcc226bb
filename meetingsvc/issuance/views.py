"""Issuing a meeting's papers, watching the job, and the office's public trust endpoints."""

from __future__ import annotations

import hashlib
import io
import ipaddress

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _

from ..access import current_actor, flash_error, roles_required, staff_meeting_or_404
from ..audit.ratelimit import hit
from ..audit.services import record
from ..documents.models import Document
from ..documents.services import document_in_meeting
from ..errors import DomainError
from ..extensions import csrf, db
from ..labels import JOB_STATUS_LABELS
from ..mail import MailSettings
from ..meetings.forms import EmptyForm
from ..meetings.services import STAFF_ROLES
from ..tracking.files import send_stored_file
from .keys import pki_dir, public_pki_files, timestamp_authority
from .models import IssuanceJob, IssuedCopy, JobStatus
from .planning import IssuancePlan, PlanChanged, issuance_plan, issue_confirmed
from .production import make_print_file
from .recall import (
    RecallChanged,
    may_print,
    paper_copies,
    preview_confidential_recall,
    preview_recall,
    re_release_document,
    recall_confidential,
    recall_document,
    record_handover,
    record_print,
    record_return,
)
from .results import job_of, job_result
from .runner import link_settings, send_notices, start_runner, worker_config
from .services import (
    JobProgress,
    job_progress,
    print_copy_spec,
    retry_failed_units,
    stalled_after,
)

bp = Blueprint("issuance", __name__)

#: The largest RFC 3161 request the embedded TSA reads.
MAX_TSA_REQUEST = 16 * 1024


def job_of_or_404(meeting_id: int, job_id: int) -> IssuanceJob:
    job = job_of(db.session, meeting_id, job_id)
    if job is None:
        abort(404)
    return job


@bp.app_template_filter("number")
def number(value: int) -> str:
    """A count as the reader's language writes it: "1.155" in Vietnamese, "1,155" in English."""
    return format_decimal(value)


def issue_summary(plan: IssuancePlan) -> str:
    """ "Issue to 55 delegates, 1.155 copies": the counts the confirmation is about."""
    return _("Issue to %(delegates)s delegates, %(copies)s copies",
             delegates=format_decimal(plan.delegates), copies=format_decimal(plan.item_copies))


@bp.get("/meetings/<int:meeting_id>/issue")
@roles_required(*STAFF_ROLES)
def confirm_issue(meeting_id: int) -> str:
    """What issuing now would make, counted by the planner itself; nothing is written."""
    meeting = staff_meeting_or_404(meeting_id)
    back = url_for("meetings.show_meeting", meeting_id=meeting.id, _anchor="issuance")
    page = {"meeting": meeting, "heading": _("Issue the papers"), "cancel_url": back,
            "action": url_for(".issue", meeting_id=meeting.id), "danger": False,
            "confirm_label": _("Issue the papers"), "facts": [], "notes": [], "fields": {}}
    try:
        plan = issuance_plan(db.session, meeting, current_app.config, current_app.instance_path)
    except DomainError as error:
        return render_template("meetings/confirm.html", refusal=_(error.message, **error.params),
                               summary=None, **page)
    page["fields"] = {"plan": plan.fingerprint}
    page["facts"] = [(_("Delegates"), format_decimal(plan.delegates)),
                     (_("Documents"), format_decimal(plan.document_count)),
                     (_("Numbered copies"), format_decimal(plan.item_copies)),
                     (_("Paper copies to print"), format_decimal(plan.paper_copies)),
                     (_("Packets"), format_decimal(plan.packets))]
    page["notes"] = [_("Each copy is personalised, numbered and digitally signed; delegates "
                       "see their papers once all of theirs are signed. Issued copies cannot "
                       "be taken back except by a recall.")]
    return render_template("meetings/confirm.html", summary=issue_summary(plan), refusal=None,
                           **page)


@bp.post("/meetings/<int:meeting_id>/issue")
@roles_required(*STAFF_ROLES)
def issue(meeting_id: int) -> Response:
    """Issue what the confirmation page showed, or nothing: the plan's fingerprint posted
    with it must still be the plan's now."""
    meeting = staff_meeting_or_404(meeting_id)
    if not EmptyForm().validate():
        abort(400)
    confirmed = request.form.get("plan", "")
    if not confirmed:  # not a confirmation: show one
        return redirect(url_for(".confirm_issue", meeting_id=meeting.id))
    try:
        job = issue_confirmed(db.session, meeting, current_actor(), current_app.config,
                              current_app.instance_path, expected=confirmed)
    except PlanChanged as changed:
        db.session.rollback()
        flash(_("The papers to issue changed since this page was shown. Nothing was issued; "
                "check the new figures and confirm again."), "error")
        flash(issue_summary(changed.plan), "info")
        return redirect(url_for(".confirm_issue", meeting_id=meeting.id))
    except DomainError as error:
        flash_error(error)
        return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))
    db.session.commit()
    start_runner(current_app._get_current_object())  # type: ignore[attr-defined]
    flash(_("Issuance started."), "success")
    return redirect(url_for(".show_job", meeting_id=meeting.id, job_id=job.id))


@bp.get("/meetings/<int:meeting_id>/issuance/<int:job_id>")
@roles_required(*STAFF_ROLES)
def show_job(meeting_id: int, job_id: int) -> str:
    """The job's progress while it runs; its result (what was issued, what failed and why,
    what to do next) once it ended."""
    meeting = staff_meeting_or_404(meeting_id)
    job = job_of_or_404(meeting.id, job_id)
    progress = _progress(job)
    result = job_result(db.session, job) if job.status != JobStatus.RUNNING.value else None
    return render_template("issuance/job.html", meeting=meeting, job=job, progress=progress,
                           result=result, action_form=EmptyForm(),
                           stalled=stalled_message(progress),
                           mail_on=MailSettings.from_config(current_app.config) is not None)


@bp.get("/meetings/<int:meeting_id>/issuance/<int:job_id>/progress.json")
@roles_required(*STAFF_ROLES)
def job_progress_json(meeting_id: int, job_id: int) -> Response:
    job = job_of_or_404(staff_meeting_or_404(meeting_id).id, job_id)
    progress = _progress(job)  # reading only: never offers work
    # The state's one name (labels.JOB_STATUS_LABELS), in the reader's language.
    return jsonify(progress.to_dict() | {
        "status_label": _(JOB_STATUS_LABELS[JobStatus(progress.status)]),
        "stalled_message": stalled_message(progress)})


def _progress(job: IssuanceJob) -> JobProgress:
    """The job's progress; stalled after the deployment's ``ISSUANCE_STALLED_AFTER_SECONDS``."""
    return job_progress(db.session, job, stalled_after=stalled_after(current_app.config))


def stalled_message(progress: JobProgress) -> str | None:
    """What the progress page says when no signing worker has taken the job's work."""
    if not progress.stalled:
        return None
    return _("No signing worker has taken up this issuance for %(n)s min: the papers wait. "
             "Ask the administrator to check that the issuance worker (or Celery) is running; "
             "the issuance goes on by itself once it is.", n=progress.stalled_minutes)


@bp.post("/meetings/<int:meeting_id>/issuance/<int:job_id>/retry")
@roles_required(*STAFF_ROLES)
def retry_job(meeting_id: int, job_id: int) -> Response:
    job = job_of_or_404(staff_meeting_or_404(meeting_id).id, job_id)
    if not EmptyForm().validate():
        abort(400)
    count = retry_failed_units(db.session, job, current_actor())
    db.session.commit()
    if count:
        start_runner(current_app._get_current_object())  # type: ignore[attr-defined]
        flash(_("%(count)s delegates queued again.", count=count), "success")
    else:
        flash(_("No delegate of this issuance is waiting for a retry."), "info")
    return redirect(url_for(".show_job", meeting_id=meeting_id, job_id=job.id))


@bp.post("/meetings/<int:meeting_id>/issuance/<int:job_id>/notices")
@roles_required(*STAFF_ROLES)
def resend_notices(meeting_id: int, job_id: int) -> Response:
    """Send the job's e-mail notices the mail server refused or never got; none twice."""
    job = job_of_or_404(staff_meeting_or_404(meeting_id).id, job_id)
    if not EmptyForm().validate():
        abort(400)
    back = url_for(".show_job", meeting_id=meeting_id, job_id=job.id)
    if MailSettings.from_config(current_app.config) is None:
        flash(_("Sending mail is not configured (MAIL_SERVER)."), "error")
        return redirect(back)
    outcome = send_notices(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]
    flash(_("E-mail notices sent: %(sent)s. Still waiting: %(failed)s.",
            sent=outcome.sent, failed=outcome.failed),
          "success" if not outcome.failed else "error")
    return redirect(back)


@bp.get("/meetings/<int:meeting_id>/paper-copies")
@roles_required(*STAFF_ROLES)
def list_paper_copies(meeting_id: int) -> str:
    meeting = staff_meeting_or_404(meeting_id)
    return render_template("issuance/paper_copies.html", meeting=meeting,
                           copies=paper_copies(db.session, meeting.id), action_form=EmptyForm())


@bp.post("/meetings/<int:meeting_id>/paper-copies/<int:copy_id>/<any(handover, return):step>")
@roles_required(*STAFF_ROLES)
def paper_copy_step(meeting_id: int, copy_id: int, step: str) -> Response:
    copy = copy_of_or_404(staff_meeting_or_404(meeting_id).id, copy_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        (record_handover if step == "handover" else record_return)(
            db.session, copy, current_actor())
    except DomainError as error:
        flash_error(error)
    return redirect(url_for(".list_paper_copies", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/copies/<int:copy_id>/signed.pdf")
@roles_required(*STAFF_ROLES)
def download_copy_for_staff(meeting_id: int, copy_id: int) -> Response:
    """The signed file of any copy, for the secretariat to print or check."""
    copy = copy_of_or_404(staff_meeting_or_404(meeting_id).id, copy_id)
    if copy.blob_sha256 is None:
        abort(404)
    record(db.session, "copy.downloaded_by_staff", current_actor(), object_type="issued_copy",
           object_id=copy.id, meeting_id=meeting_id)
    return send_stored_file(copy.blob_sha256, f"ban-so-{copy.copy_number}-{copy.id}.pdf",
                            attachment=True)


@bp.get("/meetings/<int:meeting_id>/paper-copies/<int:copy_id>/print.pdf")
@roles_required(*STAFF_ROLES)
def print_paper_copy(meeting_id: int, copy_id: int) -> Response:
    """The signed print file of one paper copy, made now and kept nowhere: only its
    SHA-256 is recorded, so a found printout can still be traced."""
    copy = copy_of_or_404(staff_meeting_or_404(meeting_id).id, copy_id)
    if not may_print(copy):
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signed = make_print_file(worker_config(app), print_copy_spec(copy, link_settings(app)))
    record_print(db.session, copy, hashlib.sha256(signed).hexdigest(), current_actor())
    db.session.commit()
    response = send_file(io.BytesIO(signed), mimetype="application/pdf", as_attachment=True,
                         download_name=f"ban-giay-so-{copy.copy_number:02d}-{copy.id}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def posted_document_or_404(meeting_id: int, document_id: int) -> Document:
    """The meeting's document a staff form was posted about; a bad form is a 400."""
    document = document_in_meeting(db.session, staff_meeting_or_404(meeting_id), document_id)
    if document is None:
        abort(404)
    if not EmptyForm().validate():
        abort(400)
    return document


@bp.get("/meetings/<int:meeting_id>/documents/<int:document_id>/recall")
@roles_required(*STAFF_ROLES)
def confirm_recall(meeting_id: int, document_id: int) -> str:
    """How many copies, delegates and packets a recall would withdraw; nothing is written."""
    meeting = staff_meeting_or_404(meeting_id)
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        abort(404)
    preview = preview_recall(db.session, document)
    back = url_for("documents.show_document", meeting_id=meeting.id, document_id=document.id)
    refusal = None if preview.copies else _("No copy of %(symbol)s is out to recall.",
                                             symbol=document.symbol)
    return render_template(
        "meetings/confirm.html", meeting=meeting, heading=_("Recall %(symbol)s",
                                                            symbol=document.symbol),
        summary=_("Recall %(copies)s copies from %(delegates)s delegates",
                  copies=format_decimal(preview.copies),
                  delegates=format_decimal(preview.delegates)),
        subject=f"{document.symbol} — {document.title}",
        facts=[(_("Copies recalled"), format_decimal(preview.copies)),
               (_("Delegates affected"), format_decimal(preview.delegates)),
               (_("Paper copies to collect"), format_decimal(preview.paper_out)),
               (_("Packets withdrawn and rebuilt"), format_decimal(preview.packets))],
        notes=[_("Delegates can no longer open or download their copies at once. No later "
                 "issuance includes the document until it is re-released.")],
        action=url_for(".recall", meeting_id=meeting.id, document_id=document.id),
        fields={"preview": preview.fingerprint}, confirm_label=_("Recall all copies"),
        cancel_url=back, danger=True, refusal=refusal)


@bp.post("/meetings/<int:meeting_id>/documents/<int:document_id>/recall")
@roles_required(*STAFF_ROLES)
def recall(meeting_id: int, document_id: int) -> Response:
    document = posted_document_or_404(meeting_id, document_id)
    confirm_url = url_for(".confirm_recall", meeting_id=meeting_id, document_id=document_id)
    confirmed = request.form.get("preview", "")
    if not confirmed:  # not a confirmation: show one
        return redirect(confirm_url)
    try:
        outcome = recall_document(db.session, document, current_actor(), expected=confirmed)
    except RecallChanged:
        flash(_("The copies out changed since this page was shown. Nothing was recalled; "
                "check the new figures and confirm again."), "error")
        return redirect(confirm_url)
    except DomainError as error:
        flash_error(error)
    else:
        db.session.commit()
        flash(_("%(count)s copies of %(symbol)s recalled.", count=outcome.copies,
                symbol=document.symbol), "success")
        if outcome.rebuild is not None:
            start_runner(current_app._get_current_object())  # type: ignore[attr-defined]
            flash(_("%(count)s packets that held it are withdrawn and being rebuilt "
                    "without it.", count=outcome.packets_withdrawn), "info")
    return redirect(url_for("documents.show_document", meeting_id=meeting_id,
                            document_id=document_id))


@bp.get("/meetings/<int:meeting_id>/recall-confidential")
@roles_required(*STAFF_ROLES)
def confirm_recall_confidential(meeting_id: int) -> str:
    """After the session: every confidential document with copies out, counted; nothing
    is written."""
    meeting = staff_meeting_or_404(meeting_id)
    preview = preview_confidential_recall(db.session, meeting)
    return render_template(
        "meetings/confirm.html", meeting=meeting, heading=_("Recall all confidential papers"),
        summary=_("Recall %(copies)s copies of %(documents)s documents from %(delegates)s "
                  "delegates", copies=format_decimal(preview.copies),
                  documents=format_decimal(len(preview.documents)),
                  delegates=format_decimal(preview.delegates)),
        subject="; ".join(d.symbol for d, _p in preview.documents),
        facts=[(_("Documents"), format_decimal(len(preview.documents))),
               (_("Copies recalled"), format_decimal(preview.copies)),
               (_("Delegates affected"), format_decimal(preview.delegates)),
               (_("Paper copies to collect"), format_decimal(preview.paper_out))],
        notes=[_("Every copy of each confidential (MẬT, TỐI MẬT, TUYỆT MẬT) document is "
                 "withdrawn at once; paper copies are then collected on the paper copies "
                 "page. A document can be re-released from its page.")],
        refusal=None if preview.documents else _("No confidential document has copies out."),
        fields={"preview": preview.fingerprint}, confirm_label=_("Recall all confidential papers"),
        action=url_for(".recall_all_confidential", meeting_id=meeting.id), danger=True,
        cancel_url=url_for("meetings.show_meeting", meeting_id=meeting.id, _anchor="issuance"))


@bp.post("/meetings/<int:meeting_id>/recall-confidential")
@roles_required(*STAFF_ROLES)
def recall_all_confidential(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    if not EmptyForm().validate():
        abort(400)
    confirm_url = url_for(".confirm_recall_confidential", meeting_id=meeting.id)
    confirmed = request.form.get("preview", "")
    if not confirmed:  # not a confirmation: show one
        return redirect(confirm_url)
    try:
        outcomes = recall_confidential(db.session, meeting, current_actor(), expected=confirmed)
    except RecallChanged:
        db.session.rollback()
        flash(_("The copies out changed since this page was shown. Nothing was recalled; "
                "check the new figures and confirm again."), "error")
        return redirect(confirm_url)
    db.session.commit()
    if any(o.rebuild is not None for o in outcomes):
        start_runner(current_app._get_current_object())  # type: ignore[attr-defined]
    flash(_("%(copies)s copies of %(documents)s confidential documents recalled.",
            copies=format_decimal(sum(o.copies for o in outcomes)),
            documents=format_decimal(len(outcomes))), "success")
    return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id))


@bp.post("/meetings/<int:meeting_id>/documents/<int:document_id>/re-release")
@roles_required(*STAFF_ROLES)
def re_release(meeting_id: int, document_id: int) -> Response:
    document = posted_document_or_404(meeting_id, document_id)
    try:
        re_release_document(db.session, document, current_actor())
        flash(_("%(symbol)s is released again: the next issuance gives everyone entitled "
                "a new copy.", symbol=document.symbol), "success")
    except DomainError as error:
        flash_error(error)
    return redirect(url_for("documents.show_document", meeting_id=meeting_id,
                            document_id=document_id))


def copy_of_or_404(meeting_id: int, copy_id: int) -> IssuedCopy:
    copy = db.session.get(IssuedCopy, copy_id)
    if copy is None or copy.meeting_id != meeting_id:
        abort(404)
    return copy


@bp.post("/tsa")
@csrf.exempt
def timestamp() -> Response:
    """RFC 3161 over HTTP, answered with the development TSA key.

    At most 16 KiB of a request is ever read, chunked or not, and anonymous callers
    are limited per address (the machine's own workers, on loopback, are not)."""
    if request.mimetype != "application/timestamp-query":
        abort(415)
    if (request.content_length or 0) > MAX_TSA_REQUEST:
        abort(413)
    address = request.remote_addr or "unknown"
    if not _is_loopback(address):
        decision = hit(db.session, f"tsa:{address}",
                       int(current_app.config["TSA_REQUESTS_PER_MINUTE"]))
        if not decision.allowed:
            return Response("Too many timestamp requests", status=429,
                            headers={"Retry-After": str(decision.retry_after)})
    query = request.stream.read(MAX_TSA_REQUEST + 1)
    if len(query) > MAX_TSA_REQUEST:
        abort(413)
    passphrase = current_app.config.get("DEV_PKI_PASSPHRASE")
    if not passphrase:
        abort(503)
    authority = timestamp_authority(pki_dir(current_app.config, current_app.instance_path),
                                    str(passphrase))
    return Response(authority.respond(query), mimetype="application/timestamp-reply")


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@bp.get("/pki/<name>")
def public_pki_file(name: str) -> Response:
    """The office's CA certificates and CRLs, for anyone who validates a signature."""
    if name not in public_pki_files(current_app.config):
        abort(404)
    mimetype = "application/pkix-crl" if name.endswith(".crl") else "application/x-pem-file"
    return send_from_directory(pki_dir(current_app.config, current_app.instance_path), name,
                               mimetype=mimetype)
