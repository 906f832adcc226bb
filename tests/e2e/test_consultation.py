"""Written consultation in a real browser, on the demo's data: a Standing Committee member
finds the open consultation and answers at desktop and phone size; a delegate of the
Executive Committee only sees no consultation and gets 404 for its page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meetingsvc.consultation.models import Consultation, ConsultationAnswer
from meetingsvc.demo.seed import DELEGATE_PASSWORD, seed_demo
from tests.e2e.test_portal import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app, session):
    from meetingsvc.issuance.runner import run_units_inline

    seed_demo(session, app.config)
    session.commit()
    run_units_inline(app)  # the drafts of the open consultation, signed
    return session.scalar(select(Consultation))


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DELEGATE_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/meetings/$"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_standing_committee_member_answers_the_open_consultation(
        live_server, artifacts, session, demo, browser, size):
    viewport = DESKTOP if size == "desktop" else PHONE
    page = browser.new_context(viewport=viewport, locale="vi-VN").new_page()
    _sign_in(page, live_server, "hoangvankhai")
    page.get_by_role("link", name="Xin ý kiến", exact=True).click()
    page.get_by_role("link", name=demo.subject).click()
    question = page.locator("#question-1")
    question.get_by_role("radio", name="Đồng ý", exact=True).wait_for()
    assert question.get_by_role("radio", name="Không đồng ý").is_visible()
    # Others' answers (the demo has three) are not shown before the close.
    assert "Đề nghị làm rõ nguồn vốn" not in page.content()
    assert question.get_by_role("link", name="Đọc dự thảo (bản ký số của đồng chí)").is_visible()
    page.screenshot(path=artifacts / f"consultation-{size}-open.png", full_page=True)

    question.get_by_role("radio", name="Ý kiến khác").check()
    question.get_by_role("button", name="Gửi ý kiến").click()  # no comment: refused
    page.get_by_text("Đề nghị ghi rõ ý kiến khi chọn Ý kiến khác.").wait_for()
    question = page.locator("#question-1")
    question.get_by_role("radio", name="Không đồng ý").check()
    question.get_by_label("Góp ý (bắt buộc khi chọn Ý kiến khác)").fill("Cần đánh giá tác động "
                                                                       "môi trường trước.")
    question.get_by_role("button", name="Gửi ý kiến").click()
    page.get_by_text("Đã ghi nhận ý kiến của đồng chí cho câu hỏi 1.").wait_for()
    mine = page.locator("#question-1 .consult-mine")
    assert "Không đồng ý" in mine.inner_text()
    assert mine.get_by_role("link", name="Giấy xác nhận (PDF)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=artifacts / f"consultation-{size}-answered.png", full_page=True)
    answers = session.scalars(select(ConsultationAnswer).where(
        ConsultationAnswer.comment == "Cần đánh giá tác động môi trường trước.")).all()
    assert [a.choice for a in answers] == ["disagree"]


def test_an_executive_only_delegate_sees_no_consultation(live_server, artifacts, demo, browser):
    page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    _sign_in(page, live_server, "lyminhhoang")
    page.get_by_role("link", name="Xin ý kiến", exact=True).click()
    page.get_by_text("Chưa có phiếu xin ý kiến nào.").wait_for()
    assert demo.subject not in page.content()
    page.screenshot(path=artifacts / "consultation-phone-outsider.png", full_page=True)
    response = page.goto(f"{live_server}/consultations/{demo.id}")
    assert response is not None and response.status == 404
