"""A delegate reads an item in the viewer, scrolls, acknowledges; the secretariat sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from meetingsvc.accounts.models import Role
from tests.conftest import PASSWORD
from tests.tracking.conftest import item_copy

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/meetings/$"))


def sent_including(page_number: int) -> re.Pattern[str]:
    """The viewer's list of reported pages, once it holds this page."""
    return re.compile(rf"(^|,){page_number}(,|$)")


def watch_console(page) -> list[str]:
    """Errors the page logs (CSP violations among them) and failed requests: none allowed.

    The browser's own request for /favicon.ico is the one 404 expected.
    """
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer) -> None:
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", response)
    return errors


def test_read_scroll_acknowledge_then_the_dashboard_shows_it(
        live_server, artifacts, session, prepared, issued, make_user, browser):
    delegate = prepared.members[0]
    staff = make_user(Role.SECRETARIAT)
    copy = item_copy(session, delegate, prepared.documents["report"])
    meeting_url = f"{live_server}/meetings/{prepared.meeting.id}"

    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server, delegate.username)
    card = page.locator(f"[data-meeting='{prepared.meeting.id}']")
    assert card.locator("[data-count=unread]").inner_text().startswith("3")
    page.screenshot(path=artifacts / "portal-home-desktop.png", full_page=True)

    page.goto(meeting_url)
    page.screenshot(path=artifacts / "portal-meeting-desktop.png", full_page=True)
    page.click(f"[data-document='{prepared.documents['report'].id}'] a[href$='/view']")
    viewer = page.locator("#viewer[data-ready=true]")
    viewer.wait_for()
    page.locator(".pdf-page[data-page='1'] canvas").wait_for()
    viewer_box = page.locator("#viewer")
    # A page counts once shown for a moment: stay on each until its report reached the server.
    expect(viewer_box).to_have_attribute("data-sent-pages", sent_including(1), timeout=10_000)
    for number in (2, 3):  # scroll two pages down
        page.locator(f".pdf-page[data-page='{number}']").scroll_into_view_if_needed()
        page.locator(f".pdf-page[data-page='{number}'] canvas").wait_for()
        expect(viewer_box).to_have_attribute("data-sent-pages", sent_including(number),
                                             timeout=10_000)
    # Every page shown was reported (batched), before the button leaves the page.
    expect(page.locator("#viewer")).to_have_attribute("data-sent-pages", "1,2,3",
                                                      timeout=10_000)
    page.screenshot(path=artifacts / "viewer-desktop.png")
    page.click(".viewer-bar button.ack")
    page.wait_for_selector(".flash-success")
    expect(page.locator(".viewer-tools .state-acknowledged")).to_have_count(1)
    assert not errors, errors
    context.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                device_scale_factor=2, locale="vi-VN")
    page = phone.new_page()
    errors = watch_console(page)
    sign_in(page, live_server, delegate.username)
    page.screenshot(path=artifacts / "portal-home-phone.png", full_page=True)
    page.goto(meeting_url)
    page.screenshot(path=artifacts / "portal-meeting-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the meeting page scrolls sideways on a phone: {width}px"
    page.goto(f"{meeting_url}/my/copies/{copy.id}/view")
    page.locator(".pdf-page[data-page='1'] canvas").wait_for()
    page.screenshot(path=artifacts / "viewer-phone.png")
    assert not errors, errors
    phone.close()

    office = browser.new_context(viewport={"width": 1400, "height": 900}, locale="vi-VN")
    page = office.new_page()
    sign_in(page, live_server, staff.username)
    page.goto(f"{meeting_url}/receipts/")
    cell = page.locator(f"tr[data-user='{delegate.id}'] td[data-copy='{copy.id}']")
    assert cell.get_attribute("data-stage") == "acknowledged"
    assert cell.get_attribute("data-pages") == "3"
    assert "3/3" in cell.inner_text()
    page.screenshot(path=artifacts / "dashboard.png", full_page=True)
    office.close()
