"""Attendance in a real browser: a Standing Committee member finds the form on the meeting
page, answers absent with a reason at desktop and phone size, and the secretariat's list
shows it."""

from __future__ import annotations

import pytest

from meetingsvc.accounts.models import Role
from tests.e2e.test_portal import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def standing_session(make_user, make_body, make_meeting):
    members = [make_user(full_name=name) for name in
               ("Hoàng Văn Khải", "Nguyễn Thị Lan", "Trần Quốc Việt")]
    body = make_body("btv", "Ban Thường vụ Tỉnh ủy", members=members)
    meeting = make_meeting(body, title="Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45", number=45)
    return meeting, members


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_member_answers_absent_with_a_reason(live_server, artifacts, make_user,
                                               standing_session, browser, size):
    meeting, members = standing_session
    viewport = DESKTOP if size == "desktop" else PHONE
    page = browser.new_context(viewport=viewport, locale="vi-VN").new_page()
    sign_in(page, live_server, members[0].username)
    page.goto(f"{live_server}/meetings/{meeting.id}")
    card = page.locator("#attendance")
    card.get_by_text("Đề nghị đồng chí xác nhận tham dự hoặc báo vắng.").wait_for()

    card.get_by_role("radio", name="Vắng mặt").check()
    card.get_by_role("button", name="Gửi trả lời").click()  # no reason yet
    page.get_by_text("Đề nghị nêu lý do vắng mặt.").first.wait_for()
    page.screenshot(path=artifacts / f"attendance-{size}-reason-required.png", full_page=True)

    page.get_by_role("radio", name="Vắng mặt").check()
    page.get_by_label("Lý do vắng mặt").fill("Đi công tác tại Trung ương theo giấy triệu tập.")
    page.get_by_role("button", name="Gửi trả lời").click()
    page.get_by_text("Đã ghi nhận trả lời của đồng chí: Vắng mặt.").wait_for()
    card = page.locator("#attendance")
    assert "Đi công tác tại Trung ương" in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=artifacts / f"attendance-{size}-answered.png", full_page=True)

    staff = browser.new_context(viewport=viewport, locale="vi-VN").new_page()
    sign_in(staff, live_server, make_user(Role.SECRETARIAT).username)
    staff.goto(f"{live_server}/meetings/{meeting.id}")
    staff.get_by_role("link", name="Tham dự hội nghị").click()
    row = staff.locator(f'tr[data-user="{members[0].id}"]')
    assert "Vắng mặt" in row.inner_text()
    assert staff.locator('[data-count="unanswered"]').inner_text() == "2"
    assert staff.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    staff.screenshot(path=artifacts / f"attendance-{size}-list.png", full_page=True)
