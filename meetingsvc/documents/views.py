"""Uploading documents and versions to a meeting's agenda, and the document page."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..access import (
    current_actor,
    flash_error,
    item_of_or_404,
    roles_required,
    staff_meeting_or_404,
    the_user,
    visible_meeting_or_404,
)
from ..accounts.models import Body
from ..errors import DomainError
from ..extensions import db
from ..forms_common import choices
from ..meetings.forms import EmptyForm
from ..meetings.models import AgendaItem, Meeting
from ..meetings.services import STAFF_ROLES
from ..tracking.dashboard import document_holders
from ..tracking.files import send_stored_file
from ..tracking.portal import papers_seen
from .blobs import blob_store
from .forms import DocumentForm, VersionForm
from .models import Audience, Confidentiality, Document
from .sanitize import ActiveContentReport
from .services import (
    DocumentDetails,
    Upload,
    add_version,
    configured_upload,
    create_document,
    create_record,
    delete_unissued_document,
    document_in_meeting,
    record_refused_upload,
    references_outside,
)

bp = Blueprint("documents", __name__, url_prefix="/meetings/<int:meeting_id>")


def _upload(file: FileStorage) -> Upload:
    return configured_upload(file.stream, file.filename, current_app.config)


def _flash_removed(report: ActiveContentReport) -> None:
    flash(_("Removed from the file before storing it, so that nothing active is ever signed: "
            "%(kinds)s.", kinds=report.describe(_)), "info")


def refuse_upload(meeting_id: int, file: FileStorage, error: DomainError) -> None:
    """Undo everything the upload started, then record and show why it was refused."""
    record_refused_upload(db.session, meeting_id, file.filename, error, current_actor())
    flash_error(error)


def _document_form(meeting: Meeting) -> DocumentForm:
    form = DocumentForm()
    form.audience_body_id.choices = choices(
        (b.id, b.name_vi) for b in db.session.scalars(select(Body).order_by(Body.id))
    )
    form.named_user_ids.choices = choices((i.user.id, i.user.full_name)
                                          for i in meeting.invitations)
    return form


def _upload_page(meeting: Meeting, item: AgendaItem | None, form: DocumentForm,
                 create: Callable[[DocumentDetails, Upload], Document]
                 ) -> Response | str | tuple[str, int]:
    """The upload form of a paper (``item``) or a record of the session (no item): a
    refused file keeps what was typed and says why."""
    if form.validate_on_submit():
        try:
            document = create(_details(form), _upload(form.file.data))
        except DomainError as error:
            refuse_upload(meeting.id, form.file.data, error)
            return render_template("documents/new.html", form=form, meeting=meeting,
                                   item=item), 422
        flash(_("Document %(symbol)s uploaded.", symbol=document.symbol), "success")
        return redirect(url_for(".show_document", meeting_id=meeting.id,
                                document_id=document.id))
    status = 422 if form.is_submitted() else 200
    return render_template("documents/new.html", form=form, meeting=meeting, item=item), status


@bp.route("/agenda/<int:item_id>/documents/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_document(meeting_id: int, item_id: int) -> Response | str | tuple[str, int]:
    meeting = staff_meeting_or_404(meeting_id)
    item = item_of_or_404(meeting, item_id)
    return _upload_page(meeting, item, _document_form(meeting), lambda details, upload:
                        create_document(db.session, blob_store(current_app.config), item,
                                        details, upload, current_actor(),
                                        on_removed=_flash_removed))


@bp.route("/records/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_record(meeting_id: int) -> Response | str | tuple[str, int]:
    """Upload the minutes, the conclusion notice or an adopted resolution after the session.
    They go to the body's members by default; the Issue action issues them like papers."""
    meeting = staff_meeting_or_404(meeting_id)
    form = _document_form(meeting)
    if not form.is_submitted():
        form.kind.data = "Biên bản"
        form.confidentiality.data = Confidentiality.MAT.value
        form.audience.data = Audience.BODY_MEMBERS.value
        form.audience_body_id.data = meeting.body_id
    return _upload_page(meeting, None, form, lambda details, upload:
                        create_record(db.session, blob_store(current_app.config), meeting,
                                      details, upload, current_actor(),
                                      on_removed=_flash_removed))


def _details(form: DocumentForm) -> DocumentDetails:
    return DocumentDetails(
        symbol=form.symbol.data or "",
        kind=form.kind.data or "",
        title=form.title.data or "",
        confidentiality=Confidentiality(form.confidentiality.data),
        audience=Audience(form.audience.data),
        audience_body_id=form.audience_body_id.data,
        open_to_guests=bool(form.open_to_guests.data),
        named_user_ids=frozenset(form.named_user_ids.data or ()),
    )


