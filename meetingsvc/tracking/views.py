"""The delegate's own copies: read in the viewer, download, acknowledge.

Every route loads the copy through ``own_copy``: another delegate's copy, a
copy of another meeting or one not delivered yet is a 404, whatever the ids.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import (
    Blueprint,
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
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..access import current_actor, flash_error, roles_required, the_user, visible_meeting_or_404
from ..accounts.models import Role
from ..audit.ratelimit import hit
from ..documents.blobs import blob_store
from ..errors import DomainError
from ..extensions import db
from ..i18n import safe_next
from ..issuance.keys import trust_settings
from ..issuance.models import CopyKind, IssuedCopy
from ..issuance.pdf import ZipEntry, copy_file_name, write_zip
from ..meetings.forms import EmptyForm
from ..models_common import utcnow
from .files import content_disposition, readable_file_name, send_stored_file
from .holding import Holding, holding_of, nothing_issued
from .models import EventKind
from .page_images import (
    IMAGE_MIMETYPE,
    CopyVerdict,
    Watermark,
    page_cache,
    verify_copy,
    view_time,
    watermarked_page,
)
from .portal import MeetingPortal, meeting_portal
from .services import (
    TrackingError,
    Visitor,
    acknowledge_copy,
    acknowledge_packet,
    current_item_copies,
    current_packet,
    may_download,
    may_view,
    own_copy,
    record_event,
    record_pages_viewed,
)
from .tickets import mint_view_ticket, record_opening, ticket_minted_at

bp = Blueprint("tracking", __name__, url_prefix="/meetings/<int:meeting_id>/my")


@bp.app_template_global("holding_of")
def _holding_of(portal: MeetingPortal | None, document_id: int) -> Holding:
    return holding_of(portal, document_id)


@bp.app_template_global("nothing_issued")
def _nothing_issued(portal: MeetingPortal | None) -> bool:
    return nothing_issued(portal)


def _visitor() -> Visitor:
    return Visitor(current_actor(), request.user_agent.string)


def own_item_copy_or_404(meeting_id: int, copy_id: int) -> IssuedCopy:
    """The delegate's delivered copy of one item (packets have routes of their own)."""
    meeting = visible_meeting_or_404(meeting_id)
    copy = own_copy(db.session, the_user().id, copy_id)
    if copy is None or copy.meeting_id != meeting.id or copy.kind != CopyKind.ITEM.value:
        abort(404)
    return copy


def _send_copy(copy: IssuedCopy, event: EventKind, name: str, *, attachment: bool) -> Response:
    """Send a copy's signed file; the event counts a whole read, not each range.

    The event is committed with the request, before the file's first byte leaves.
    """
    if request.method == "GET" and not request.headers.get("Range"):
        record_event(db.session, copy, event, _visitor())
    assert copy.blob_sha256 is not None
    return send_stored_file(copy.blob_sha256, name, attachment=attachment)


def _copy_name(copy: IssuedCopy) -> str:
    assert copy.document_version is not None
    document = copy.document_version.document
    return readable_file_name(document.symbol, document.title, copy.label)


@bp.get("/copies/<int:copy_id>.pdf")
@roles_required(Role.DELEGATE)
def download_copy(meeting_id: int, copy_id: int) -> Response:
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not may_download(copy):
        abort(404)
    return _send_copy(copy, EventKind.DOWNLOADED, _copy_name(copy), attachment=True)


@bp.get("/copies/<int:copy_id>/view")
@roles_required(Role.DELEGATE)
def view_copy(meeting_id: int, copy_id: int) -> str:
    """The portal's viewer: PDF.js for downloadable copies, page images for view-only ones.

    The page carries a view ticket: the viewer's own first request with it
    records the opening.
    """
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not may_view(copy):
        abort(404)
    portal = meeting_portal(db.session, meeting_id, copy.user_id)
    item = next((i for i in portal.items.values() if i.copy.id == copy.id), None)
    ticket = mint_view_ticket(current_app.secret_key, copy.id, copy.user_id)
    verdict = None if may_download(copy) else _verdict(copy)
    return render_template("tracking/viewer.html", meeting=copy.meeting, copy=copy, item=item,
                           action_form=EmptyForm(), ticket=ticket, verdict=verdict)


