"""Opening items for comments, writing and revising comments, and the summary of them all.

A delegate sees only their own comments; the secretariat sees all of them in the
summary. A revision never overwrites: it is a new ``CommentRevision`` row, and the
database refuses to change or delete one. The clock is passed in (``now``), so the
deadline is decided by the caller's time, and tests can pin it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import User
from ..audit.services import Actor, record
from ..documents.entitlement import audience_rule, is_entitled, recipient_for
from ..errors import N_, DomainError
from ..meetings.models import AgendaItem, Meeting
from ..meetings.services import invitation_of, invitations_in_protocol_order
from ..timezones import office_time
from .models import CommentCall, CommentRevision, DraftComment

#: The longest comment kept, in characters (a few pages of text).
MAX_TEXT = 10_000
MAX_LOCATION = 200



def usual_deadline(starts_at: datetime) -> datetime:
    """The office's habit: comments are in by 17:00 on its clock two days before the
    session (the office's date, not UTC's: a session at 07:30 is 00:30 UTC)."""
    before = office_time(starts_at) - timedelta(days=2)
    return before.replace(hour=17, minute=0, second=0, microsecond=0)

class CommentError(DomainError):
    """A comment that cannot be written or a call that cannot be opened; the message says why."""


@dataclass(frozen=True)
class CommentInput:
    text: str
    location: str | None = None


def calls_of(session: Session, meeting: Meeting) -> list[CommentCall]:
    """The meeting's items open for comments, in agenda order."""
    calls = session.scalars(select(CommentCall).join(AgendaItem)
                            .where(CommentCall.meeting_id == meeting.id)
                            .order_by(AgendaItem.position))
    return list(calls)


def call_of(session: Session, meeting: Meeting, item_id: int) -> CommentCall | None:
    return session.scalar(select(CommentCall).where(CommentCall.meeting_id == meeting.id,
                                                    CommentCall.agenda_item_id == item_id))


def open_for_comments(session: Session, item: AgendaItem, deadline: datetime,
                      request: str | None, now: datetime, actor: Actor) -> CommentCall:
    """Open an item for comments until ``deadline``, or move the deadline of an open one."""
    if deadline <= now:
        raise CommentError(N_("The comment deadline must be in the future."))
    request = (request or "").strip() or None
    call = session.scalar(select(CommentCall).where(CommentCall.agenda_item_id == item.id))
    if call is None:
        call = CommentCall(meeting_id=item.meeting_id, agenda_item_id=item.id,
                           deadline=deadline, request=request, opened_by_id=actor.user_id,
                           opened_at=now)
        session.add(call)
        session.flush()
        action = "comment.call_opened"
    else:
        call.deadline, call.request = deadline, request
        session.flush()
        action = "comment.call_changed"
    record(session, action, actor, object_type="comment_call", object_id=call.id,
           meeting_id=item.meeting_id,
           details={"item": item.title, "deadline": deadline.isoformat()})
    return call


def is_open(call: CommentCall, now: datetime) -> bool:
    return now < call.deadline


def may_comment(session: Session, call: CommentCall, user: User) -> bool:
    """Invited delegates comment on an item whose papers they receive (or one without
    papers); the secretariat reads. An item whose papers go to others only (a Standing
    Committee personnel file in an Executive Committee session) stays unknown to them."""
    invitation = invitation_of(session, call.meeting, user)
    if invitation is None:
        return False
    documents = call.agenda_item.documents
    if not documents:
        return True
    recipient = recipient_for(session, invitation)
    return any(is_entitled(recipient, audience_rule(d)) for d in documents)


def calls_for(session: Session, meeting: Meeting, user: User) -> list[CommentCall]:
    """The items open for comments that this delegate may comment on, in agenda order."""
    return [call for call in calls_of(session, meeting) if may_comment(session, call, user)]


def _clean(data: CommentInput) -> tuple[str, str | None]:
    text = data.text.strip()
    location = (data.location or "").strip() or None
    if not text:
        raise CommentError(N_("Write the comment before sending it."))
    if len(text) > MAX_TEXT:
        raise CommentError(N_("A comment holds at most %(n)s characters."), n=MAX_TEXT)
    if location and len(location) > MAX_LOCATION:
        raise CommentError(N_("The page or section holds at most %(n)s characters."),
                           n=MAX_LOCATION)
    return text, location


def _check_open(call: CommentCall, now: datetime) -> None:
    if not is_open(call, now):
        raise CommentError(N_("The deadline for comments on this item has passed."))