@bp.get("/documents/<int:document_id>")
@login_required
def show_document(meeting_id: int, document_id: int) -> str:
    meeting = visible_meeting_or_404(meeting_id)
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        abort(404)
    user = the_user()
    if user.has_role(*STAFF_ROLES):
        return render_template("documents/show.html", meeting=meeting, document=document,
                               form=VersionForm(), staff=True,
                               holders=document_holders(db.session, document),
                               deletable=not references_outside(db.session, document))
    seen = papers_seen(db.session, meeting, user)
    if document not in seen.documents:
        abort(404)
    return render_template("documents/show.html", meeting=meeting, document=document,
                           form=None, staff=False, portal=seen.portal)


@bp.post("/documents/<int:document_id>/versions")
@roles_required(*STAFF_ROLES)
def upload_version(meeting_id: int, document_id: int) -> Response | tuple[str, int]:
    meeting = staff_meeting_or_404(meeting_id)
    document = document_in_meeting(db.session, meeting, document_id)
    if document is None:
        abort(404)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Choose a PDF file to upload."), "error")
        return render_template("documents/show.html", meeting=meeting, document=document,
                               form=form, staff=True), 422
    try:
        version = add_version(db.session, blob_store(current_app.config), document,
                              _upload(form.file.data), current_actor(), note=form.note.data,
                              on_removed=_flash_removed)
    except DomainError as error:
        refuse_upload(meeting.id, form.file.data, error)
        return render_template("documents/show.html", meeting=meeting, document=document,
                               form=form, staff=True), 422
    flash(_("Version %(number)s of %(symbol)s uploaded.", number=version.number,
            symbol=document.symbol), "success")
    return redirect(url_for(".show_document", meeting_id=meeting.id, document_id=document.id))


def _staff_document_or_404(meeting_id: int, document_id: int) -> Document:
    document = document_in_meeting(db.session, staff_meeting_or_404(meeting_id), document_id)
    if document is None:
        abort(404)
    return document


@bp.get("/documents/<int:document_id>/delete")
@roles_required(*STAFF_ROLES)
def confirm_delete(meeting_id: int, document_id: int) -> str:
    """What deleting an upload made by mistake removes; refused once anything was issued."""
    document = _staff_document_or_404(meeting_id, document_id)
    back = url_for(".show_document", meeting_id=meeting_id, document_id=document.id)
    refusal = None
    if references_outside(db.session, document):
        refusal = _("%(symbol)s has been issued: it cannot be deleted, only recalled.",
                    symbol=document.symbol)
    return render_template(
        "meetings/confirm.html", meeting=document.meeting,
        heading=_("Delete %(symbol)s", symbol=document.symbol),
        subject=f"{document.symbol} — {document.title}",
        facts=[(_("Versions"), str(len(document.versions))),
               (_("Agenda item"), str(document.agenda_item.position)
                if document.agenda_item else "—")],
        notes=[_("Nothing has been issued from this document. Deleting it removes it from the "
                 "meeting; the deletion, with the fingerprints of its files, stays in the "
                 "audit log.")],
        refusal=refusal, danger=True, fields={"symbol": document.symbol},
        action=url_for(".delete_document", meeting_id=meeting_id, document_id=document.id),
        confirm_label=_("Delete the document"), cancel_url=back)


@bp.post("/documents/<int:document_id>/delete")
@roles_required(*STAFF_ROLES)
def delete_document(meeting_id: int, document_id: int) -> Response:
    back = url_for("meetings.show_meeting", meeting_id=meeting_id, _anchor="agenda")
    staff_meeting_or_404(meeting_id)
    if not EmptyForm().validate():
        abort(400)
    confirmed = request.form.get("symbol")
    if db.session.get(Document, document_id) is None and confirmed:
        flash(_("This document was already deleted."), "info")
        return redirect(back)
    document = _staff_document_or_404(meeting_id, document_id)
    confirm_url = url_for(".confirm_delete", meeting_id=meeting_id, document_id=document_id)
    if confirmed != document.symbol:  # not a confirmation of this document: show one
        return redirect(confirm_url)
    symbol = document.symbol
    try:
        delete_unissued_document(db.session, document, current_actor())
    except DomainError as error:
        flash_error(error)
        return redirect(confirm_url)
    flash(_("%(symbol)s deleted.", symbol=symbol), "success")
    return redirect(back)


@bp.get("/documents/<int:document_id>/versions/<int:number>/source.pdf")
@roles_required(*STAFF_ROLES)
def download_source(meeting_id: int, document_id: int, number: int) -> Response:
    """The uploaded file as it came, for the secretariat to check; delegates get signed copies."""
    meeting = staff_meeting_or_404(meeting_id)
    document: Document | None = document_in_meeting(db.session, meeting, document_id)
    version = next((v for v in (document.versions if document else []) if v.number == number),
                   None)
    if version is None:
        abort(404)
    return send_stored_file(version.blob_sha256, version.original_filename, attachment=False)
