"""A delegate off the Standing Committee crawls everything their home page leads to.

The demo province with both its sessions issued: the crawler signs in as an
Executive Committee member who is not on the Standing Committee, follows every
link and file the pages offer (HTML, PDFs, ZIPs), and looks inside every PDF it
is given. Not one page may carry a MẬT, TỐI MẬT or TUYỆT MẬT mark; after a
recall, no PDF it can reach may still hold the recalled document.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import unicodedata
import zipfile
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pikepdf
import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import User
from meetingsvc.demo.seed import seed_demo
from meetingsvc.documents.models import Document
from meetingsvc.issuance.models import IssuanceUnit, IssuedCopy
from meetingsvc.issuance.numbering import trace_code
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.production import init_worker, produce_unit
from meetingsvc.issuance.recall import recall_document
from meetingsvc.issuance.runner import claim_next, record_unit_outcome, worker_config
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import ACTOR, POLICY
from tests.tracking.marks import stamped_marks

pytestmark = pytest.mark.slow

#: Executive Committee only (README: demo accounts).
CRAWLER = "lyminhhoang"
CRAWLER_PASSWORD = "demo-daibieu-2026"  # noqa: S105 - the demo's published password
MARKS = ("MẬT", "TỐI MẬT", "TUYỆT MẬT")
_LINK = re.compile(r'(?:href|src|data-file|data-url|action)="([^"]+)"')
#: Links that change state or leave the delegate's reach on purpose.
_SKIP = ("/sign-out", "/static/", "/acknowledge", "/pages", "/language")


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)
    #: URL (or URL#member) → bytes of every PDF received.
    pdfs: dict[str, bytes] = field(default_factory=dict)


def crawl(client, start: str = "/", limit: int = 400) -> Crawl:
    """Breadth first over every same-site GET link, reading every file it is handed."""
    seen, queue, found = {start}, deque([start]), Crawl()
    while queue and len(seen) < limit:
        url = queue.popleft()
        with client.get(url) as response:
            body = response.get_data()
            kind = response.mimetype
            status = response.status_code
            location = response.headers.get("Location")
        if status in (301, 302, 303, 307, 308) and location:
            body, kind = f'href="{location}"'.encode(), "text/html"
        elif status != 200:
            continue
        if body.startswith(b"%PDF"):
            found.pdfs[url] = body
        elif body.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for name in archive.namelist():
                    data = archive.read(name)
                    if data.startswith(b"%PDF"):
                        found.pdfs[f"{url}#{name}"] = data
        elif kind == "text/html":
            found.pages.append(url)
            for link in _LINK.findall(body.decode()):
                target = urljoin(url, html.unescape(link))
                parts = urlsplit(target)
                if parts.netloc not in ("", "localhost") or any(s in parts.path for s in _SKIP):
                    continue
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
    return found


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True)
    return unicodedata.normalize("NFC", result.stdout.decode())


def is_signed_valid(data: bytes, tmp_path) -> bool:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    return "Signature is Valid" in report


def run_units_of(app, user_id: int) -> None:
    """Make only this delegate's pending units: the other 57 delegates are not crawled."""
    init_worker(worker_config(app))
    from meetingsvc.extensions import db

    for unit_id in db.session.scalars(select(IssuanceUnit.id).where(
            IssuanceUnit.user_id == user_id, IssuanceUnit.status == "pending")):
        spec = claim_next(app, "crawl-test", unit_id=unit_id)
        assert spec is not None
        record_unit_outcome(app, spec, produce_unit(spec), None)


@pytest.fixture
def demo(app, session):
    seed_demo(session, app.config)
    session.commit()
    # The demo's written consultation issued its drafts when it opened; the sessions now.
    for meeting in session.scalars(select(Meeting).where(Meeting.kind == "session")):
        start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    crawler = session.scalar(select(User).where(User.username == CRAWLER))
    run_units_of(app, crawler.id)
    session.expire_all()
    return crawler


def test_a_delegate_reaches_signed_papers_and_nothing_confidential(app, session, demo,
                                                                   tmp_path):
    client = app.test_client()
    client.post("/sign-in", data={"username": CRAWLER, "password": CRAWLER_PASSWORD})
    found = crawl(client)
    assert any("/meetings/" in page for page in found.pages)
    signed = [url for url, data in found.pdfs.items() if is_signed_valid(data, tmp_path)]
    assert len(signed) >= 3, found.pdfs.keys()
    for url, data in found.pdfs.items():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert len(pdf.pages) >= 1
        text = pdf_text(data)
        # No classified page; the packet's agenda may name the level of a paper it does
        # not hold ("Đọc trên cổng", "Bản giấy số …").
        for mark in MARKS:
            assert mark not in stamped_marks(text), f"{url} carries a {mark} page"
    # The Standing Committee's session and its papers are nowhere.
    standing = session.scalar(select(Meeting).where(Meeting.title.like("%Thường vụ%")))
    assert not any(f"/meetings/{standing.id}" in page for page in found.pages)

    # The secretariat recalls an unmarked item this delegate holds.
    held = session.scalars(select(IssuedCopy).where(
        IssuedCopy.user_id == demo.id, IssuedCopy.kind == "item",
        IssuedCopy.channel == "download")).first()
    assert held is not None
    document = session.get(Document, held.document_version.document_id)
    body_line = distinctive_line(held, found, document)
    recall_document(session, document, ACTOR)
    session.commit()
    run_units_of(app, demo.id)
    after = crawl(client)
    assert after.pdfs, "the rebuilt packet is reachable"
    for url, data in after.pdfs.items():
        text = pdf_text(data)
        assert f"Mã bản: {trace_code(held.verification_token)}" not in text, url
        assert body_line not in text, url


def distinctive_line(copy: IssuedCopy, found: Crawl, document: Document) -> str:
    """A line of the document's own text that only the PDFs holding this copy carry."""
    texts = {url: pdf_text(data) for url, data in found.pdfs.items()}
    reference = f"Mã bản: {trace_code(copy.verification_token)}"
    holding = {url for url, text in texts.items() if reference in text}
    assert len(holding) >= 2, "the copy itself and the packet hold it"
    url = next(u for u in holding if f"/copies/{copy.id}.pdf" in u)
    lines = [line.strip() for line in texts[url].splitlines()]
    for line in lines[len(lines) // 2:]:  # the body, past the heading and the title
        ours = document.title not in line and copy.meeting.title not in line
        if len(line) > 40 and ours and "Bản số" not in line and \
                {u for u, text in texts.items() if line in text} == holding:
            return line
    raise AssertionError("no line of the document's text is its alone")
