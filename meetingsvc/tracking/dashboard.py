"""The secretariat's view of receipt: delegates × items, totals, filters and a chart.

The database aggregates the events (one row per copy, see ``progress``); this
module only arranges those rows into a matrix, so a congress of 400 delegates
and 30 items is 12,000 small rows, whatever the number of page views.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..documents.models import Document, DocumentVersion
from ..issuance.models import Channel, CopyKind, CopyStatus, IssuedCopy
from ..meetings.models import AgendaItem, Meeting
from ..meetings.services import invitation_of, invitations_in_protocol_order
from .models import DeliveryEvent, Reminder, ReminderReason
from .progress import CopyProgress, Stage, copy_progress


@dataclass(frozen=True)
class ReceiptFilter:
    """Which delegates the matrix shows: those missing a step, on one item or any."""

    missing: ReminderReason | None = None
    document_id: int | None = None

    def lacks(self, cell: CopyProgress | None) -> bool:
        """The cell is one the delegate should have opened (or acknowledged) and has not."""
        if self.missing is None or not countable(cell):
            return False
        assert cell is not None
        if self.missing is ReminderReason.NOT_OPENED:
            return not cell.read
        return cell.acknowledged_at is None


def countable(cell: CopyProgress | None) -> bool:
    """A copy in the portal that counts in totals: delivered, electronic, not recalled."""
    return (cell is not None and cell.electronic and cell.recalled_at is None
            and cell.status == CopyStatus.DELIVERED.value)


@dataclass
class Tally:
    """What the tiles, the column and row totals and the chart count, from the cells alone.

    Every figure on the page is a :meth:`add` over some of the matrix's cells, so the
    tiles equal the sum of the column totals, of the row totals, and the chart's last
    point. A cell holds the delegate's current copy (a superseded copy is replaced by
    the newer one and is not counted)."""

    #: Electronic copies in the portal: delivered (download or MẬT, read on screen), not recalled.
    electronic: int = 0
    #: Of those, opened in the viewer or downloaded.
    opened: int = 0
    #: Of those, acknowledged.
    acknowledged: int = 0
    #: Paper copies (TỐI MẬT, TUYỆT MẬT) not recalled.
    paper: int = 0
    #: Of those, handed to the delegate (returned ones included).
    handed_over: int = 0
    #: Of those, handed back.
    returned: int = 0
    #: Recalled copies: shown in the matrix, counted in none of the above.
    recalled: int = 0

    def add(self, cell: CopyProgress | None) -> None:
        if cell is None:
            return
        if cell.recalled_at is not None:
            self.recalled += 1
        elif not cell.electronic:
            self.paper += 1
            self.handed_over += cell.status == CopyStatus.DELIVERED.value
            self.returned += cell.returned_at is not None
        elif countable(cell):
            self.electronic += 1
            self.opened += cell.read
            self.acknowledged += cell.acknowledged_at is not None

    @property
    def complete(self) -> bool:
        """Every electronic copy acknowledged (and there is one)."""
        return self.electronic > 0 and self.acknowledged == self.electronic


@dataclass
class Column:
    document_id: int
    symbol: str
    title: str
    confidentiality: str
    position: int | None
    tally: Tally = field(default_factory=Tally)

    @property
    def entitled(self) -> int:
        return self.tally.electronic

    @property
    def opened(self) -> int:
        return self.tally.opened

    @property
    def acknowledged(self) -> int:
        return self.tally.acknowledged


@dataclass
class Row:
    user_id: int
    name: str
    title: str
    guest: bool
    cells: list[CopyProgress | None]
    last_reminded_at: datetime | None
    tally: Tally = field(default_factory=Tally)
    pages_viewed: int = 0

    @property
    def entitled(self) -> int:
        return self.tally.electronic

    @property
    def opened(self) -> int:
        return self.tally.opened

    @property
    def acknowledged(self) -> int:
        return self.tally.acknowledged

    def missing(self, receipt_filter: ReceiptFilter, document_ids: Sequence[int]) -> int:
        """How many of the row's cells (on the filtered item, or all) lack the step."""
        return sum(1 for document_id, cell in zip(document_ids, self.cells, strict=True)
                   if receipt_filter.document_id in (None, document_id)
                   and receipt_filter.lacks(cell))


