"""The records of a session on a member's phone: the minutes under "Sau phiên họp", read in
the portal (MẬT) and acknowledged from the meeting page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.models import Audience
from meetingsvc.documents.services import DocumentDetails, Upload, create_record
from meetingsvc.documents.vocabulary import Confidentiality
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from tests.e2e.test_portal import PHONE, sign_in
from tests.issuance.conftest import ACTOR, POLICY

pytestmark = pytest.mark.browser


@pytest.fixture
def minutes(app, session, prepared, issued):
    from meetingsvc.demo.pdfs import render_generic_pdf

    pdf = render_generic_pdf("Biên bản Hội nghị Ban Chấp hành lần thứ 12", pages=2, seed=5)
    record = create_record(session, BlobStore(Path(app.config["BLOB_DIR"])), prepared.meeting,
                           DocumentDetails(symbol="05-BB/TU", kind="Biên bản",
                                           title="Biên bản Hội nghị Ban Chấp hành lần thứ 12",
                                           confidentiality=Confidentiality.MAT,
                                           audience=Audience.BODY_MEMBERS,
                                           audience_body_id=prepared.meeting.body_id),
                           Upload(io.BytesIO(pdf), "bien-ban.pdf", 10**7), ACTOR)
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    return record


def test_a_member_acknowledges_the_minutes_on_a_phone(live_server, artifacts, prepared,
                                                      minutes, browser):
    page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    sign_in(page, live_server, prepared.members[1].username)
    page.goto(f"{live_server}/meetings/{prepared.meeting.id}")
    records = page.locator("#records")
    assert "05-BB/TU" in records.inner_text() and "MẬT" in records.inner_text()
    records.get_by_role("button", name="Ký nhận").click()
    page.locator("#records .state-acknowledged").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#records").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "records-phone-acknowledged.png", full_page=True)
