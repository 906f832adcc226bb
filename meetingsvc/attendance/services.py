"""Answering an invitation, the secretariat's list, and presence on the day.

Every answer is a new row (the latest is the current one) and an audit entry;
an answer can be given or changed until the session starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Membership, Role, User
from ..audit.services import Actor, record
from ..errors import N_, DomainError
from ..meetings.models import Invitation, Meeting
from ..meetings.services import invitations_in_protocol_order
from .models import AttendanceAnswer, AttendanceChoice, Presence

__all__ = ["AnswerDetails", "AttendanceError", "AttendanceList", "AttendanceRow",
           "answer_history", "current_answer", "give_answer", "attendance_list",
           "may_answer", "may_record_presence", "record_presence", "stand_in_candidates"]

log = logging.getLogger(__name__)

#: Longest reason kept; the form says so before it is reached.
REASON_MAX = 1000


class AttendanceError(DomainError):
    """An answer or a presence record that cannot be taken; the message says why."""


@dataclass(frozen=True)
class AnswerDetails:
    choice: AttendanceChoice
    reason: str = ""
    stand_in_name: str = ""
    stand_in_position: str = ""
    stand_in_user_id: int | None = None


def may_answer(meeting: Meeting, now: datetime) -> bool:
    """Answers are taken, and changed, until the session starts."""
    return now < meeting.starts_at


def may_record_presence(meeting: Meeting, now: datetime, zone: tzinfo) -> bool:
    """Presence is recorded from the session's day on (the office's calendar)."""
    return now.astimezone(zone).date() >= meeting.starts_at.astimezone(zone).date()


def current_answer(session: Session, meeting_id: int, user_id: int) -> AttendanceAnswer | None:
    return session.scalar(
        select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting_id,
                                       AttendanceAnswer.user_id == user_id)
        .order_by(AttendanceAnswer.id.desc()).limit(1))


def answer_history(session: Session, meeting_id: int, user_id: int) -> list[AttendanceAnswer]:
    """Every answer the delegate gave, newest first."""
    return list(session.scalars(
        select(AttendanceAnswer).where(AttendanceAnswer.meeting_id == meeting_id,
                                       AttendanceAnswer.user_id == user_id)
        .order_by(AttendanceAnswer.id.desc())))


def stand_in_candidates(session: Session, invitation: Invitation) -> list[User]:
    """Accounts a delegate may name to attend in their place: other active delegates."""
    return list(session.scalars(
        select(User).where(User.role == Role.DELEGATE.value, User.active.is_(True),
                           User.id != invitation.user_id).order_by(User.full_name)))


def _may_stand_in(user: User, invitation: Invitation) -> bool:
    """The rule of ``stand_in_candidates``, for one account named by id."""
    return user.role == Role.DELEGATE.value and user.active and user.id != invitation.user_id


def give_answer(session: Session, invitation: Invitation, details: AnswerDetails,
                actor: Actor, now: datetime) -> AttendanceAnswer:
    """Add the delegate's answer (the new current one) and audit it."""
    meeting = invitation.meeting
    if not may_answer(meeting, now):
        raise AttendanceError(N_("The session has started: the answer can no longer be "
                                 "changed. Please tell the secretariat."))
    reason = details.reason.strip()
    name, position = details.stand_in_name.strip(), details.stand_in_position.strip()
    stand_in_user_id = details.stand_in_user_id
    if details.choice is AttendanceChoice.ATTENDING:
        reason, name, position, stand_in_user_id = "", "", "", None
    else:
        if not reason:
            raise AttendanceError(N_("Please give the reason for the absence."), field="reason")
        if len(reason) > REASON_MAX:
            raise AttendanceError(N_("The reason is too long (at most %(n)s characters)."),
                                  field="reason", n=REASON_MAX)
        if (name or position or stand_in_user_id) and not meeting.body.allows_stand_in:
            raise AttendanceError(N_("This body's rules do not allow a stand-in."),
                                  field="stand_in_user_id" if stand_in_user_id
                                  else "stand_in_name")
        if stand_in_user_id is not None:
            stand_in = session.get(User, stand_in_user_id)
            if stand_in is None or not _may_stand_in(stand_in, invitation):
                raise AttendanceError(N_("The chosen stand-in's account is not available."),
                                      field="stand_in_user_id")
            name = name or stand_in.full_name
            position = position or (stand_in.title or "")
        if position and not name:
            raise AttendanceError(N_("Please give the stand-in's name."), field="stand_in_name")
    current = current_answer(session, meeting.id, invitation.user_id)
    same = (details.choice.value, reason or None, name[:200] or None, position[:200] or None,
            stand_in_user_id)
    if current is not None and same == (current.choice, current.reason, current.stand_in_name,
                                        current.stand_in_position, current.stand_in_user_id):
        return current  # the same answer sent again (a double click): nothing new to keep
    answer = AttendanceAnswer(
        meeting_id=meeting.id, user_id=invitation.user_id, choice=details.choice.value,
        reason=reason or None, stand_in_name=name[:200] or None,
        stand_in_position=position[:200] or None, stand_in_user_id=stand_in_user_id,
        answered_at=now)
    session.add(answer)
    session.flush()
    record(session, "attendance.answered", actor, object_type="attendance_answer",
           object_id=answer.id, meeting_id=meeting.id,
           details={"user": invitation.user.username, "choice": answer.choice,
                    "reason": answer.reason, "stand_in": answer.stand_in_name,
                    "stand_in_position": answer.stand_in_position,
                    "stand_in_user_id": stand_in_user_id})
    log.info("attendance of %s for meeting %s: %s", invitation.user.username, meeting.id,
             answer.choice)
    return answer


