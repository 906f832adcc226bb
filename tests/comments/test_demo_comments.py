"""The demo's draft open for comments: two members' comments, the deadline at 17:00 two days
before the Executive Committee's session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from meetingsvc.audit.services import Actor
from meetingsvc.comments.models import CommentCall
from meetingsvc.comments.services import comment_summary
from meetingsvc.demo.comments import seed_comments
from meetingsvc.meetings.services import add_agenda_item
from meetingsvc.timezones import office_time


# 07:30 on the office's clock, and 00:06 (the office's date a day ahead of UTC's).
@pytest.mark.parametrize("starts_at", [datetime(2026, 12, 4, 0, 30, tzinfo=UTC),
                                       datetime(2026, 12, 4, 17, 6, tzinfo=UTC)])
def test_the_demo_opens_the_draft_resolution_with_two_comments(app, session, make_user,
                                                               make_body, make_meeting,
                                                               starts_at):
    members = [make_user(username=name, full_name=full) for name, full in (
        ("tranthithuhang", "Trần Thị Thu Hằng"), ("lyminhhoang", "Lý Minh Hoàng"))]
    meeting = make_meeting(make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", members))
    meeting.starts_at = starts_at
    actor = Actor(username="seed-demo")
    add_agenda_item(session, meeting, "Khai mạc", None, actor)
    add_agenda_item(session, meeting, "Thảo luận, cho ý kiến Dự thảo Nghị quyết về chuyển đổi "
                                      "số", None, actor)
    seed_comments(session, actor)
    session.commit()
    call = session.scalar(select(CommentCall))
    assert call.agenda_item.position == 2
    deadline = office_time(call.deadline)
    assert (deadline.hour, deadline.minute) == (17, 0)
    assert (office_time(meeting.starts_at).date() - deadline.date()).days == 2
    summary = comment_summary(session, meeting)
    assert [line.author_name for line in summary.by_item[0].lines] == [
        "Trần Thị Thu Hằng", "Lý Minh Hoàng"]
