"""What a delegate's packet holds, and where in the merged PDF each part starts.

Shared by the cover sheet (which prints the page numbers) and the merge (which
points the bookmarks at them), so the two can never disagree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from meetingsvc.documents.vocabulary import Confidentiality

from ..numbering import copy_label

__all__ = [
    "PORTAL_NOTE",
    "Listing",
    "PacketDocument",
    "PacketInfo",
    "PacketItem",
    "highest_mark",
    "meeting_line",
    "paper_note",
    "start_pages",
    "vietnamese_date_line",
    "vietnamese_datetime",
]

_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_RANK = {level.label_vi: rank for rank, level in enumerate(Confidentiality)}


class Listing(enum.StrEnum):
    """Where the delegate finds a document the packet's agenda lists."""

    PACKET = "packet"
    """In the packet: its pages follow the agenda."""
    PORTAL = "portal"
    """Read in the portal only (MẬT): listed "Đọc trên cổng", no pages here."""
    PAPER = "paper"
    """A numbered paper copy only (TỐI MẬT, TUYỆT MẬT): listed "Bản giấy số 03/12"."""
    RECALLED = "recalled"
    """Recalled from the delegate: listed "Đã thu hồi"."""


#: What the agenda prints for a MẬT document, read in the portal only.
PORTAL_NOTE = "Đọc trên cổng"


def paper_note(copy_number: int, copy_total: int) -> str:
    """ "Bản giấy số 03/12": the delegate's numbered paper copy, as the agenda lists it."""
    return "Bản giấy số " + copy_label(copy_number, copy_total)[len("Bản số "):]


class PacketDocument(NamedTuple):
    """One document of an agenda item, as its personalised copy will be merged.

    A named tuple, so ``(symbol, title, mark, page_count)`` reads the same. A
    document listed but not merged (read in the portal, on paper, recalled) has a
    ``note`` saying where it is, and no pages."""

    symbol: str
    """Số, ký hiệu, e.g. "15-NQ/TU"; may be empty for a plain material."""
    title: str
    confidentiality_mark: str
    """"MẬT", "TỐI MẬT", "TUYỆT MẬT" or ""."""
    page_count: int
    """Pages of the personalised copy (``PreparedDocument.page_count``): the agenda's
    page numbers are computed from it before the copies are merged; 0 with a note."""
    note: str = ""
    """Printed instead of a page number for a document the packet lists but does not
    hold, e.g. "Đọc trên cổng", "Bản giấy số 03/12", "Đã thu hồi"."""
    listing: Listing | None = None
    """Where the delegate finds it; ``None``: in the packet, or recalled if it has a note."""

    @property
    def merged(self) -> bool:
        """Whether the document's copy is part of the packet."""
        return not self.note

    @property
    def where(self) -> Listing:
        """Where the delegate finds the document (:class:`Listing`)."""
        if self.listing is not None:
            return self.listing
        return Listing.PACKET if self.merged else Listing.RECALLED


@dataclass(frozen=True)
class PacketItem:
    """An agenda item and the documents the delegate receives for it, in order."""

    position: int
    title: str
    presenter: str
    documents: tuple[PacketDocument, ...]

    def __post_init__(self) -> None:
        documents = tuple(PacketDocument(*d) for d in self.documents)
        for document in documents:
            if not document.merged:
                if document.page_count != 0:
                    raise ValueError(f"item {self.position}, {document.symbol}: a document "
                                     f"listed with a note has no pages in the packet")
                continue
            if not isinstance(document.page_count, int) or document.page_count < 1:
                raise ValueError(
                    f"item {self.position}, {document.symbol or document.title}: page_count "
                    f"must be the copy's page count (PreparedDocument.page_count), "
                    f"not {document.page_count!r}")
        object.__setattr__(self, "documents", documents)