@dataclass(frozen=True)
class AttendanceRow:
    number: int
    invitation: Invitation
    user: User
    #: The delegate's position in the body, else their title.
    position: str
    answer: AttendanceAnswer | None
    #: ``None`` while presence is not recorded.
    present: bool | None


@dataclass(frozen=True)
class AttendanceList:
    meeting: Meeting
    rows: list[AttendanceRow]

    @property
    def attending(self) -> int:
        return sum(1 for r in self.rows if r.answer and not r.answer.absent)

    @property
    def absent(self) -> int:
        return sum(1 for r in self.rows if r.answer and r.answer.absent)

    @property
    def unanswered(self) -> int:
        return sum(1 for r in self.rows if r.answer is None)

    @property
    def present(self) -> int:
        return sum(1 for r in self.rows if r.present)

    @property
    def presence_recorded(self) -> bool:
        return any(r.present is not None for r in self.rows)


def attendance_list(session: Session, meeting: Meeting) -> AttendanceList:
    """Every invited delegate in protocol order with their current answer and presence."""
    invitations = invitations_in_protocol_order(session, meeting)
    answers: dict[int, AttendanceAnswer] = {}
    for answer in session.scalars(select(AttendanceAnswer).where(
            AttendanceAnswer.meeting_id == meeting.id).order_by(AttendanceAnswer.id)):
        answers[answer.user_id] = answer  # the latest wins
    presence: dict[int, bool] = {user_id: present for user_id, present in session.execute(
        select(Presence.user_id, Presence.present).where(Presence.meeting_id == meeting.id))}
    positions: dict[int, str] = {user_id: position for user_id, position in session.execute(
        select(Membership.user_id, Membership.position).where(
            Membership.body_id == meeting.body_id))}
    rows = [AttendanceRow(number, invitation, invitation.user,
                          positions.get(invitation.user_id) or invitation.user.title or "",
                          answers.get(invitation.user_id), presence.get(invitation.user_id))
            for number, invitation in enumerate(invitations, start=1)]
    return AttendanceList(meeting, rows)


def record_presence(session: Session, meeting: Meeting, present_user_ids: set[int],
                    actor: Actor, now: datetime, zone: tzinfo) -> int:
    """Record who is in the room: the ticked invited delegates present, the others not.

    Returns how many are present. Ids of people not invited are refused.
    """
    if not may_record_presence(meeting, now, zone):
        raise AttendanceError(N_("Presence is recorded from the day of the session on."))
    invited = {i.user_id for i in meeting.invitations}
    if not present_user_ids <= invited:
        raise AttendanceError(N_("Someone ticked is not invited to this meeting."))
    existing = {p.user_id: p for p in session.scalars(
        select(Presence).where(Presence.meeting_id == meeting.id))}
    changed = []
    for user_id in sorted(invited):
        present = user_id in present_user_ids
        row = existing.get(user_id)
        if row is None:
            session.add(Presence(meeting_id=meeting.id, user_id=user_id, present=present,
                                 recorded_at=now, recorded_by_id=actor.user_id))
            changed.append(user_id)
        elif row.present != present:
            row.present, row.recorded_at, row.recorded_by_id = present, now, actor.user_id
            changed.append(user_id)
    session.flush()
    record(session, "attendance.presence_recorded", actor, object_type="meeting",
           object_id=meeting.id, meeting_id=meeting.id,
           details={"present": sorted(present_user_ids), "invited": len(invited),
                    "changed": changed})
    return len(present_user_ids)
