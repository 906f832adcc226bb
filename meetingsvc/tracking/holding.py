"""What a delegate holds of one document, decided once for every page that shows it.

The meeting page's title link, the document's own page and the acknowledge-all
confirmation all ask :func:`holding_of`, so they cannot disagree: an issued,
current electronic copy opens the viewer; a recalled or replaced copy says so;
a numbered paper copy says where it is; only a document not issued to the
delegate yet says it will come.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..issuance.models import IssuedCopy
from .portal import MeetingPortal, PortalItem


class HoldingState(enum.StrEnum):
    #: A current electronic copy (unmarked or MẬT): read it in the viewer.
    READ = "read"
    #: The electronic copy was recalled by the office.
    RECALLED = "recalled"
    #: The copy was replaced by a newer version, not (yet) in the delegate's hands.
    SUPERSEDED = "superseded"
    #: A numbered paper copy (TỐI MẬT, TUYỆT MẬT) the office hands over.
    PAPER_WAITING = "paper_waiting"
    PAPER_HANDED = "paper_handed"
    PAPER_RETURNED = "paper_returned"
    PAPER_RECALLED = "paper_recalled"
    #: Nothing issued to the delegate yet.
    COMING = "coming"


@dataclass(frozen=True)
class Holding:
    """One document as the delegate holds it."""

    state: HoldingState
    #: The electronic copy, when there is one.
    item: PortalItem | None = None
    #: The numbered paper copy, when there is one.
    paper: IssuedCopy | None = None

    @property
    def opens_viewer(self) -> bool:
        return self.state is HoldingState.READ


def holding_of(portal: MeetingPortal | None, document_id: int) -> Holding:
    """The state of one document for the delegate whose portal this is."""
    if portal is None:
        return Holding(HoldingState.COMING)
    item = portal.items.get(document_id)
    if item is not None:
        copy = item.copy
        if copy.recalled_at is not None:
            return Holding(HoldingState.RECALLED, item=item)
        if copy.superseded_at is not None:
            return Holding(HoldingState.SUPERSEDED, item=item)
        if item.viewable:
            return Holding(HoldingState.READ, item=item)
    paper = portal.paper_copies.get(document_id)
    if paper is not None:
        if paper.returned_at is not None:
            state = HoldingState.PAPER_RETURNED
        elif paper.handed_over_at is not None:
            state = HoldingState.PAPER_HANDED
        elif paper.recalled_at is not None:
            state = HoldingState.PAPER_RECALLED
        else:
            state = HoldingState.PAPER_WAITING
        return Holding(state, item=item, paper=paper)
    return Holding(HoldingState.COMING)


def nothing_issued(portal: MeetingPortal | None) -> bool:
    """True while the delegate holds no copy of the meeting's papers at all."""
    return portal is None or (portal.packet is None and not portal.held_document_ids)