def _copy_path(copy: IssuedCopy) -> Path:
    assert copy.blob_sha256 is not None
    return blob_store(current_app.config).path_for(copy.blob_sha256)


def _verdict(copy: IssuedCopy) -> CopyVerdict:
    """The signing library's verdict on the copy, computed once and kept with its pages."""
    assert copy.blob_sha256 is not None
    trust = trust_settings(current_app.config, current_app.instance_path)
    return page_cache(current_app.config, current_app.instance_path).verdict(
        copy.blob_sha256, lambda: verify_copy(_copy_path(copy), copy.id, trust))


def _record_opening(copy: IssuedCopy) -> None:
    minted = ticket_minted_at(current_app.secret_key, request.args.get("ticket"), copy.id,
                              copy.user_id)
    record_opening(db.session, copy, minted, request.headers.get("Sec-Fetch-Site"), _visitor())


@bp.get("/copies/<int:copy_id>/file.pdf")
@roles_required(Role.DELEGATE)
def copy_file(meeting_id: int, copy_id: int) -> Response:
    """A downloadable copy's bytes for PDF.js, inline. A view-only copy's bytes are never sent.

    The viewer's request carries its view ticket and records the opening; any
    other request (a link from elsewhere, a typed URL) is served, not counted.
    """
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not may_download(copy):
        abort(404)
    if request.method == "GET":
        _record_opening(copy)
    assert copy.blob_sha256 is not None
    return send_stored_file(copy.blob_sha256, _copy_name(copy), attachment=False)


@bp.get("/copies/<int:copy_id>/pages/<int:page>.webp")
@roles_required(Role.DELEGATE)
def page_image(meeting_id: int, copy_id: int, page: int) -> Response:
    """One page of a copy as an image, watermarked for this view; never stored by the browser."""
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not may_view(copy) or page < 1:
        abort(404)
    user = the_user()
    limit = int(current_app.config["PAGE_IMAGES_PER_MINUTE"])
    decision = hit(db.session, f"page-image:{user.id}", limit)
    if not decision.allowed:
        response = make_response(_("Too many pages at once: wait a moment."), 429)
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    assert copy.blob_sha256 is not None
    cache = page_cache(current_app.config, current_app.instance_path)
    try:
        clean = cache.clean_page(copy.blob_sha256, _copy_path(copy), page)
    except DomainError:
        abort(404)
    _record_opening(copy)
    config = current_app.config
    watermark = Watermark(user.full_name, copy.label,
                          view_time(utcnow(), config["OFFICE_TIMEZONE"]))
    image = watermarked_page(clean, watermark, Path(config["PDF_FONT_DIR"]) / _WATERMARK_FONT)
    response = make_response(image)
    response.headers["Content-Type"] = IMAGE_MIMETYPE
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: The watermark's face, from PDF_FONT_DIR: bold, with every Vietnamese diacritic.
_WATERMARK_FONT = "DejaVuSans-Bold.ttf"


@bp.post("/copies/<int:copy_id>/pages")
@roles_required(Role.DELEGATE)
def report_pages(meeting_id: int, copy_id: int) -> Response | tuple[Response, int]:
    """A batch of pages the viewer showed: JSON ``{"pages": [1, 2]}`` or a beacon's form."""
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not may_view(copy):
        abort(404)
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        pages = body.get("pages")
    else:
        pages = [p for p in request.form.get("pages", "").split(",") if p]
    if not isinstance(pages, list):
        return jsonify(error="pages must be a list"), 400
    try:
        count = record_pages_viewed(db.session, copy, pages, _visitor())
    except TrackingError as error:
        return jsonify(error=_(error.message, **error.params)), 400
    return jsonify(recorded=count)


