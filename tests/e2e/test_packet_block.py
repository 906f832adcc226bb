"""The delegate's "Your papers" block, as a browser shows it at desktop and phone size:
a packet to download when there is one, and where the papers are when there is none."""

from __future__ import annotations

import pytest

from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from tests.e2e.test_portal import sign_in
from tests.issuance.conftest import ACTOR, POLICY

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("policy", ["default", "nothing_downloadable"])
def test_the_papers_block_offers_only_a_packet_with_pages(app, session, prepared, live_server,
                                                          artifacts, policy):
    rules = POLICY if policy == "default" else POLICY | {"none": "view_only"}
    start_issuance(session, prepared.meeting, ACTOR, rules)
    session.commit()
    run_units_inline(app)
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, unavailable

    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for size, viewport in SIZES.items():
                page = browser.new_page(viewport=viewport)
                sign_in(page, live_server, prepared.standing[0].username)
                page.goto(f"{live_server}/meetings/{prepared.meeting.id}")
                block = page.locator("#packet")
                assert block.is_visible()
                download = block.get_by_role("link", name="Tải bộ tài liệu (PDF)")
                if policy == "default":
                    assert download.is_visible()
                else:
                    assert download.count() == 0
                    assert block.get_by_text("không có bộ tài liệu để tải").is_visible()
                    assert block.get_by_text("3 tài liệu chỉ đọc trên cổng").is_visible()
                page.screenshot(path=str(artifacts / f"packet-block-{policy}-{size}.png"),
                                full_page=True)
                page.close()
        finally:
            browser.close()
