"""The secretariat's receipt dashboard: the matrix, exports, reminders, a delegate's events."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from ..access import (
    current_actor,
    flash_error,
    flash_reminders_sent,
    roles_required,
    staff_meeting_or_404,
)
from ..errors import N_
from ..extensions import db
from ..meetings.models import Meeting
from ..meetings.services import STAFF_ROLES
from ..models_common import utcnow
from ..timezones import office_zone as local_zone
from .dashboard import (
    Matrix,
    ReceiptFilter,
    Row,
    events_of_delegate,
    invited_delegate,
    receipt_matrix,
    stage_of,
)
from .exports import receipts_csv, receipts_xlsx
from .files import content_disposition, readable_file_name
from .forms import RemindForm
from .models import ReminderReason
from .progress import CopyProgress
from .reminders import (
    DeliveryOutcome,
    MailSettings,
    ReminderError,
    ReminderRequest,
    deliver_reminders,
    plan_reminders,
    smtp_outbox,
    undelivered,
)

bp = Blueprint("receipts", __name__, url_prefix="/meetings/<int:meeting_id>/receipts")

STAGE_LABELS = {
    "none": N_("not entitled"),
    "pending": N_("being issued"),
    "delivered": N_("new, not opened"),
    "downloaded": N_("downloaded"),
    "opened": N_("opened in the viewer"),
    "acknowledged": N_("acknowledged"),
    "paper_pending": N_("paper copy, not handed over"),
    "paper": N_("paper copy handed over"),
    "paper_returned": N_("paper copy returned"),
    "recalled": N_("recalled"),
}
#: What a cell shows, so its state reads without colour or hover; the legend explains
#: each mark, the colour (CSS) and the tooltip add the times.
STAGE_MARKS = {"none": "–", "pending": "…", "delivered": "○", "downloaded": "↓",
               "opened": "◉", "acknowledged": "✓", "paper_pending": "□", "paper": "▣",
               "paper_returned": "↩", "recalled": "⟲"}
EVENT_LABELS = {
    "delivered": N_("delivered"),
    "downloaded": N_("downloaded"),
    "opened": N_("opened in the viewer"),
    "page_viewed": N_("page viewed"),
    "acknowledged": N_("acknowledged"),
}
EXPORT_HEADER = (N_("Delegate"), N_("Position"), N_("Symbol"), N_("Title"), N_("State"),
                 N_("Delivered"), N_("Downloaded"), N_("Opened"), N_("Pages viewed"),
                 N_("Pages"), N_("Acknowledged"), N_("Recalled"))


def _filter_from(args: dict[str, str]) -> ReceiptFilter:
    missing = args.get("missing")
    document = args.get("item", "")
    return ReceiptFilter(
        missing=ReminderReason(missing) if missing in set(ReminderReason) else None,
        document_id=int(document) if document.isdigit() else None)


def _matrix(meeting: Meeting) -> Matrix:
    return receipt_matrix(db.session, meeting, _filter_from(request.args.to_dict()), utcnow())


@bp.get("/")
@roles_required(*STAFF_ROLES)
def dashboard(meeting_id: int) -> str:
    meeting = staff_meeting_or_404(meeting_id)
    matrix = _matrix(meeting)
    form = RemindForm()
    if matrix.receipt_filter.missing:
        form.reason.data = matrix.receipt_filter.missing.value
    form.document_id.data = str(matrix.receipt_filter.document_id or "")
    labels = {code: _(label) for code, label in STAGE_LABELS.items()}
    return render_template("tracking/receipts.html", meeting=meeting, matrix=matrix,
                           form=form, labels=labels, marks=STAGE_MARKS,
                           detail=CellDetail(labels, local_zone()),
                           delegate_url=url_for(".delegate_events", meeting_id=meeting.id,
                                                user_id=0)[:-1],
                           mail_on=MailSettings.from_config(current_app.config) is not None,
                           interval=current_app.config["REMINDER_MIN_INTERVAL_HOURS"])


@bp.get("/receipts.<any(csv, xlsx):kind>")
@roles_required(*STAFF_ROLES)
def export(meeting_id: int, kind: str) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    matrix = _matrix(meeting)
    header = [_(h) for h in EXPORT_HEADER]
    labels = {code: _(label) for code, label in STAGE_LABELS.items()}
    zone = local_zone()
    if kind == "csv":
        data = receipts_csv(matrix, header, zone, labels.__getitem__)
        mimetype = "text/csv"
    else:
        data = receipts_xlsx(matrix, header, zone, labels.__getitem__, _("Matrix"),
                             _("Details"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = readable_file_name(_("Receipts"), meeting.title, extension=kind)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(name, attachment=True),
        "Cache-Control": "private, no-store"})


@bp.post("/remind")
@roles_required(*STAFF_ROLES)
def send_reminders(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    reason = ReminderReason(form.reason.data)
    document_id = int(form.document_id.data) if form.document_id.data else None
    back = url_for(".dashboard", meeting_id=meeting.id, missing=reason.value,
                   item=document_id or "")
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        flash(_("Sending mail is not configured (MAIL_SERVER)."), "error")
        return redirect(back)
    matrix = receipt_matrix(db.session, meeting, ReceiptFilter(reason, document_id), utcnow())
    reminder = ReminderRequest(
        reason=reason, document_id=document_id,
        min_interval=timedelta(hours=float(current_app.config["REMINDER_MIN_INTERVAL_HOURS"])),
        base_url=current_app.config["PUBLIC_BASE_URL"], sender=settings.sender)
    plan = plan_reminders(db.session, matrix, reminder, current_actor(), utcnow())
    # Committed (with the audit rows) before any mail goes out; earlier reminders that
    # failed are sent again with these.
    db.session.commit()
    outcome = DeliveryOutcome(0, 0)
    waiting = undelivered(db.session, meeting.id, utcnow())
    if waiting:
        try:
            with smtp_outbox(settings) as outbox:
                outcome = deliver_reminders(db.session, waiting, outbox, utcnow())
        except ReminderError as error:
            flash_error(error)
            return redirect(back)
    flash_reminders_sent(outcome.sent, plan.recently_reminded, plan.without_email,
                         outcome.failed)
    return redirect(back)


@bp.get("/delegates/<int:user_id>")
@roles_required(*STAFF_ROLES)
def delegate_events(meeting_id: int, user_id: int) -> str:
    """Every event of one delegate's copies of the meeting, newest first."""
    meeting = staff_meeting_or_404(meeting_id)
    user = invited_delegate(db.session, meeting, user_id)
    if user is None:
        abort(404)
    events = events_of_delegate(db.session, meeting, user)
    event_labels = {kind: _(label) for kind, label in EVENT_LABELS.items()}
    return render_template("tracking/delegate_events.html", meeting=meeting, delegate=user,
                           events=events, event_labels=event_labels)


