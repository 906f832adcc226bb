"""Reminding members who have not answered every question of an open consultation.

As all the office's mail (``meetingsvc.mail``): each reminder is written with its
message and its audit row, the caller commits, then ``deliver`` mails them.
The mail names the subject and the deadline, not the drafts' content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..audit.services import Actor, record
from ..mail import DeliveryOutcome, Outbox, compose, deliver, undelivered
from ..timezones import office_time
from .models import Consultation, ConsultationReminder
from .services import current_answers, members


@dataclass(frozen=True)
class ConsultationReminderRequest:
    min_interval: timedelta
    base_url: str
    sender: str
    zone: ZoneInfo


@dataclass(frozen=True)
class ReminderPlan:
    planned: int
    recently_reminded: int
    without_email: int


def waiting_members(session: Session, consultation: Consultation) -> list[User]:
    """Members who have not answered every question yet."""
    answered = current_answers(session, consultation)
    questions = [q.id for q in consultation.questions]
    return [u for u in members(session, consultation)
            if any((q, u.id) not in answered for q in questions)]


def plan_reminders(session: Session, consultation: Consultation,
                   request: ConsultationReminderRequest, actor: Actor,
                   now: datetime) -> ReminderPlan:
    waiting = waiting_members(session, consultation)
    recent = set(session.scalars(select(ConsultationReminder.user_id).where(
        ConsultationReminder.consultation_id == consultation.id,
        ConsultationReminder.sent_at > now - request.min_interval)))
    planned = without_email = 0
    for user in waiting:
        if user.id in recent:
            continue
        if not user.email:
            without_email += 1
            continue
        message = reminder_message(consultation, user, request)
        session.add(ConsultationReminder(
            consultation_id=consultation.id, user_id=user.id, sent_at=now,
            sent_by_id=actor.user_id, message=message.as_string(),
            message_id=message["Message-ID"]))
        record(session, "consultation.reminded", actor, object_type="user", object_id=user.id,
               meeting_id=consultation.meeting_id,
               details={"consultation_id": consultation.id, "user": user.username,
                        "message_id": message["Message-ID"]})
        planned += 1
    session.flush()
    return ReminderPlan(planned, len(recent & {u.id for u in waiting}), without_email)


def deliver_reminders(session: Session, consultation: Consultation, outbox: Outbox,
                      now: datetime) -> DeliveryOutcome:
    ids = undelivered(session, ConsultationReminder, now,
                      ConsultationReminder.consultation_id == consultation.id)
    return deliver(session, ConsultationReminder, ids, outbox, now)


def reminder_message(consultation: Consultation, user: User,
                     request: ConsultationReminderRequest) -> EmailMessage:
    """Vietnamese first, English second, like the interface."""
    deadline = office_time(consultation.deadline, request.zone)
    link = f"{request.base_url.rstrip('/')}/consultations/{consultation.id}"
    return compose(
        request.sender, user.email or "",
        "Nhắc trả lời phiếu xin ý kiến / Reminder: written consultation",
        f"Kính gửi đồng chí {user.full_name},\n\n"
        f"Văn phòng đề nghị đồng chí cho ý kiến về: {consultation.subject}.\n"
        f"Hạn trả lời: {deadline:%H:%M ngày %d/%m/%Y}.\n"
        f"Xem dự thảo và trả lời tại: {link}\n\n"
        "Văn phòng Tỉnh ủy\n\n---\n\n"
        f"Dear {user.full_name},\n\n"
        f"Your answer is requested on: {consultation.subject}.\n"
        f"Deadline: {deadline:%Y-%m-%d %H:%M}.\n"
        f"Read the drafts and answer at: {link}\n")
