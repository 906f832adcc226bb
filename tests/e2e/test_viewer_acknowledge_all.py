"""From the meeting page: a title opens the viewer or says where the paper copy is, and
"Ký nhận toàn bộ" asks first, listing the papers never opened, at desktop and phone size."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_portal import sign_in, watch_console
from tests.e2e.test_viewer_tools import open_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_titles_lead_to_the_copy_and_acknowledge_all_asks_first(
        live_server, artifacts, session, prepared, issued, browser, size):
    delegate = prepared.standing[0]  # two unmarked, one MẬT, one TỐI MẬT on paper
    docs = prepared.documents
    meeting_url = f"{live_server}/meetings/{prepared.meeting.id}"
    context = open_context(browser, size)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server, delegate.username)
    page.goto(meeting_url)
    expect(page.get_by_text("sẽ có khi Văn phòng phát hành")).to_have_count(0)
    page.screenshot(path=artifacts / f"portal-meeting-holdings-{size}.png", full_page=True)

    # The report's title opens the viewer; the paper copy's title says where the copy is.
    page.locator(f"[data-document='{docs['report'].id}'] a.doc-title").click()
    page.locator("#viewer[data-ready=true]").wait_for()
    page.go_back()
    page.locator(f"[data-document='{docs['btv_only'].id}'] a.doc-title").click()
    expect(page.locator("#my-copy")).to_have_attribute("data-holding", "paper_waiting")
    expect(page.locator("#my-copy")).to_contain_text(re.compile(r"Bản giấy số 0\d/0\d"))
    page.screenshot(path=artifacts / f"document-paper-copy-{size}.png", full_page=True)

    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile("Ký nhận toàn bộ tài liệu")).click()
    rows = page.locator("[data-field=pending] li")
    expect(rows).to_have_count(3)
    # The report was opened a moment ago; the programme and the MẬT item never were.
    expect(page.locator("li[data-opened=false]")).to_have_count(2)
    expect(page.locator("[data-field=unopened-warning]")).to_contain_text("chưa mở 2")
    page.screenshot(path=artifacts / f"acknowledge-all-confirm-{size}.png", full_page=True)
    page.get_by_role("button", name=re.compile("Xác nhận ký nhận 3 tài liệu")).click()
    page.wait_for_selector(".flash-success")
    expect(page.get_by_role("link", name=re.compile("Ký nhận toàn bộ tài liệu"))).to_have_count(0)
    page.screenshot(path=artifacts / f"acknowledge-all-done-{size}.png", full_page=True)
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the meeting page scrolls sideways on a phone: {width}px"
    assert not errors, errors
    context.close()