@dataclass(frozen=True)
class Chart:
    """Cumulative opened and acknowledged copies over time, laid out for an SVG: a plot
    area with axes, ticks at local times and counts, and where each line ends.

    The two lines count the same copies as the tiles (``Tally.electronic``): "opened"
    is opened in the viewer or downloaded, as in the tiles."""

    width: int
    height: int
    #: The plot area inside the SVG: left, top, width, height.
    left: int
    top: int
    plot_width: int
    plot_height: int
    total: int
    start: datetime | None
    end: datetime | None
    opened_points: str
    acknowledged_points: str
    opened: int
    acknowledged: int
    #: (x, moment) of the time axis' ticks; the template writes the office's local time.
    x_ticks: tuple[tuple[float, datetime], ...] = ()
    #: (y, count) of the count axis' ticks.
    y_ticks: tuple[tuple[float, int], ...] = ()
    #: Where each line's end label goes (y), kept apart so they never overlap.
    opened_label_y: float = 0.0
    acknowledged_label_y: float = 0.0
    #: How the time ticks are written: with the date over days, seconds over minutes.
    tick_format: str = "%d/%m %H:%M"

    @property
    def right(self) -> int:
        return self.left + self.plot_width

    @property
    def bottom(self) -> int:
        return self.top + self.plot_height


@dataclass
class Matrix:
    meeting: Meeting
    columns: list[Column]
    rows: list[Row]
    shown: list[Row]
    receipt_filter: ReceiptFilter
    chart: Chart
    tally: Tally = field(default_factory=Tally)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def document_ids(self) -> list[int]:
        return [c.document_id for c in self.columns]


def receipt_matrix(session: Session, meeting: Meeting, receipt_filter: ReceiptFilter,
                   now: datetime) -> Matrix:
    columns = [Column(d.id, d.symbol, d.title, d.confidentiality, position)
               for d, position in session.execute(
                   select(Document, AgendaItem.position)
                   .outerjoin(AgendaItem, AgendaItem.id == Document.agenda_item_id)
                   .where(Document.meeting_id == meeting.id)
                   .order_by(AgendaItem.position.nulls_last(), Document.id))]
    column_at = {c.document_id: n for n, c in enumerate(columns)}
    reminded = dict(session.execute(
        select(Reminder.user_id, func.max(Reminder.sent_at))
        .where(Reminder.meeting_id == meeting.id).group_by(Reminder.user_id)).all())
    rows: list[Row] = []
    row_of: dict[int, Row] = {}
    for invitation in invitations_in_protocol_order(session, meeting):
        user: User = invitation.user
        row = Row(user.id, user.full_name, user.title or "", invitation.is_guest,
                  [None] * len(columns), reminded.get(user.id))
        rows.append(row)
        row_of[user.id] = row

    progress = copy_progress(session, [meeting.id])
    for copy in progress:  # ordered by copy id: a later copy of the same item wins
        owner = row_of.get(copy.user_id)
        place = column_at.get(copy.document_id)
        if owner is not None and place is not None:
            owner.cells[place] = copy
    total = Tally()
    for row in rows:
        for at, cell in enumerate(row.cells):
            row.tally.add(cell)
            columns[at].tally.add(cell)
            total.add(cell)
            if countable(cell):
                assert cell is not None
                row.pages_viewed += cell.pages_viewed

    ids = [c.document_id for c in columns]
    shown = rows if receipt_filter.missing is None else [
        r for r in rows if r.missing(receipt_filter, ids)]
    counted = [c for r in rows for c in r.cells if countable(c)]
    matrix = Matrix(meeting, columns, rows, shown, receipt_filter,
                    _chart(counted, now), total)
    matrix.totals = {
        "entitled": total.electronic,
        "opened": total.opened,
        "acknowledged": total.acknowledged,
        "paper": total.paper,
        "handed_over": total.handed_over,
        "returned": total.returned,
        "recalled": total.recalled,
        "delegates": len(rows),
        "delegates_done": sum(1 for r in rows if r.tally.complete),
    }
    return matrix


