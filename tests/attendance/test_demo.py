"""The demo has answers already given, and leaves its demo logins to answer for themselves."""

from __future__ import annotations

from sqlalchemy import select

from meetingsvc.accounts.models import Body, User
from meetingsvc.attendance.models import AttendanceAnswer
from meetingsvc.meetings.models import Meeting


def test_the_demo_sessions_have_some_answers_and_one_absence_with_a_reason(runner, session):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    standing = session.scalar(select(Meeting).join(Body).where(Body.code == "btv"))
    answers = session.scalars(select(AttendanceAnswer).where(
        AttendanceAnswer.meeting_id == standing.id)).all()
    assert sorted(a.choice for a in answers) == ["absent", "attending", "attending",
                                                "attending"]
    assert all(a.reason for a in answers if a.choice == "absent")
    login = session.scalar(select(User).where(User.username == "hoangvankhai"))
    assert login.id not in {a.user_id for a in answers}
    assert session.scalar(select(Body.allows_stand_in).where(Body.code == "bch"))