@dataclass(frozen=True)
class PacketInfo:
    """Everything the cover sheet and the agenda print for one delegate."""

    body_name: str
    """The meeting body, e.g. "Ban Chấp hành Đảng bộ tỉnh"."""
    session_number: int
    """N in "Hội nghị lần thứ N"."""
    meeting_title: str
    starts_at: datetime | str
    """Local time of the meeting, printed "Thứ Hai, ngày 07/12/2026, 07:30"; a string is
    printed as it is."""
    place: str
    delegate_name: str
    delegate_title: str
    """Position, e.g. "Tỉnh ủy viên, Giám đốc Sở Tài chính"."""
    copy_number: int
    copy_total: int
    items: tuple[PacketItem, ...]
    confidentiality_mark: str | None = None
    """Mark for the cover; ``None`` takes the strictest among the documents (a mark
    given here never lowers that)."""
    copy_id: str = ""
    """Short reference printed small in the footer."""
    office_name: str = "VĂN PHÒNG TỈNH ỦY"
    """Issuing office, in bold in the header."""
    organisation: str = ""
    """Line above the office in the header, e.g. "ĐẢNG BỘ TỈNH SƠN HÀ"; may be empty."""
    issued_place: str = ""
    """Place of the date line, "Sơn Hà" in "Sơn Hà, ngày 01 tháng 12 năm 2026"."""
    issued_on: date | None = None
    """Date of the date line; without it there is no date line."""
    meeting_kind: str = "Hội nghị"
    session_name: str = ""
    """Printed instead of "Hội nghị lần thứ N" when set, e.g. "Xin ý kiến bằng văn bản"."""

    @property
    def meeting_name(self) -> str:
        """ "Hội nghị lần thứ 12"."""
        return self.session_name or f"{self.meeting_kind} lần thứ {self.session_number}"

    @property
    def starts_at_text(self) -> str:
        if isinstance(self.starts_at, datetime):
            return vietnamese_datetime(self.starts_at)
        return self.starts_at

    @property
    def highest_mark(self) -> str:
        """The strictest confidentiality of the pages the packet holds ("" if none): the
        mark of the file itself, in the cover's header."""
        marks = [d.confidentiality_mark for d in self.merged_documents]
        return highest_mark([*marks, self.confidentiality_mark or ""])

    @property
    def highest_issued_mark(self) -> str:
        """The strictest confidentiality of every document issued to the delegate that the
        agenda lists, in the packet, in the portal or on paper (recalled ones aside): the
        cover's "Độ mật cao nhất"."""
        marks = [d.confidentiality_mark for d in self.listed(Listing.PACKET, Listing.PORTAL,
                                                            Listing.PAPER)]
        return highest_mark([*marks, self.highest_mark])

    @property
    def merged_documents(self) -> list[PacketDocument]:
        """The documents whose copies the packet holds, in order."""
        return [d for item in self.items for d in item.documents if d.merged]

    def listed(self, *where: Listing) -> list[PacketDocument]:
        """The documents the agenda lists as found in one of ``where``, in order."""
        return [d for item in self.items for d in item.documents if d.where in where]

    @property
    def document_pages(self) -> int:
        return sum(d.page_count for d in self.merged_documents)


def highest_mark(marks: Iterable[str]) -> str:
    """The strictest of the printed ``marks``; "" when none is set."""
    best, best_rank = "", 0
    for mark in marks:
        text = mark.strip().upper()
        rank = _RANK.get(text, 1 if text else 0)  # an unknown mark still counts as one
        if rank > best_rank:
            best, best_rank = text, rank
    return best


def start_pages(
    front_pages: int, items: Sequence[PacketItem]
) -> list[tuple[int | None, list[int | None]]]:
    """For each item, the 1-based packet page where it starts and where each of its
    documents starts, given the number of cover and agenda pages before them.
    An item without merged documents starts nowhere (``None``), and so does a
    document listed but not merged."""
    page = front_pages + 1
    result: list[tuple[int | None, list[int | None]]] = []
    for item in items:
        starts: list[int | None] = []
        for document in item.documents:
            starts.append(page if document.merged else None)
            page += document.page_count
        first = next((start for start in starts if start is not None), None)
        result.append((first, starts))
    return result


def vietnamese_datetime(moment: datetime) -> str:
    """ "Thứ Hai, ngày 07/12/2026, 07:30"."""
    return f"{_WEEKDAYS[moment.weekday()]}, ngày {moment:%d/%m/%Y}, {moment:%H:%M}"


def vietnamese_date_line(place: str, day: date) -> str:
    """ "Sơn Hà, ngày 05 tháng 02 năm 2026": days below 10 and months 1 and 2 take a
    leading zero, as the rules for the form of Party documents require."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def meeting_line(body_name: str, meeting_name: str, day: date) -> str:
    """The meeting line of the copy stamp: "Ban Chấp hành Đảng bộ tỉnh · Hội nghị lần thứ
    12 · 07/12/2026"."""
    return f"{body_name} · {meeting_name} · {day:%d/%m/%Y}"