# --- display helpers for the dashboard template -----------------------------------


@bp.app_template_filter("short_time")
def short_time(value: datetime | None) -> str:
    """ "21/11 20:15", in the office's time zone."""
    return value.astimezone(local_zone()).strftime("%d/%m %H:%M") if value else ""


@bp.app_template_filter("office_clock")
def office_clock(value: datetime, pattern: str) -> str:
    """``value`` on the office's clock, written with a ``strftime`` pattern."""
    return value.astimezone(local_zone()).strftime(pattern)


class CellDetail:
    """The matrix's cells as HTML. A congress has 12,000 of them: written here in one pass
    per row, with labels and time zone looked up once per page, they take a fifth of the
    time the same markup takes in Jinja."""

    def __init__(self, labels: dict[str, str], zone: ZoneInfo) -> None:
        self.labels = labels
        self.zone = zone

    def cells(self, row: Row) -> Markup:
        out = []
        for cell in row.cells:
            stage = stage_of(cell)
            if cell is None:
                out.append(f'<td class="c s-{stage}" data-stage="{stage}">'
                           f'{STAGE_MARKS[stage]}</td>')
                continue
            pages = (f"<small>{cell.pages_viewed}/{cell.page_count}</small>"
                     if cell.pages_viewed else "")
            out.append(f'<td class="c s-{stage}" data-copy="{cell.copy_id}" '
                       f'data-stage="{stage}" data-pages="{cell.pages_viewed}" '
                       f'title="{escape(self(cell))}">{STAGE_MARKS[stage]}{pages}</td>')
        return Markup("".join(out))  # noqa: S704 - every value above is escaped or our own

    def __call__(self, cell: CopyProgress | None) -> str:
        labels = self.labels
        if cell is None:
            return labels["none"]
        parts = [labels[stage_of(cell)]]
        for code, moment in (("delivered", cell.delivered_at),
                             ("downloaded", cell.downloaded_at), ("opened", cell.opened_at),
                             ("acknowledged", cell.acknowledged_at)):
            if moment is not None:
                parts.append(f"{labels[code]} {moment.astimezone(self.zone):%d/%m %H:%M}")
        if cell.pages_viewed:
            parts.append(f"{cell.pages_viewed}/{cell.page_count} ▤")
        if cell.recalled_at is not None:
            parts.append(f"⟲ {cell.recalled_at.astimezone(self.zone):%d/%m %H:%M}")
        return " · ".join(parts)
