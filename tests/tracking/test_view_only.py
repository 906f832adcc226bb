"""A MẬT copy is view-only in fact: no URL a delegate can reach sends its PDF.

The viewer shows page images rendered on the server, watermarked per view; the
delegate still sees the signature verdict of their copy. "Opened" is recorded
only for the viewer's own request, which carries the page's view ticket.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from flask import g
from PIL import Image
from sqlalchemy import select

from meetingsvc.documents.blobs import blob_store
from meetingsvc.tracking.models import DeliveryEvent, EventKind
from tests.conftest import PASSWORD
from tests.tracking.conftest import item_copy
from tests.tracking.marks import stamped_marks

#: The confidentiality mark stamped on every page of a MẬT copy, and on no other (the
#: packet's agenda names it too, for the item read in the portal: not a MẬT page).
MARK = "MẬT"


def base_of(prepared) -> str:
    return f"/meetings/{prepared.meeting.id}/my"


def texts_of_pdf(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[n].get_textpage().get_text_range() for n in range(len(document))]
    finally:
        document.close()


@dataclass
class Answer:
    status: int
    data: bytes
    headers: dict
    mimetype: str

    @property
    def text(self) -> str:
        return self.data.decode()


class Browser:
    """One delegate's browser, with its own cookies.

    The requests share the test's app context, where Flask-Login keeps the user it
    loaded: that is forgotten before each request, so the cookie decides who asks.
    """

    def __init__(self, app, user) -> None:
        self.client = app.test_client()
        g.pop("_login_user", None)
        response = self.client.post("/sign-in", data={"username": user.username,
                                                      "password": PASSWORD})
        assert response.status_code == 302

    def get(self, url: str, headers: dict | None = None) -> Answer:
        g.pop("_login_user", None)
        response = self.client.get(url, headers=headers or {})
        try:
            return Answer(response.status_code, response.get_data(), dict(response.headers),
                          response.mimetype)
        finally:
            response.close()


def assert_not_the_confidential_copy(data: bytes, secret_bytes: bytes, where: str,
                                     whole: bool = True) -> None:
    """Whatever was sent holds neither the copy's bytes nor a page stamped MẬT.

    A part (a range) is only searched for the copy's bytes (its signed tail, which no
    other copy shares); a whole file is opened.
    """
    assert secret_bytes[-4096:] not in data, where
    if whole and data.startswith(b"%PDF"):
        for number, text in enumerate(texts_of_pdf(data), start=1):
            assert MARK not in stamped_marks(text), f"{where}: page {number} is a MẬT page"
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                assert_not_the_confidential_copy(archive.read(member), secret_bytes,
                                                 f"{where} → {member}")


def opened_events(session, copy_id: int) -> int:
    session.expire_all()
    return len(session.scalars(select(DeliveryEvent).where(
        DeliveryEvent.copy_id == copy_id, DeliveryEvent.kind == EventKind.OPENED.value)).all())


def ticket_in(html: str) -> str:
    found = re.search(r'data-ticket="([^"]+)"', html) or re.search(r"ticket=([^\"&]+)", html)
    assert found, "the viewer carries no view ticket"
    return found.group(1)


def test_no_delegate_url_sends_the_pdf_of_a_mat_copy(app, session, prepared, issued):
    delegate = prepared.members[2]
    secret = item_copy(session, delegate, prepared.documents["secret"])
    assert secret.channel == "view_only"
    secret_bytes = blob_store(app.config).path_for(secret.blob_sha256).read_bytes()
    assert MARK in texts_of_pdf(secret_bytes)[0]  # the check below would notice it
    base = base_of(prepared)
    browser = Browser(app, delegate)

    view = browser.get(f"{base}/copies/{secret.id}/view")
    assert view.status == 200
    assert "pdf.min.mjs" not in view.text and "file.pdf" not in view.text  # no PDF.js
    ticket = ticket_in(view.text)
    assert_not_the_confidential_copy(view.data, secret_bytes, "viewer page")

    ranges = [{}, {"Range": "bytes=0-1023"}, {"Range": "bytes=0-"}, {"Range": "bytes=-500"}]
    for url in (f"{base}/copies/{secret.id}/file.pdf",
                f"{base}/copies/{secret.id}/file.pdf?ticket={ticket}",
                f"{base}/copies/{secret.id}.pdf"):
        for headers in ranges:
            answer = browser.get(url, headers)
            assert answer.status == 404, (url, headers)
            assert not answer.data.startswith(b"%PDF"), (url, headers)

    for url in (f"{base}/packet.pdf", f"{base}/packet.zip"):
        for headers in ranges:
            answer = browser.get(url, headers)
            assert answer.status in (200, 206), (url, headers)
            assert_not_the_confidential_copy(answer.data, secret_bytes, f"{url} {headers}",
                                             whole=answer.status == 200)

    for page in (1, 2, 3):
        answer = browser.get(f"{base}/copies/{secret.id}/pages/{page}.webp?ticket={ticket}")
        assert answer.status == 200
        assert not answer.data.startswith(b"%PDF")
        assert_not_the_confidential_copy(answer.data, secret_bytes, f"page {page}")


def test_page_images_are_watermarked_images_never_stored(app, session, prepared, issued):
    images = []
    for delegate in prepared.members[2:4]:
        copy = item_copy(session, delegate, prepared.documents["secret"])
        answer = Browser(app, delegate).get(f"{base_of(prepared)}/copies/{copy.id}/pages/1.webp")
        assert answer.status == 200
        assert answer.mimetype.startswith("image/")
        assert answer.headers["Cache-Control"] == "private, no-store"
        image = Image.open(io.BytesIO(answer.data))
        image.load()
        assert image.width >= 1000 and image.height > image.width  # an A4 page
        images.append(image.convert("L"))
    # The same page of the same document: the two views differ.
    assert images[0].tobytes() != images[1].tobytes()


def test_a_view_is_watermarked_afresh_over_the_cached_rendering(app, session, prepared,
                                                                issued):
    delegate = prepared.members[1]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    browser = Browser(app, delegate)
    url = f"{base_of(prepared)}/copies/{copy.id}/pages/2.webp"
    first = browser.get(url)
    cache = Path(app.instance_path) / "page-cache"
    kept = sorted(p for p in cache.rglob("*") if p.is_file())
    assert kept, "the clean rendering is kept on disk"
    again = browser.get(url)
    assert first.status == again.status == 200
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == kept  # not rendered again


@pytest.mark.parametrize("page", [0, 4, 999])
def test_a_page_outside_the_copy_is_404(app, session, prepared, issued, page):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    answer = Browser(app, delegate).get(
        f"{base_of(prepared)}/copies/{copy.id}/pages/{page}.webp")
    assert answer.status == 404


def test_another_delegate_s_page_images_are_404(app, session, prepared, issued):
    mine, theirs = prepared.members[2], prepared.members[3]
    their_copy = item_copy(session, theirs, prepared.documents["secret"])
    browser = Browser(app, mine)
    base = base_of(prepared)
    for url in (f"{base}/copies/{their_copy.id}/pages/1.webp",
                f"{base}/copies/{their_copy.id}/view"):
        assert browser.get(url).status == 404, url
    assert opened_events(session, their_copy.id) == 0


def test_the_cache_stays_within_its_bound(app, session, prepared, issued):
    from meetingsvc.tracking.page_images import page_cache

    bound = 400 * 1024  # less than three clean pages
    app.config["PAGE_IMAGE_CACHE_MAX_BYTES"] = bound
    cache = page_cache(app.config, app.instance_path)
    for delegate in prepared.members[:3]:
        copy = item_copy(session, delegate, prepared.documents["secret"])
        browser = Browser(app, delegate)
        for page in (1, 2, 3):
            answer = browser.get(f"{base_of(prepared)}/copies/{copy.id}/pages/{page}.webp")
            assert answer.status == 200
            assert cache.size() <= bound
    assert cache.size() > 0  # the most recent renderings are kept


def test_the_viewer_shows_the_copy_s_signature_verdict(app, session, prepared, issued):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    html = Browser(app, delegate).get(f"{base_of(prepared)}/copies/{copy.id}/view").text
    verdict = re.search(r'<p class="verdict ([^"]+)"[^>]*data-indication="([A-Z_]+)"', html)
    assert verdict and verdict.groups() == ("verdict-valid", "TOTAL_PASSED")
    assert "Văn phòng Tỉnh ủy" in html
    assert f"{copy.copy_number}/{copy.copy_total}" in html


def test_opened_needs_the_viewer_s_ticket(app, session, prepared, issued):
    delegate = prepared.members[2]
    secret = item_copy(session, delegate, prepared.documents["secret"])
    report = item_copy(session, delegate, prepared.documents["report"])
    base = base_of(prepared)
    browser = Browser(app, delegate)
    page_url = f"{base}/copies/{secret.id}/pages/1.webp"
    file_url = f"{base}/copies/{report.id}/file.pdf"

    # Without a ticket, with a forged one or with another copy's: served, not counted.
    assert browser.get(page_url).status == 200
    assert browser.get(f"{page_url}?ticket=forged").status == 200
    answer = browser.get(file_url)
    assert answer.status == 200 and answer.data.startswith(b"%PDF")
    report_ticket = ticket_in(browser.get(f"{base}/copies/{report.id}/view").text)
    assert browser.get(f"{page_url}?ticket={report_ticket}").status == 200
    assert opened_events(session, secret.id) == 0
    assert opened_events(session, report.id) == 0

    # A valid ticket, but the browser says the request came from another site.
    ticket = ticket_in(browser.get(f"{base}/copies/{secret.id}/view").text)
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert browser.get(f"{page_url}?ticket={ticket}", cross).status == 200
    assert browser.get(f"{file_url}?ticket={report_ticket}", cross).status == 200
    assert opened_events(session, secret.id) == 0
    assert opened_events(session, report.id) == 0

    # The viewer's own requests: recorded, once per ticket.
    same = {"Sec-Fetch-Site": "same-origin"}
    assert browser.get(f"{page_url}?ticket={ticket}", same).status == 200
    assert browser.get(f"{page_url}?ticket={ticket}", same).status == 200
    assert opened_events(session, secret.id) == 1
    assert browser.get(f"{file_url}?ticket={report_ticket}").status == 200
    assert browser.get(f"{file_url}?ticket={report_ticket}", {"Range": "bytes=0-99"}).status == 206
    assert opened_events(session, report.id) == 1


def test_another_delegate_s_ticket_records_nothing(app, session, prepared, issued):
    mine, theirs = prepared.members[2], prepared.members[3]
    my_copy = item_copy(session, mine, prepared.documents["secret"])
    their_copy = item_copy(session, theirs, prepared.documents["secret"])
    their_ticket = ticket_in(Browser(app, theirs).get(
        f"{base_of(prepared)}/copies/{their_copy.id}/view").text)
    url = f"{base_of(prepared)}/copies/{my_copy.id}/pages/1.webp?ticket={their_ticket}"
    assert Browser(app, mine).get(url).status == 200
    assert opened_events(session, my_copy.id) == 0


def test_page_images_are_rate_limited(app, session, prepared, issued):
    app.config["PAGE_IMAGES_PER_MINUTE"] = 2
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    browser = Browser(app, delegate)
    url = f"{base_of(prepared)}/copies/{copy.id}/pages/1.webp"
    assert [browser.get(url).status for _ in range(3)] == [200, 200, 429]
