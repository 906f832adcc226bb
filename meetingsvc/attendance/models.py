"""Who will attend a session, who was there, and the reminders to answer.

A delegate's answers are only ever added: the current answer is the latest row
for the meeting and the delegate, the earlier ones are its history.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ..mail import OutgoingMail
from ..models_common import UTCDateTime, one_of, utcnow


class AttendanceChoice(enum.StrEnum):
    ATTENDING = "attending"
    ABSENT = "absent"


class AttendanceAnswer(Base):
    """One answer of an invited delegate: attending, or absent with a reason (and a stand-in)."""

    __tablename__ = "attendance_answer"
    __table_args__ = (
        CheckConstraint(one_of("choice", AttendanceChoice), name="choice_known"),
        CheckConstraint("choice = 'attending' OR reason IS NOT NULL", name="absence_has_reason"),
        Index("ix_attendance_answer_meeting_user", "meeting_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    #: The invited delegate who answers (for themselves only).
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    choice: Mapped[str] = mapped_column(String(20))
    #: Why the delegate will be absent; required for an absence.
    reason: Mapped[str | None] = mapped_column(Text)
    #: Who attends in the delegate's place, when the body's rules allow it.
    stand_in_name: Mapped[str | None] = mapped_column(String(200))
    stand_in_position: Mapped[str | None] = mapped_column(String(200))
    #: The stand-in's account, when they have one.
    stand_in_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def absent(self) -> bool:
        return self.choice == AttendanceChoice.ABSENT.value


class Presence(Base):
    """Whether an invited delegate was in the room, as the secretariat recorded it on the day."""

    __tablename__ = "attendance_presence"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    present: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class AttendanceReminder(OutgoingMail, Base):
    """An e-mail asking a delegate who has not answered whether they will attend.

    Written with its message and audit entry before it is mailed (``meetingsvc.mail``).
    """

    __tablename__ = "attendance_reminder"
    __table_args__ = (Index("ix_attendance_reminder_meeting", "meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
