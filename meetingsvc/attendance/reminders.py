"""Asking by e-mail the invited delegates who have not answered whether they will attend.

As all the office's mail (:mod:`meetingsvc.mail`): ``plan_attendance_reminders``
writes each message with its audit entry, the caller commits, ``deliver_attendance_reminders``
then mails them. One batch per request of the secretariat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..mail import DeliveryOutcome, Outbox, compose, deliver, undelivered
from ..meetings.models import Meeting
from .models import AttendanceReminder
from .services import AttendanceList

__all__ = ["AttendanceReminderPlan", "deliver_attendance_reminders",
           "plan_attendance_reminders", "waiting_reminders"]


@dataclass(frozen=True)
class AttendanceReminderPlan:
    planned: int
    without_email: int


def plan_attendance_reminders(session: Session, attendance: AttendanceList, base_url: str,
                              sender: str, office_name: str, actor: Actor,
                              now: datetime) -> AttendanceReminderPlan:
    """A reminder for every invited delegate without an answer who has an e-mail address."""
    meeting = attendance.meeting
    planned = without_email = 0
    for row in attendance.rows:
        if row.answer is not None:
            continue
        if not row.user.email:
            without_email += 1
            continue
        message = attendance_message(meeting, row.user.full_name, row.user.email, base_url,
                                     sender, office_name)
        session.add(AttendanceReminder(
            meeting_id=meeting.id, user_id=row.user.id, sent_at=now, sent_by_id=actor.user_id,
            message=message.as_string(), message_id=message["Message-ID"]))
        record(session, "attendance.reminded", actor, object_type="user", object_id=row.user.id,
               meeting_id=meeting.id,
               details={"user": row.user.username, "message_id": message["Message-ID"]})
        planned += 1
    session.flush()
    return AttendanceReminderPlan(planned, without_email)


def waiting_reminders(session: Session, meeting_id: int, now: datetime) -> list[int]:
    return undelivered(session, AttendanceReminder, now,
                       AttendanceReminder.meeting_id == meeting_id)


def deliver_attendance_reminders(session: Session, ids: list[int], outbox: Outbox,
                                 now: datetime) -> DeliveryOutcome:
    return deliver(session, AttendanceReminder, ids, outbox, now)


def attendance_message(meeting: Meeting, name: str, to: str, base_url: str, sender: str,
                       office_name: str) -> EmailMessage:
    """Vietnamese first, English second; the meeting's date, never its papers."""
    link = f"{base_url.rstrip('/')}/meetings/{meeting.id}#attendance"
    return compose(
        sender, to, f"Đề nghị xác nhận tham dự {meeting.title} / Please confirm attendance",
        f"Kính gửi đồng chí {name},\n\n"
        f"Văn phòng chưa nhận được xác nhận tham dự {meeting.title} của đồng chí.\n"
        f"Đề nghị đồng chí xác nhận tham dự hoặc báo vắng (nêu lý do) tại: {link}\n\n"
        f"{office_name}\n\n---\n\n"
        f"Dear {name},\n\n"
        f"We have not yet received your answer for {meeting.title}.\n"
        f"Please confirm your attendance or tell us you will be absent (with the reason) "
        f"at: {link}\n")
