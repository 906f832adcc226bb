"""Preparing a meeting: creating it, inviting delegates, building the agenda.

Also the one place that decides which meetings a user may see.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, Exists, bindparam, exists, func, select
from sqlalchemy.orm import Session, selectinload

from ..accounts.models import Body, Membership, Role, User
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from .models import AgendaItem, Invitation, InvitationRole, Meeting, MeetingStatus


class MeetingError(DomainError):
    """A change to a meeting that cannot be made; the message says why."""


class NotVisible(Exception):
    """The user may not see this object; views answer 404 so its existence stays hidden."""


@dataclass(frozen=True)
class MeetingDetails:
    body_id: int
    session_number: int
    title: str
    starts_at: datetime
    place: str


#: Roles that see and prepare every meeting.
STAFF_ROLES = (Role.ADMIN, Role.SECRETARIAT)


def sees_every_meeting(user: User) -> bool:
    """Staff prepare every meeting and auditors check every one; delegates see their own."""
    return user.has_role(*STAFF_ROLES, Role.AUDITOR)


def _invited(user_id: int | BindParameter[int]) -> Exists:
    return exists().where(Invitation.meeting_id == Meeting.id, Invitation.user_id == user_id)


def visible_meetings_query(user: User):  # type: ignore[no-untyped-def]
    """The meetings a user may see: all for staff and auditors, invited ones for delegates."""
    query = select(Meeting)
    if not sees_every_meeting(user):
        query = query.where(_invited(user.id))
    return query


#: ``get_visible_meeting``'s two statements, built once: it runs on every meeting page
#: and download, and building a statement cost as much as running it.
_MEETING = select(Meeting).where(Meeting.id == bindparam("meeting_id"))
_INVITED_MEETING = _MEETING.where(_invited(bindparam("user_id")))


def get_visible_meeting(session: Session, user: User, meeting_id: int) -> Meeting:
    """The meeting, if ``visible_meetings_query`` holds it for this user."""
    statement = _MEETING if sees_every_meeting(user) else _INVITED_MEETING
    meeting = session.scalar(statement, {"meeting_id": meeting_id, "user_id": user.id})
    if meeting is None:
        raise NotVisible
    return meeting


def invitation_of(session: Session, meeting: Meeting, user: User) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.user_id == user.id)
    )


def create_meeting(session: Session, details: MeetingDetails, actor: Actor) -> Meeting:
    """Create a draft meeting and invite every member of its body."""
    body = session.get(Body, details.body_id)
    if body is None:
        raise MeetingError(N_("Unknown body."))
    meeting = Meeting(
        body_id=body.id,
        session_number=details.session_number,
        title=details.title.strip(),
        starts_at=details.starts_at,
        place=details.place.strip(),
        status=MeetingStatus.DRAFT.value,
        created_by_id=actor.user_id,
    )
    session.add(meeting)
    session.flush()
    member_ids = session.scalars(select(Membership.user_id).where(Membership.body_id == body.id))
    for user_id in member_ids:
        session.add(Invitation(meeting_id=meeting.id, user_id=user_id, role="member"))
    session.flush()
    record(session, "meeting.created", actor, object_type="meeting", object_id=meeting.id,
           meeting_id=meeting.id, details={"title": meeting.title, "body": body.code})
    return meeting


def update_meeting(session: Session, meeting: Meeting, details: MeetingDetails,
                   actor: Actor) -> None:
    meeting.session_number = details.session_number
    meeting.title = details.title.strip()
    meeting.starts_at = details.starts_at
    meeting.place = details.place.strip()
    record(session, "meeting.updated", actor, object_type="meeting", object_id=meeting.id,
           meeting_id=meeting.id)


def publish_agenda(session: Session, meeting: Meeting, published: bool, actor: Actor) -> None:
    """Show (or hide again) the agenda's titles to invited delegates before the papers
    are issued; each delegate still sees only the items they will receive papers for."""
    if meeting.agenda_published == published:
        return
    meeting.agenda_published = published
    record(session, "meeting.agenda_published" if published else "meeting.agenda_withdrawn",
           actor, object_type="meeting", object_id=meeting.id, meeting_id=meeting.id)


def invite(session: Session, meeting: Meeting, user: User, role: InvitationRole,
           actor: Actor) -> Invitation:
    if invitation_of(session, meeting, user) is not None:
        raise MeetingError(N_("%(name)s is already invited."), name=user.full_name)
    if not user.has_role(Role.DELEGATE):
        raise MeetingError(N_("Only delegate accounts can be invited."))
    invitation = Invitation(meeting_id=meeting.id, user_id=user.id, role=role.value)
    session.add(invitation)
    session.flush()
    record(session, "meeting.invited", actor, object_type="invitation", object_id=invitation.id,
           meeting_id=meeting.id, details={"user": user.username, "role": role.value})
    return invitation


@dataclass(frozen=True)
class InvitationStake:
    """What a delegate holds of the meeting, shown before their invitation is removed."""

    #: Current copies issued to them (not recalled, not superseded), packets aside.
    copies: int
    #: Paper copies handed to them and not returned.
    paper_out: int
    #: A digest of the invitation and those copies: a confirmation is refused if they changed.
    fingerprint: str


def invitation_stake(session: Session, invitation: Invitation) -> InvitationStake:
    from ..issuance.models import CopyKind, IssuedCopy  # issuance builds on meetings

    copies = list(session.scalars(select(IssuedCopy).where(
        IssuedCopy.meeting_id == invitation.meeting_id,
        IssuedCopy.user_id == invitation.user_id, IssuedCopy.kind == CopyKind.ITEM.value,
        IssuedCopy.recalled_at.is_(None), IssuedCopy.superseded_at.is_(None))
        .order_by(IssuedCopy.id)))
    paper_out = sum(1 for c in copies if c.handed_over_at is not None and c.returned_at is None)
    state = (invitation.id, invitation.role, [c.id for c in copies], paper_out)
    return InvitationStake(len(copies), paper_out,
                           hashlib.sha256(repr(state).encode()).hexdigest()[:16])


class StaleStake(MeetingError):
    """A removal confirmed against what the delegate held earlier: they hold something else
    now (papers were issued or recalled meanwhile), so nobody is removed."""

    def __init__(self) -> None:
        super().__init__(N_("What this delegate holds changed since this page was shown. "
                            "Nobody was removed; check and confirm again."))


def uninvite(session: Session, invitation: Invitation, actor: Actor, confirmed: str) -> None:
    """Remove an invitation, confirmed with the fingerprint of its stake as shown."""
    if invitation_stake(session, invitation).fingerprint != confirmed:
        raise StaleStake
    record(session, "meeting.uninvited", actor, object_type="invitation",
           object_id=invitation.id, meeting_id=invitation.meeting_id,
           details={"user": invitation.user.username, "role": invitation.role})
    session.delete(invitation)
    session.flush()


def add_agenda_item(session: Session, meeting: Meeting, title: str, presenter: str | None,
                    actor: Actor) -> AgendaItem:
    if not title.strip():
        raise MeetingError(N_("An agenda item needs a title."), field="title")
    last = session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, title=title.strip(),
                      presenter=(presenter or "").strip() or None)
    session.add(item)
    session.flush()
    record(session, "agenda.item_added", actor, object_type="agenda_item", object_id=item.id,
           meeting_id=meeting.id, details={"title": item.title})
    return item


def update_agenda_item(session: Session, item: AgendaItem, title: str, presenter: str | None,
                       actor: Actor) -> None:
    if not title.strip():
        raise MeetingError(N_("An agenda item needs a title."), field="title")
    item.title = title.strip()
    item.presenter = (presenter or "").strip() or None
    record(session, "agenda.item_updated", actor, object_type="agenda_item", object_id=item.id,
           meeting_id=item.meeting_id)


def move_agenda_item(session: Session, item: AgendaItem, offset: int, actor: Actor) -> None:
    """Move an item up (negative) or down (positive) the agenda, keeping positions dense."""
    items = list(session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == item.meeting_id)
        .order_by(AgendaItem.position)
    ))
    old = items.index(item)
    new = max(0, min(len(items) - 1, old + offset))
    items.insert(new, items.pop(old))
    for position, each in enumerate(items, start=1):
        each.position = position
    session.flush()
    record(session, "agenda.reordered", actor, object_type="agenda_item", object_id=item.id,
           meeting_id=item.meeting_id, details={"from": old + 1, "to": new + 1})


def remove_agenda_item(session: Session, item: AgendaItem, actor: Actor) -> None:
    if item.documents:
        raise MeetingError(N_("Delete the item's documents first: a document nothing was "
                              "issued from has a Delete button on its page."))
    meeting_id = item.meeting_id
    record(session, "agenda.item_removed", actor, object_type="agenda_item", object_id=item.id,
           meeting_id=meeting_id, details={"title": item.title})
    session.delete(item)
    session.flush()
    remaining = session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    )
    for position, each in enumerate(remaining, start=1):
        each.position = position
    session.flush()


def guest_candidates(session: Session, meeting: Meeting) -> list[User]:
    """Delegate accounts not yet invited, for the add-guest list."""
    invited = select(Invitation.user_id).where(Invitation.meeting_id == meeting.id)
    return list(session.scalars(
        select(User).where(User.role == Role.DELEGATE.value, User.active.is_(True),
                           User.id.not_in(invited)).order_by(User.full_name)
    ))


def invitations_in_protocol_order(session: Session, meeting: Meeting) -> list[Invitation]:
    """Members in the body's order (the Secretary first), then guests; ties by name."""
    rank = dict(session.execute(
        select(Membership.user_id, Membership.rank).where(Membership.body_id == meeting.body_id)
    ).all())
    invitations = list(session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id)
        .options(selectinload(Invitation.user))))
    return sorted(invitations, key=lambda i: (i.is_guest, rank.get(i.user_id, 10_000),
                                              i.user.full_name, i.user_id))


def agenda_seen(meeting: Meeting, held_items: set[int | None],
                entitled_items: set[int | None] | None) -> list[AgendaItem]:
    """The agenda items a delegate sees, in order: those holding papers issued to them
    (``held_items``) and, once the secretariat publishes the agenda, items without papers
    or with papers they will get (``entitled_items``, ``None`` while unpublished).
    Nothing shows that an item exists for others only. The meeting page numbers these
    from 1, and so does the delegate's packet."""
    shown = set(held_items)
    if entitled_items is not None:
        shown |= entitled_items
        shown |= {item.id for item in meeting.agenda_items if not item.documents}
    return [item for item in meeting.agenda_items if item.id in shown]
