"""The receipts page in a real browser: the total column stays in view on a phone, symbols
never break, and the page prints as a report; the paper copies' steps ask to confirm."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.recall import record_print
from meetingsvc.tracking.services import Visitor, acknowledge_copy
from tests.e2e.test_portal import DESKTOP, PHONE, sign_in
from tests.issuance.conftest import ACTOR
from tests.tracking.conftest import item_copy

pytestmark = pytest.mark.browser

#: A4 landscape at the browser's 96 px per inch.
A4_LANDSCAPE = {"width": 1123, "height": 794}


@pytest.fixture
def staff(make_user):
    return make_user(Role.SECRETARIAT)


@pytest.fixture
def some_receipt(session, prepared, issued):
    first = prepared.members[0]
    acknowledge_copy(session, item_copy(session, first, prepared.documents["report"]),
                     Visitor(ACTOR, "pytest"))
    session.commit()
    return prepared


def test_the_total_column_stays_in_view_on_a_phone(live_server, artifacts, staff,
                                                    some_receipt, browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, staff.username)
    page.goto(f"{live_server}/meetings/{some_receipt.meeting.id}/receipts/")
    wrap = page.locator(".matrix-wrap")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), "nothing to scroll: no test"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for scroll in ("0", "w.scrollWidth"):
        wrap.evaluate(f"w => {{ w.scrollLeft = {scroll}; }}")
        wrap.scroll_into_view_if_needed()
        for total in (page.locator("thead th.row-total"),
                      page.locator("tbody tr[data-user] td.row-total").first):
            box = total.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        page.screenshot(path=artifacts / f"receipts-phone-scroll-{scroll[:1]}.png")
    # A symbol such as 212-BC/TU stays on one line.
    for symbol in page.locator("th.item a.symbol").all():
        height, size = symbol.evaluate(
            "a => [a.getBoundingClientRect().height, parseFloat(getComputedStyle(a).fontSize)]")
        assert height < 2 * size, symbol.inner_text()
    page.screenshot(path=artifacts / "receipts-phone.png", full_page=True)
    context.close()


def test_the_page_prints_as_a_report_on_a4_landscape(live_server, artifacts, staff,
                                                     some_receipt, tmp_path, browser):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, staff.username)
    page.goto(f"{live_server}/meetings/{some_receipt.meeting.id}/receipts/")
    page.screenshot(path=artifacts / "receipts-desktop.png", full_page=True)
    assert page.locator(".receipts-tools").is_visible()
    page.set_viewport_size(A4_LANDSCAPE)
    page.emulate_media(media="print")
    page.screenshot(path=artifacts / "receipts-print.png", full_page=True)
    assert page.locator(".topbar").is_hidden() and page.locator(".receipts-tools").is_hidden()
    assert page.locator(".chart > svg").is_visible()
    matrix = page.locator("table.matrix").bounding_box()
    assert matrix and matrix["x"] + matrix["width"] <= A4_LANDSCAPE["width"]
    pdf = tmp_path / "receipts.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for symbol in ("11-CTr/TU", "212-BC/TU", "215-BC/TU", "38-TTr/TU", "Tổng"):
        assert symbol in text, symbol
    assert "Đăng xuất" not in text  # no navigation on paper
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(artifacts / "receipts-print-pdf")], check=True)
    context.close()


@pytest.fixture
def printed_copy(session, issued) -> IssuedCopy:
    paper = session.scalar(select(IssuedCopy).where(IssuedCopy.channel == "print")
                           .order_by(IssuedCopy.copy_number))
    record_print(session, paper, "0" * 64, ACTOR)
    session.commit()
    return paper


def test_recording_a_hand_over_asks_to_confirm(live_server, artifacts, staff, prepared,
                                               printed_copy, browser):
    paper = printed_copy
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server, staff.username)
    page.goto(f"{live_server}/meetings/{prepared.meeting.id}/paper-copies")
    row = page.locator(f"tr[data-copy='{paper.id}']")
    confirm = row.get_by_role("button", name="Xác nhận đã giao")
    assert confirm.is_hidden()  # one click is not enough to record it
    row.get_by_text("Ghi nhận đã giao").click()
    page.screenshot(path=artifacts / "paper-copies-confirm-phone.png", full_page=True)
    confirm.click()
    page.wait_for_load_state()
    assert "đã giao" in page.locator(f"tr[data-copy='{paper.id}']").inner_text()
    assert page.locator(f"tr[data-copy='{paper.id}']").get_by_text("Ghi nhận đã thu hồi"
                                                                   ).is_visible()
    context.close()
