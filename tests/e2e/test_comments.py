"""Comments on a draft in a real browser: a delegate writes one on a phone, revises it, and
the secretariat finds it in the summary at desktop width."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meetingsvc.accounts.models import Role
from meetingsvc.comments.services import open_for_comments
from meetingsvc.meetings.services import add_agenda_item
from meetingsvc.models_common import utcnow
from tests.conftest import unavailable
from tests.e2e.test_accessibility import AXE, _axe
from tests.e2e.test_portal import DESKTOP, PHONE, sign_in
from tests.issuance.conftest import ACTOR

pytestmark = pytest.mark.browser


@pytest.fixture
def open_draft(session, prepared):
    item = add_agenda_item(session, prepared.meeting,
                           "Dự thảo Nghị quyết về chuyển đổi số tỉnh đến năm 2030", None, ACTOR)
    open_for_comments(session, item, utcnow() + timedelta(days=3),
                      "Đề nghị góp ý vào các nhiệm vụ và giải pháp (Phần III)", utcnow(), ACTOR)
    session.commit()
    return item


def test_a_delegate_comments_on_a_phone_and_the_secretariat_reads_it(
        live_server, artifacts, make_user, prepared, open_draft, browser):
    meeting = prepared.meeting
    delegate = prepared.members[2]
    phone = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    sign_in(phone, live_server, delegate.username)
    phone.goto(f"{live_server}/meetings/{meeting.id}")
    phone.get_by_role("link", name=open_draft.title).click()
    phone.fill("input[name=location]", "Phần III, mục 2")
    phone.fill("textarea[name=text]",
                "Đề nghị bổ sung chỉ tiêu tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến "
                "toàn trình đạt 80% vào năm 2030.")
    phone.screenshot(path=artifacts / "comments-phone-write.png", full_page=True)
    phone.get_by_role("button", name="Gửi ý kiến").click()
    phone.get_by_text("Đã gửi ý kiến đến Văn phòng.").wait_for()
    phone.get_by_role("link", name="Sửa ý kiến").click()
    phone.fill("textarea[name=text]", "Đề nghị bổ sung chỉ tiêu: 80% hồ sơ xử lý trực tuyến "
                                      "toàn trình vào năm 2030.")
    phone.get_by_role("button", name="Lưu ý kiến đã sửa").click()
    phone.get_by_text("Đã sửa ý kiến; lần viết trước vẫn được lưu.").wait_for()
    phone.get_by_text("Các lần viết trước (1)").click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=artifacts / "comments-phone-mine.png", full_page=True)

    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    sign_in(desk, live_server, make_user(Role.SECRETARIAT).username)
    desk.goto(f"{live_server}/meetings/{meeting.id}")
    desk.get_by_role("link", name="Góp ý dự thảo").first.click()
    desk.get_by_role("link", name="Tổng hợp ý kiến (1)").click()
    line = desk.locator("#by-item .comment")
    assert line.count() == 1
    text = line.inner_text()
    assert "80% hồ sơ xử lý trực tuyến toàn trình" in text and delegate.full_name in text
    assert "đã sửa 1 lần" in text and "Phần III, mục 2" in text
    desk.screenshot(path=artifacts / "comments-summary-desktop.png", full_page=True)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Tệp Word (DOCX)").click()
    assert download.value.suggested_filename.endswith(".docx")


def test_axe_finds_nothing_serious_on_the_comment_pages(live_server, make_user, prepared,
                                                        open_draft, browser):
    if not AXE.exists():
        unavailable(f"axe-core is not installed at {AXE} (make test runs npm ci)")
    meeting = prepared.meeting.id
    pages = {
        prepared.members[0].username: [f"/meetings/{meeting}/comments/",
                                       f"/meetings/{meeting}/comments/items/{open_draft.id}"],
        make_user(Role.SECRETARIAT).username: [
            f"/meetings/{meeting}/comments/", f"/meetings/{meeting}/comments/summary",
            f"/meetings/{meeting}/records/new"],
    }
    findings = {}
    for username, paths in pages.items():
        context = browser.new_context(viewport=PHONE, locale="vi-VN", bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, username)
        for path in paths:
            page.goto(f"{live_server}{path}")
            if found := _axe(page):
                findings[f"{username} {path}"] = found
        context.close()
    assert findings == {}
