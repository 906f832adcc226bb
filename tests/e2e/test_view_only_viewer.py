"""A delegate reads a MẬT item: page images only, watermarked; the browser never gets a PDF."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_portal import sign_in, watch_console
from tests.tracking.conftest import item_copy

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def watch_for_pdfs(page) -> list[str]:
    """Every response that is a PDF, by its type or by its first bytes."""
    found: list[str] = []

    def response(answer) -> None:
        kind = answer.headers.get("content-type", "")
        if "application/pdf" in kind:
            found.append(f"{answer.url} ({kind})")
            return
        try:
            body = answer.body()
        except Exception:  # noqa: BLE001, S112 - redirects and aborted requests have none
            return
        if body.startswith(b"%PDF"):
            found.append(f"{answer.url} (body)")

    page.on("response", response)
    return found


def read_the_first_page(page, url: str) -> None:
    page.goto(url)
    page.locator("#viewer[data-ready=true]").wait_for()
    first = page.locator(".pdf-page[data-page='1'] img")
    first.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector(\".pdf-page[data-page='1'] img\");"
        " return i && i.complete && i.naturalWidth > 0; }")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_mat_item_is_read_as_page_images(live_server, artifacts, session, prepared, issued,
                                           browser, size):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    url = f"{live_server}/meetings/{prepared.meeting.id}/my/copies/{copy.id}/view"
    if size == "desktop":
        context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    else:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                      device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    errors = watch_console(page)
    pdfs = watch_for_pdfs(page)
    sign_in(page, live_server, delegate.username)
    read_the_first_page(page, url)

    assert page.evaluate("typeof pdfjsLib") == "undefined"
    assert page.locator("canvas").count() == 0
    expect(page.locator("[data-field=verdict]")).to_have_attribute("data-indication",
                                                                   "TOTAL_PASSED")
    # Reading the first page is reported, as for any copy.
    expect(page.locator("#viewer")).to_have_attribute("data-sent-pages", "1", timeout=15_000)
    bar = page.locator(".viewer-bar")
    for control in (bar.get_by_role("link", name="Về trang hội nghị"), bar.locator(".page-count"),
                    bar.locator("button.ack")):
        expect(control).to_be_visible()
        expect(control).to_be_in_viewport()
    page.screenshot(path=artifacts / f"viewer-mat-{size}.png")

    # Scroll to the last page: it loads, the counter follows, the toolbar stays in reach.
    last = page.locator(".pdf-page[data-page='3']")
    last.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector(\".pdf-page[data-page='3'] img\");"
        " return i && i.complete && i.naturalWidth > 0; }")
    expect(page.locator("[data-field=current]")).to_have_text("3")
    expect(bar.locator("button.ack")).to_be_in_viewport()
    page.screenshot(path=artifacts / f"viewer-mat-{size}-page3.png")
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the viewer scrolls sideways on a phone: {width}px"

    assert not pdfs, pdfs
    assert not errors, errors
    context.close()
