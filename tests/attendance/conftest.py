"""A Standing Committee of three members, its session in a week, and a clock to move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

import meetingsvc.models  # noqa: F401 - every table, for the PostgreSQL schema made up front
from meetingsvc.accounts.models import Body, Role, User
from meetingsvc.meetings.models import Meeting


@dataclass
class Session_:
    body: Body
    meeting: Meeting
    members: list[User]
    secretary: User


@pytest.fixture
def committee(session, make_user, make_body, make_meeting) -> Session_:
    members = [make_user(full_name=name) for name in
               ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường")]
    body = make_body("btv", "Ban Thường vụ Tỉnh ủy", members=members)
    meeting = make_meeting(body, title="Hội nghị Ban Thường vụ lần thứ 40", number=40)
    return Session_(body, meeting, members, make_user(Role.SECRETARIAT))


class Clock:
    """What ``utcnow`` returns to the attendance pages; ``None`` for the real time."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        from meetingsvc.models_common import utcnow

        return self.now or utcnow()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("meetingsvc.attendance.views.utcnow", clock)
    return clock