def stage_of(cell: CopyProgress | None) -> str:
    """The CSS and display code of a cell: none, recalled, paper_pending, paper,
    paper_returned, or the electronic copy's furthest stage (pending ... acknowledged)."""
    if cell is None:
        return "none"
    if cell.recalled_at is not None:
        return "recalled"
    if not cell.electronic:
        if cell.returned_at is not None:
            return "paper_returned"
        return "paper" if cell.status == CopyStatus.DELIVERED.value else "paper_pending"
    return cell.stage.code


#: The SVG's size, and the plot area's place in it (room for tick labels left and
#: below, for the lines' end labels on the right).
CHART_WIDTH, CHART_HEIGHT = 760, 214
CHART_LEFT, CHART_TOP, CHART_PLOT_WIDTH, CHART_PLOT_HEIGHT = 44, 10, 620, 160
CHART_STEPS, CHART_X_TICKS = 124, 5
_LABEL_GAP = 13.0


def _chart(cells: Sequence[CopyProgress | None], now: datetime) -> Chart:
    opened = sorted(c.first_read_at for c in cells if c and c.first_read_at)
    acknowledged = sorted(c.acknowledged_at for c in cells if c and c.acknowledged_at)
    delivered = [c.delivered_at for c in cells if c and c.delivered_at]
    total = len(cells)
    frame = (CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_TOP, CHART_PLOT_WIDTH,
             CHART_PLOT_HEIGHT)
    if not delivered or total == 0:
        return Chart(*frame, total, None, None, "", "", 0, 0)
    start = min(delivered)
    end = max([now, *opened[-1:], *acknowledged[-1:]])
    span = max((end - start).total_seconds(), 1.0)

    def y_of(count: int) -> float:
        return CHART_TOP + CHART_PLOT_HEIGHT - CHART_PLOT_HEIGHT * count / total

    def points(times: list[datetime]) -> str:
        stamps = [t.timestamp() for t in times]
        out = []
        for step in range(CHART_STEPS + 1):
            count = bisect_right(stamps, start.timestamp() + span * step / CHART_STEPS)
            x = CHART_LEFT + CHART_PLOT_WIDTH * step / CHART_STEPS
            out.append(f"{x:.1f},{y_of(count):.1f}")
        return " ".join(out)

    # Under a minute (just issued), ticks between the ends would repeat the same second.
    tick_count = CHART_X_TICKS if span >= 60 else 2
    x_ticks = tuple(
        (CHART_LEFT + CHART_PLOT_WIDTH * n / (tick_count - 1),
         start + (end - start) * n / (tick_count - 1)) for n in range(tick_count))
    counts = sorted({0, total, *((total * n + 2) // 4 for n in (1, 2, 3))}) if total >= 4 \
        else list(range(total + 1))
    y_ticks = tuple((y_of(count), count) for count in counts)
    # The end labels sit by their line's last point; the lower one moves down (or both
    # up, at the bottom) when they would overlap.
    label_y = {"opened": y_of(len(opened)), "acknowledged": y_of(len(acknowledged))}
    upper, lower = sorted(label_y, key=label_y.__getitem__)
    if label_y[lower] - label_y[upper] < _LABEL_GAP:
        label_y[lower] = min(label_y[upper] + _LABEL_GAP, CHART_TOP + CHART_PLOT_HEIGHT)
        label_y[upper] = label_y[lower] - _LABEL_GAP
    tick_format = ("%d/%m %H:%M" if span >= 86_400 else "%H:%M" if span >= 600
                   else "%H:%M:%S")
    return Chart(*frame, total, start, end, points(opened), points(acknowledged),
                 len(opened), len(acknowledged), x_ticks, y_ticks, label_y["opened"] + 4,
                 label_y["acknowledged"] + 4, tick_format)


@dataclass(frozen=True)
class Holder:
    """Who holds one numbered copy of a document, and how far it got."""

    copy_id: int
    label: str
    version: int
    delegate_name: str
    delegate_title: str
    channel: str
    #: issued, being_issued, failed, downloaded, opened, acknowledged, recalled,
    #: superseded; for paper copies not_printed, printed, handed_over, returned.
    state: str
    #: When the copy reached that state (None when the system cannot know it).
    at: datetime | None
    issued_at: datetime | None


def document_holders(session: Session, document: Document) -> list[Holder]:
    """Every copy of the document issued so far, newest version first, by copy number:
    the secretariat's answer to "who holds which copy, and where is it"."""
    copies = list(session.scalars(
        select(IssuedCopy).join(DocumentVersion,
                                DocumentVersion.id == IssuedCopy.document_version_id)
        .where(DocumentVersion.document_id == document.id,
               IssuedCopy.kind == CopyKind.ITEM.value)
        .order_by(DocumentVersion.number.desc(), IssuedCopy.copy_number)))
    if not copies:
        return []
    progress = {p.copy_id: p for p in copy_progress(
        session, [document.meeting_id], copy_ids=[c.id for c in copies], current_only=False)}
    return [_holder(copy, progress.get(copy.id)) for copy in copies]


def _holder(copy: IssuedCopy, progress: CopyProgress | None) -> Holder:
    state, at = _holder_state(copy, progress)
    version = copy.document_version
    return Holder(copy.id, copy.label, version.number if version else 0, copy.user.full_name,
                  copy.user.title or "", copy.channel, state, at,
                  copy.delivered_at if copy.channel != Channel.PRINT.value else copy.signed_at)


def _holder_state(copy: IssuedCopy, progress: CopyProgress | None
                  ) -> tuple[str, datetime | None]:
    if copy.recalled_at is not None:
        return "recalled", copy.recalled_at
    if copy.channel == Channel.PRINT.value:
        # A paper copy handed over stays the delegate's to return, new version or not.
        if copy.returned_at is not None:
            return "returned", copy.returned_at
        if copy.handed_over_at is not None:
            return "handed_over", copy.handed_over_at
    if copy.superseded_at is not None:
        return "superseded", copy.superseded_at
    if copy.status == CopyStatus.FAILED.value:
        return "failed", None
    if copy.channel == Channel.PRINT.value:
        if copy.status == CopyStatus.PENDING.value:
            return "being_issued", None
        return ("printed", copy.printed_at) if copy.printed_at else ("not_printed", None)
    if copy.status != CopyStatus.DELIVERED.value or progress is None:
        return "being_issued", None
    for state, moment in (("acknowledged", progress.acknowledged_at),
                          ("opened", progress.opened_at),
                          ("downloaded", progress.downloaded_at)):
        if moment is not None:
            return state, moment
    return "issued", copy.delivered_at


#: The most events one delegate's page lists, newest first.
MAX_DELEGATE_EVENTS = 2000


def invited_delegate(session: Session, meeting: Meeting, user_id: int) -> User | None:
    """The meeting's delegate whose receipts the office looks at; ``None`` for anyone not
    invited to it, so no page tells whether such a user exists."""
    user = session.get(User, user_id)
    if user is None or invitation_of(session, meeting, user) is None:
        return None
    return user


def events_of_delegate(session: Session, meeting: Meeting, user: User
                       ) -> list[tuple[DeliveryEvent, IssuedCopy]]:
    """Every event of one delegate's copies of the meeting, newest first (at most
    ``MAX_DELEGATE_EVENTS``), each with its copy."""
    return [(event, copy) for event, copy in session.execute(
        select(DeliveryEvent, IssuedCopy).join(IssuedCopy, IssuedCopy.id == DeliveryEvent.copy_id)
        .where(IssuedCopy.meeting_id == meeting.id, IssuedCopy.user_id == user.id)
        .order_by(DeliveryEvent.at.desc(), DeliveryEvent.id.desc())
        .limit(MAX_DELEGATE_EVENTS))]


__all__ = ["Chart", "Column", "Holder", "Matrix", "ReceiptFilter", "Row", "Stage", "Tally",
           "document_holders", "events_of_delegate", "invited_delegate", "receipt_matrix",
           "stage_of"]
