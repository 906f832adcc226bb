"""The viewer's tools, in Chromium at desktop and phone size: zoom, find, select, keys, toolbar.

An unmarked copy is drawn by PDF.js with a text layer: it can be zoomed, searched (its
matches highlighted, the count shown) and its text selected. A MẬT copy stays page images:
zoom and keys work, but there is no text to select or search. On a phone the toolbar (Back,
"Trang N/M", Ký nhận) stays on screen down to the last page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetingsvc.tracking.models import DeliveryEvent
from tests.e2e.test_portal import sign_in, watch_console
from tests.tracking.conftest import item_copy

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def open_context(browser, size: str):
    if size == "desktop":
        return browser.new_context(viewport=SIZES[size], locale="vi-VN")
    return browser.new_context(viewport=SIZES[size], is_mobile=True, has_touch=True,
                               device_scale_factor=2, locale="vi-VN")


def slot_width(page, number: int = 1) -> float:
    return page.locator(f".pdf-page[data-page='{number}']").bounding_box()["width"]


def wait_drawn(page, number: int) -> None:
    """The page's canvas is drawn at the current zoom and its text layer holds text."""
    page.locator(f".pdf-page[data-page='{number}'].rendered canvas").wait_for()
    page.locator(f".pdf-page[data-page='{number}'] .textLayer span").first.wait_for()