@bp.post("/copies/<int:copy_id>/acknowledge")
@roles_required(Role.DELEGATE)
def acknowledge_item(meeting_id: int, copy_id: int) -> Response:
    copy = own_item_copy_or_404(meeting_id, copy_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        acknowledge_copy(db.session, copy, _visitor())
        flash(_("Receipt acknowledged."), "success")
    except TrackingError as error:
        flash_error(error)
    except IntegrityError:  # the same acknowledgement, posted twice at once
        db.session.rollback()
        flash(_("You acknowledged this copy already."), "info")
    return _back(meeting_id)


@bp.get("/acknowledge")
@roles_required(Role.DELEGATE)
def confirm_acknowledge_all(meeting_id: int) -> str:
    """Ký nhận toàn bộ, first step: what will be acknowledged, and what was never opened."""
    meeting = visible_meeting_or_404(meeting_id)
    portal = meeting_portal(db.session, meeting.id, the_user().id)
    if portal.packet is None:
        abort(404)
    pending = sorted((i for i in portal.items.values() if i.acknowledgeable),
                     key=lambda i: _agenda_order(i.copy))
    unopened = [i for i in pending if i.opened_at is None]
    return render_template("tracking/acknowledge_all.html", meeting=meeting, portal=portal,
                           pending=pending, unopened=unopened, form=EmptyForm())


@bp.post("/acknowledge")
@roles_required(Role.DELEGATE)
def acknowledge_whole_packet(meeting_id: int) -> Response:
    """Ký nhận toàn bộ, confirmed: the packet and exactly the items the confirmation listed.

    A post without the confirmation's list (an old form, a forged one) acknowledges
    nothing and leads to the confirmation; an item that changed since (a new version,
    a recall) is left for the delegate to acknowledge on its own.
    """
    meeting = visible_meeting_or_404(meeting_id)
    if not EmptyForm().validate():
        abort(400)
    user = the_user()
    packet = current_packet(db.session, meeting.id, user.id)
    if packet is None:
        abort(404)
    if request.form.get("confirmed") != "1":
        return redirect(url_for(".confirm_acknowledge_all", meeting_id=meeting.id))
    listed = {int(v) for v in request.form.getlist("copy") if v.isdigit()}
    items = [c for c in current_item_copies(db.session, meeting.id, user.id).values()
             if c.id in listed]
    try:
        count = acknowledge_packet(db.session, packet, items, _visitor())
        flash(_("Receipt of the packet acknowledged (%(count)s items).", count=count),
              "success")
    except TrackingError as error:
        flash_error(error)
    except IntegrityError:
        db.session.rollback()
        flash(_("You acknowledged this packet already."), "info")
    return _back(meeting_id)


def _back(meeting_id: int) -> Response:
    default = url_for("meetings.show_meeting", meeting_id=meeting_id)
    return redirect(safe_next(request.form.get("next"), default))


@bp.get("/packet.zip")
@roles_required(Role.DELEGATE)
def download_packet_zip(meeting_id: int) -> Response:
    """The delegate's downloadable single copies, with a manifest of their SHA-256s."""
    meeting = visible_meeting_or_404(meeting_id)
    user = the_user()
    copies = [c for c in current_item_copies(db.session, meeting.id, user.id).values()
              if may_download(c) and c.superseded_at is None]
    if not copies:
        abort(404)
    store = blob_store(current_app.config)
    entries = []
    for order, copy in enumerate(sorted(copies, key=_agenda_order), start=1):
        assert copy.document_version is not None and copy.blob_sha256 is not None
        document = copy.document_version.document
        entries.append(ZipEntry(
            name=copy_file_name(order, document.symbol, copy.copy_number, copy.copy_total),
            source=store.path_for(copy.blob_sha256), sha256=copy.blob_sha256,
            copy_number=copy.copy_number, symbol=document.symbol, title=document.title))
        record_event(db.session, copy, EventKind.DOWNLOADED, _visitor())
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    write_zip(spool, entries, {"meeting": meeting.title, "delegate": user.full_name})
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(
        readable_file_name(_("Papers"), meeting.title, extension="zip"), attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/packet.pdf")
@roles_required(Role.DELEGATE)
def download_packet(meeting_id: int) -> Response:
    meeting = visible_meeting_or_404(meeting_id)
    packet = current_packet(db.session, meeting.id, the_user().id)
    if packet is None or not may_download(packet):
        abort(404)
    name = readable_file_name(_("Papers"), meeting.title, packet.label)
    return _send_copy(packet, EventKind.DOWNLOADED, name, attachment=True)


def _agenda_order(copy: IssuedCopy) -> tuple[int, int]:
    version = copy.document_version
    item = version.document.agenda_item if version else None
    return (item.position if item else 10_000, copy.id)
