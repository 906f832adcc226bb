"""Each role's main path, walked in Chromium at desktop and phone size.

Every step keeps its screenshot as a test artifact,
``test-artifacts/walkthrough/<role>-<step>-<size>.png``, and checks what a user would
notice: the page's heading, no sideways scrolling on a phone, no English text where the
interface is Vietnamese, no server error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from meetingsvc.accounts.models import Role
from meetingsvc.documents.blobs import blob_store
from tests.conftest import PASSWORD
from tests.test_form_messages import CATALOGUE, english_in
from tests.tracking.conftest import item_copy

pytestmark = pytest.mark.browser

SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}
REQUIRED_VI = "Mục này không được để trống."


def _translated_phrases() -> list[str]:
    """English sentences of our catalogue that have a different Vietnamese text: on a
    Vietnamese page they would mean the language was lost on the way."""
    with open(CATALOGUE, "rb") as handle:
        catalogue = read_po(handle, locale="vi")
    return sorted({m.id for m in catalogue if isinstance(m.id, str) and m.string
                   and m.string != m.id and len(m.id) >= 14 and "%" not in m.id
                   and "{" not in m.id and " " in m.id})


PHRASES = _translated_phrases()


def english_on(text: str) -> list[str]:
    return english_in(text) + [phrase for phrase in PHRASES if phrase in text]


class Walk:
    """One role at one size: a browser context of its own, every step checked and kept."""

    def __init__(self, browser: Any, base: str, role: str, size: str, shots: Path) -> None:
        self.context = browser.new_context(locale="vi-VN", **SIZES[size])
        self.page: Page = self.context.new_page()
        self.base, self.role, self.size, self.shots = base, role, size, shots
        self.server_errors: list[str] = []
        self.page.on("response", lambda answer: self.server_errors.append(
            f"{answer.status} {answer.url}") if answer.status >= 500 else None)

    def check(self, step: str, heading: str | re.Pattern[str] | None = None) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if heading is not None:
            expect(page.locator("main h1").first).to_contain_text(heading)
        assert page.locator("html").get_attribute("lang") == "vi"
        page.screenshot(path=self.shots / f"{self.role}-{step}-{self.size}.png", full_page=True)
        if self.size == "phone":
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{self.role} {step}: scrolls sideways on a phone {width}"
            # Tables are read row by row there: every value says which column it is.
            bare = page.evaluate("""() => [...document.querySelectorAll(
                'main table.table tbody td')].filter(td => td.offsetParent !== null
                && td.textContent.trim() && !td.dataset.label
                && !td.querySelector('a, button, form')).map(td => td.textContent.trim())""")
            assert bare == [], f"{self.role} {step}: unlabelled values on a phone: {bare[:5]}"
        english = english_on(page.locator("body").inner_text())
        assert english == [], f"{self.role} {step}: English on a Vietnamese page: {english}"
        assert self.server_errors == [], self.server_errors

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        page = self.page
        page.goto(f"{self.base}/sign-in")
        self.check("sign-in")
        # Sent empty, the form is answered by the server in Vietnamese, not by the browser.
        page.locator("main button[type=submit]").first.click()
        expect(page.locator(".field-error").first).to_contain_text(REQUIRED_VI)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.locator("main button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/sign-in" not in url)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def shots(artifacts: Path) -> Path:
    folder = artifacts / "walkthrough"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def walk(browser: Any, live_server: str, shots: Path) -> Iterator[Callable[..., Any]]:
    @contextmanager
    def start(role: str, size: str) -> Iterator[Walk]:
        one = Walk(browser, live_server, role, size, shots)
        try:
            yield one
        finally:
            one.close()

    yield start


def _wait_for_issuance(app) -> None:
    runner = app.extensions.get("issuance_runner")
    if runner is not None:
        runner.join(timeout=600)


def test_the_secretariat_issues_and_follows_receipt(app, live_server, prepared, make_user,
                                                     walk):
    staff = make_user(Role.SECRETARIAT, full_name="Đinh Thị Thu")
    meeting = prepared.meeting
    job_url = ""
    for size in SIZES:
        with walk("secretariat", size) as w:
            w.sign_in(staff.username)
            w.page.goto(f"{live_server}/meetings/")
            w.check("meetings")
            w.page.goto(f"{live_server}/meetings/{meeting.id}")
            w.check("meeting", meeting.title)
            w.page.goto(f"{live_server}/meetings/{meeting.id}/issue")
            w.check("issue")
            if size == "desktop":
                w.page.locator("main form button[type=submit]").first.click()
                w.page.wait_for_url(re.compile(r".*/issuance/\d+$"))
                job_url = w.page.url
                _wait_for_issuance(app)
            w.page.goto(job_url)
            w.check("progress")
            w.page.goto(f"{live_server}/meetings/{meeting.id}/receipts/")
            w.check("receipts")
            body = w.page.locator("main").inner_text()
            assert prepared.members[0].full_name in body


def test_a_delegate_reads_and_acknowledges(app, session, live_server, prepared, issued, walk):
    delegate = prepared.members[0]
    meeting = prepared.meeting
    unmarked = {"desktop": prepared.documents["report"], "phone": prepared.documents["programme"]}
    for size in SIZES:
        copy = item_copy(session, delegate, unmarked[size])
        with walk("delegate", size) as w:
            w.sign_in(delegate.username)
            w.check("home")
            w.page.goto(f"{live_server}/meetings/{meeting.id}")
            w.check("meeting", meeting.title)
            assert unmarked[size].symbol in w.page.locator("main").inner_text()
            w.page.goto(f"{live_server}/meetings/{meeting.id}/my/copies/{copy.id}/view")
            w.page.locator(".pdf-page[data-page='1'] canvas").wait_for()
            w.check("viewer")
            w.page.get_by_role("button", name=re.compile("Ký nhận")).first.click()
            expect(w.page.locator(".flash-success").first).to_be_visible()
            w.check("acknowledged")


def test_the_auditor_verifies_a_copy_and_reads_the_log(app, session, live_server, prepared,
                                                       issued, make_user, walk, tmp_path):
    auditor = make_user(Role.AUDITOR, full_name="Mai Văn Kiên")
    copy = item_copy(session, prepared.members[1], prepared.documents["report"])
    upload = tmp_path / "ban-sao.pdf"
    upload.write_bytes(blob_store(app.config).path_for(copy.blob_sha256).read_bytes())
    for size in SIZES:
        with walk("auditor", size) as w:
            w.sign_in(auditor.username)
            w.page.goto(f"{live_server}/audit/")
            w.check("audit-home")
            w.page.locator("main input[type=file]").first.set_input_files(str(upload))
            w.page.locator("main form.verify-form button[type=submit]").first.click()
            w.page.wait_for_url(re.compile(r".*/audit/verif.*"))
            w.check("verify")
            assert prepared.members[1].full_name in w.page.locator("main").inner_text()
            w.page.goto(f"{live_server}/audit/log")
            w.check("log")


def test_the_admin_reaches_the_accounts(app, live_server, make_user, walk):
    if "accounts.admin.accounts" not in app.view_functions:
        pytest.skip("the accounts pages are not part of this build")
    admin = make_user(Role.ADMIN, full_name="Trịnh Quốc Anh")
    for size in SIZES:
        with walk("admin", size) as w:
            w.sign_in(admin.username)
            w.page.goto(f"{live_server}/admin/accounts")
            w.check("accounts")
            assert admin.full_name in w.page.locator("main").inner_text()