def check_toolbar_in_view(page) -> None:
    bar = page.locator(".viewer-bar")
    for control in (bar.get_by_role("link", name="Về trang hội nghị"), bar.locator(".page-count"),
                    bar.locator("button.ack")):
        expect(control).to_be_visible()
        expect(control).to_be_in_viewport()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_unmarked_copy_zooms_finds_selects_and_moves_by_keys(
        live_server, artifacts, session, prepared, issued, browser, size):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["report"])
    url = f"{live_server}/meetings/{prepared.meeting.id}/my/copies/{copy.id}/view"
    context = open_context(browser, size)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server, delegate.username)
    page.goto(url)
    page.locator("#viewer[data-ready=true]").wait_for()
    wait_drawn(page, 1)
    total = page.locator("[data-field=total]").inner_text()
    assert int(total) >= 3
    page_count = page.locator(".viewer-bar .page-count")
    expect(page_count).to_have_text(re.compile(rf"Trang\s*1/{total}"))
    check_toolbar_in_view(page)
    page.screenshot(path=artifacts / f"viewer-tools-{size}.png")

    # Zoom: + widens the page, − narrows it, each with its level shown; fit width comes back.
    zoom = page.locator("[data-field=zoom]")
    fitted, level = slot_width(page), zoom.inner_text()
    assert re.fullmatch(r"\d+ %", level), level
    page.get_by_role("button", name="Phóng to").click()
    assert slot_width(page) > fitted * 1.05
    assert zoom.inner_text() != level
    wait_drawn(page, 1)
    if size == "phone":  # wider than the screen: the viewer scrolls sideways, not the page
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES["phone"]["width"], f"the page scrolls sideways: {width}px"
        check_toolbar_in_view(page)
    page.screenshot(path=artifacts / f"viewer-tools-{size}-zoomed.png")
    page.get_by_role("button", name="Thu nhỏ").click()
    page.get_by_role("button", name="Thu nhỏ").click()
    assert slot_width(page) < fitted
    page.get_by_role("button", name="Vừa cả trang").click()
    height = page.locator(".pdf-page[data-page='1']").bounding_box()["height"]
    assert height <= SIZES[size]["height"]
    expect(page.get_by_role("button", name="Vừa cả trang")).to_have_attribute("aria-pressed",
                                                                               "true")
    page.get_by_role("button", name="Vừa chiều rộng").click()
    assert abs(slot_width(page) - fitted) <= 1
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES["phone"]["width"], f"the viewer scrolls sideways: {width}px"

    # Text selection on the text layer.
    page.evaluate("window.scrollTo(0, 0)")
    wait_drawn(page, 1)
    line = page.locator(".pdf-page[data-page='1'] .textLayer span", has_text="ngân sách").first
    line.click(click_count=3)
    selected = page.evaluate("window.getSelection().toString()")
    assert "ngân sách" in selected, selected

    # Find: the matches are counted and the current one highlighted; next and previous.
    if size == "phone":
        page.get_by_role("button", name="Tìm trong văn bản").click()
    find = page.get_by_role("searchbox", name="Tìm trong văn bản")
    find.fill("ngân sách")
    count = page.locator("[data-field=find-count]")
    expect(count).to_have_text(re.compile(r"^1/\d+$"))
    matches = int(count.inner_text().split("/")[1])
    assert matches >= 2
    current = page.locator(".textLayer .highlight.selected")
    expect(current).to_have_count(1)
    expect(current).to_be_in_viewport()
    assert current.inner_text() == "ngân sách"
    page.screenshot(path=artifacts / f"viewer-tools-{size}-find.png")
    find.press("Enter")
    expect(count).to_have_text(f"2/{matches}")
    page.get_by_role("button", name="Kết quả trước").click()
    expect(count).to_have_text(f"1/{matches}")
    find.fill("NGAN SACH")  # without diacritics, in capitals: the same matches
    expect(count).to_have_text(f"1/{matches}")
    find.fill("không có trong văn bản")
    expect(count).to_have_text("Không tìm thấy")
    find.fill("")

    # Keys: End goes to the last page, Home to the first, PageDown one on.
    page.locator(".viewer-title").click()
    page.keyboard.press("End")
    expect(page_count).to_have_text(re.compile(rf"Trang\s*{total}/{total}"))
    page.locator(f".pdf-page[data-page='{total}'] canvas").wait_for()
    expect(page.locator(f".pdf-page[data-page='{total}']")).to_be_in_viewport()
    check_toolbar_in_view(page)
    page.screenshot(path=artifacts / f"viewer-tools-{size}-last-page.png")
    page.keyboard.press("Home")
    expect(page_count).to_have_text(re.compile(rf"Trang\s*1/{total}"))
    page.keyboard.press("PageDown")
    expect(page_count).to_have_text(re.compile(rf"Trang\s*2/{total}"))
    page.keyboard.press("ArrowLeft")
    expect(page_count).to_have_text(re.compile(rf"Trang\s*1/{total}"))
    # Scrolling by hand: the counter follows.
    page.locator(f".pdf-page[data-page='{total}']").scroll_into_view_if_needed()
    page.mouse.wheel(0, 10_000)
    expect(page_count).to_have_text(re.compile(rf"Trang\s*{total}/{total}"))
    check_toolbar_in_view(page)

    # Ký nhận from the toolbar.
    page.locator(".viewer-bar button.ack").click()
    page.wait_for_selector(".flash-success")
    expect(page.locator(".viewer-tools .state-acknowledged")).to_have_count(1)
    session.expire_all()
    assert session.scalar(select(DeliveryEvent.id).where(
        DeliveryEvent.copy_id == copy.id, DeliveryEvent.kind == "acknowledged")) is not None
    page.screenshot(path=artifacts / f"viewer-tools-{size}-acknowledged.png")
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_mat_copy_zooms_and_moves_by_keys_but_has_no_text(
        live_server, artifacts, session, prepared, issued, browser, size):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    url = f"{live_server}/meetings/{prepared.meeting.id}/my/copies/{copy.id}/view"
    context = open_context(browser, size)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, live_server, delegate.username)
    page.goto(url)
    page.locator("#viewer[data-ready=true]").wait_for()
    page.locator(".pdf-page[data-page='1'] img").wait_for()
    total = page.locator("[data-field=total]").inner_text()

    assert page.locator(".textLayer").count() == 0
    assert page.locator("#viewer-find").count() == 0
    assert page.get_by_role("searchbox").count() == 0
    fitted = slot_width(page)
    page.get_by_role("button", name="Phóng to").click()
    assert slot_width(page) > fitted * 1.05
    page.get_by_role("button", name="Vừa chiều rộng").click()
    assert abs(slot_width(page) - fitted) <= 1
    page.locator(".pdf-page[data-page='1'] img").click(click_count=3)
    assert page.evaluate("window.getSelection().toString()").strip() == ""

    page.keyboard.press("End")
    expect(page.locator(".viewer-bar .page-count")).to_have_text(
        re.compile(rf"Trang\s*{total}/{total}"))
    page.wait_for_function(
        f"() => {{ const i = document.querySelector(\".pdf-page[data-page='{total}'] img\");"
        " return i && i.complete && i.naturalWidth > 0; }")
    check_toolbar_in_view(page)
    page.screenshot(path=artifacts / f"viewer-tools-mat-{size}-last-page.png")
    assert not errors, errors
    context.close()
