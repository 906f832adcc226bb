"""What a worker needs to make one delegate's copies, and what it hands back.

Plain, picklable data: the database side builds a ``UnitSpec``, a worker
process (the embedded pool or a Celery worker) turns it into signed files
with ``production.produce_unit`` and returns a ``UnitResult``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from .pdf import CopyStamp


@dataclass(frozen=True)
class ItemCopySpec:
    """One document copy to personalise, and (unless ``sign`` is false) to sign and store."""

    copy_id: int
    source_sha256: str
    stamp: CopyStamp
    qr_url: str
    metadata: Mapping[str, str]
    agenda_position: int
    agenda_title: str
    presenter: str
    symbol: str
    title: str
    page_count: int
    #: Part of the merged packet (downloadable documents only).
    in_packet: bool
    #: False for a copy issued earlier that is only re-stamped into a new packet.
    sign: bool = True


@dataclass(frozen=True)
class AgendaEntry:
    """An agenda item as the delegate's meeting page shows it, numbered the same way."""

    position: int
    title: str
    presenter: str


@dataclass(frozen=True)
class ListedDocument:
    """A document the packet's agenda lists without holding it, with why: read in the
    portal (MẬT), a paper copy (TỐI MẬT, TUYỆT MẬT) or recalled."""

    agenda_position: int
    agenda_title: str
    presenter: str
    symbol: str
    title: str
    confidentiality_mark: str
    note: str
    #: Where the delegate finds it: "portal", "paper" or "recalled" (``pdf.Listing``).
    listing: str = "recalled"


@dataclass(frozen=True)
class PacketSpec:
    copy_id: int
    copy_number: int
    copy_total: int
    qr_url: str
    metadata: Mapping[str, str]
    body_name: str
    session_number: int
    meeting_title: str
    #: Local time of the meeting (Vietnam).
    starts_at: datetime
    place: str
    delegate_name: str
    delegate_title: str
    office_name: str
    #: The packet's trace code ("Mã bản"), printed in the front pages' footer.
    reference: str = ""
    #: Printed instead of "Hội nghị lần thứ N" when set (a written consultation's drafts).
    session_name: str = ""
    #: The day the papers were issued (the job's, office time): the cover's date line.
    issued_on: date | None = None
    #: Documents listed on the agenda but not merged, each with a note: read in the
    #: portal, on paper, recalled.
    listed_only: tuple[ListedDocument, ...] = ()
    #: The agenda items the delegate's meeting page shows, in its order: the packet
    #: numbers its items the same way. Empty: number the items the packet lists.
    agenda: tuple[AgendaEntry, ...] = ()


@dataclass(frozen=True)
class UnitSpec:
    unit_id: int
    #: The claim this work was done under; a result whose claim was taken over is dropped.
    claim: str
    items: tuple[ItemCopySpec, ...]
    packet: PacketSpec | None


@dataclass(frozen=True)
class ProducedCopy:
    copy_id: int
    sha256: str
    size: int


@dataclass(frozen=True)
class UnitResult:
    unit_id: int
    produced: tuple[ProducedCopy, ...] = ()
    #: (copy id, reason) for every copy that could not be made.
    failures: tuple[tuple[int, str], ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.failures