def write_comment(session: Session, call: CommentCall, author: User, data: CommentInput,
                  now: datetime, actor: Actor) -> DraftComment:
    """A new comment of an invited delegate on an item open for comments."""
    _check_open(call, now)
    if not may_comment(session, call, author):
        raise CommentError(N_("Only invited delegates comment on the drafts."))
    text, location = _clean(data)
    comment = DraftComment(call_id=call.id, author_id=author.id, created_at=now)
    comment.revisions.append(CommentRevision(number=1, location=location, text=text,
                                             written_at=now))
    session.add(comment)
    session.flush()
    record(session, "comment.written", actor, object_type="draft_comment", object_id=comment.id,
           meeting_id=call.meeting_id,
           details={"item": call.agenda_item.title, "location": location,
                    "characters": len(text)})
    return comment


def revise_comment(session: Session, comment: DraftComment, data: CommentInput,
                   now: datetime, actor: Actor) -> CommentRevision:
    """A new wording of one's own comment, kept beside the earlier ones."""
    _check_open(comment.call, now)
    text, location = _clean(data)
    current = comment.current
    if (text, location) == (current.text, current.location):
        raise CommentError(N_("Nothing changed in the comment."))
    revision = CommentRevision(comment_id=comment.id, number=current.number + 1,
                               location=location, text=text, written_at=now)
    session.add(revision)
    session.flush()
    session.refresh(comment, ["revisions"])
    record(session, "comment.revised", actor, object_type="draft_comment", object_id=comment.id,
           meeting_id=comment.call.meeting_id,
           details={"item": comment.call.agenda_item.title, "revision": revision.number,
                    "location": location, "characters": len(text)})
    return revision


def own_comments(session: Session, call: CommentCall, user: User) -> list[DraftComment]:
    return list(session.scalars(
        select(DraftComment).where(DraftComment.call_id == call.id,
                                   DraftComment.author_id == user.id)
        .options(selectinload(DraftComment.revisions)).order_by(DraftComment.id)))


def own_comment(session: Session, meeting: Meeting, user: User,
                comment_id: int) -> DraftComment | None:
    """One of the user's own comments in this meeting; ``None`` for anyone else's."""
    return session.scalar(
        select(DraftComment).join(CommentCall)
        .where(DraftComment.id == comment_id, DraftComment.author_id == user.id,
               CommentCall.meeting_id == meeting.id))


# -- the summary (tổng hợp ý kiến) --------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    """One comment as the summary shows it: its current wording and how often it changed."""

    comment_id: int
    item_position: int
    item_title: str
    author_name: str
    author_title: str
    location: str
    text: str
    written_at: datetime
    revisions: int


@dataclass
class ItemSummary:
    call: CommentCall
    lines: list[SummaryLine] = field(default_factory=list)

    @property
    def authors(self) -> int:
        return len({line.author_name for line in self.lines})


@dataclass
class DelegateSummary:
    name: str
    title: str
    lines: list[SummaryLine] = field(default_factory=list)


@dataclass(frozen=True)
class CommentSummary:
    """Every comment of a meeting, by item (agenda order) and by delegate (protocol order)."""

    meeting: Meeting
    by_item: list[ItemSummary]
    by_delegate: list[DelegateSummary]
    #: Invited delegates who wrote nothing, in protocol order.
    silent: list[str]

    @property
    def total(self) -> int:
        return sum(len(item.lines) for item in self.by_item)


def comment_summary(session: Session, meeting: Meeting) -> CommentSummary:
    """The summary the drafting team works from: within an item, delegates in protocol
    order (the order of the invitations list), each delegate's comments in writing order."""
    invitations = invitations_in_protocol_order(session, meeting)
    rank = {inv.user_id: index for index, inv in enumerate(invitations)}
    by_item: list[ItemSummary] = []
    by_author: dict[int, list[SummaryLine]] = defaultdict(list)
    users: dict[int, User] = {}
    for call in calls_of(session, meeting):
        comments = session.scalars(
            select(DraftComment).where(DraftComment.call_id == call.id)
            .options(selectinload(DraftComment.revisions), selectinload(DraftComment.author)))
        ordered = sorted(comments, key=lambda c: (rank.get(c.author_id, len(rank)), c.id))
        summary = ItemSummary(call)
        for comment in ordered:
            current = comment.current
            line = SummaryLine(
                comment_id=comment.id, item_position=call.agenda_item.position,
                item_title=call.agenda_item.title, author_name=comment.author.full_name,
                author_title=comment.author.title or "", location=current.location or "",
                text=current.text, written_at=current.written_at,
                revisions=len(comment.revisions))
            summary.lines.append(line)
            by_author[comment.author_id].append(line)
            users[comment.author_id] = comment.author
        by_item.append(summary)
    authors = sorted(by_author, key=lambda uid: (rank.get(uid, len(rank)), uid))
    by_delegate = [DelegateSummary(users[uid].full_name, users[uid].title or "", by_author[uid])
                   for uid in authors]
    silent = [inv.user.full_name for inv in invitations if inv.user_id not in by_author]
    return CommentSummary(meeting, by_item, by_delegate, silent)
