"""Fixtures of the audit tests: the issuance tests' PKI and TSA, a small issued meeting,
an auditor, and helpers that upload a file and tamper with a signed copy."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from flask.testing import FlaskClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import select
from werkzeug.test import TestResponse

from meetingsvc.accounts.models import Role, User
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import (  # noqa: F401 - app_config: sign with the run's PKI and TSA
    ACTOR,
    POLICY,
    add_document,
    app_config,
)


@dataclass
class Issued:
    meeting: Meeting
    delegates: list[User]
    #: Each delegate's signed copy of the report, by username.
    copies: dict[str, IssuedCopy]
    store: BlobStore

    def signed_bytes(self, username: str) -> bytes:
        copy = self.copies[username]
        assert copy.blob_sha256 is not None
        return self.store.path_for(copy.blob_sha256).read_bytes()


@pytest.fixture
def small_issue(app, session, make_user, make_body, make_meeting) -> Issued:
    """Two delegates, one unclassified report, issued and signed for real (4 copies)."""
    from meetingsvc.demo.pdfs import render_generic_pdf

    delegates = [make_user(full_name="Nguyễn Khắc Thắng", username="nkthang"),
                 make_user(full_name="Trần Thị Thu Hằng", username="ttthang")]
    body = make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", delegates)
    meeting = make_meeting(body, "Hội nghị Ban Chấp hành lần thứ 12")
    pdf = render_generic_pdf("Báo cáo tình hình kinh tế – xã hội", pages=2, seed=1)
    add_document(app, session, meeting, "Báo cáo kinh tế – xã hội", pdf, symbol="212-BC/TU")
    session.commit()
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    copies = {c.user.username: c for c in session.scalars(
        select(IssuedCopy).where(IssuedCopy.kind == "item"))}
    assert len(copies) == 2 and all(c.blob_sha256 for c in copies.values())
    return Issued(meeting, delegates, copies, BlobStore(Path(app.config["BLOB_DIR"])))


@pytest.fixture
def auditor(make_user) -> User:
    return make_user(Role.AUDITOR, username="kiemtra", full_name="Mai Văn Kiên")


@pytest.fixture
def upload(client: FlaskClient) -> Callable[..., TestResponse]:
    """POST a file to the verification form, as a page (following the redirect) or JSON."""

    def send(data: bytes, name: str = "tai-lieu.pdf", as_json: bool = False) -> TestResponse:
        headers = {"Accept": "application/json"} if as_json else {}
        return client.post("/audit/verify", data={"file": (io.BytesIO(data), name)},
                           headers=headers, follow_redirects=not as_json)

    return send


# --- tampering ----------------------------------------------------------------


def flip_signed_byte(data: bytes) -> bytes:
    """One bit changed in page content, well inside the signed byte range."""
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01
    return bytes(changed)


def incremental_update(data: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def draw_on_first_page(writer: IncrementalPdfFileWriter) -> None:
    """Adds page content after signing: a filled box over the text."""
    stream = generic.StreamObject(stream_data=b"1 0 0 rg 100 400 200 50 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))


def swap_in_a_page(writer: IncrementalPdfFileWriter) -> None:
    """Replaces the first page with a blank one of the attacker's."""
    page = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Page"),
        pdf_name("/Parent"): writer.root.raw_get("/Pages"),
        pdf_name("/MediaBox"): generic.ArrayObject(generic.NumberObject(v)
                                                   for v in (0, 0, 595, 842)),
        pdf_name("/Resources"): generic.DictionaryObject(),
    })
    pages = writer.root["/Pages"]
    kids = pages["/Kids"]
    kids[0] = writer.add_object(page)
    writer.update_container(kids)
    writer.update_container(pages)


def rewrite_with_page_swapped(data: bytes) -> bytes:
    """What a PDF editor does: the whole file saved anew, the two pages exchanged."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.pages.reverse()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
