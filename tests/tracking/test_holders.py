"""A document's page tells the secretariat who holds which copy and in which state; a
delegate's page of the same document says nothing of anyone else's copy."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from meetingsvc.accounts.models import Role
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import recall_document, record_handover, record_print
from meetingsvc.issuance.runner import run_units_inline
from tests.issuance.conftest import ACTOR, POLICY
from tests.tracking.conftest import item_copy, open_in_viewer


@pytest.fixture
def staff(make_user):
    return make_user(Role.SECRETARIAT)


def states(page: str) -> dict[int, str]:
    """Copy id → state, as the holders table shows them."""
    return {int(c): s for c, s in re.findall(r'<tr data-copy="(\d+)" data-state="(\w+)"', page)}


def row_text(page: str, copy_id: int) -> str:
    start = page.index(f'<tr data-copy="{copy_id}"')
    return re.sub(r"<[^>]+>", " ", page[start:page.index("</tr>", start)])


def test_staff_see_every_copy_its_holder_and_state(client, sign_in, session, prepared,
                                                   issued, staff):
    first, second = prepared.members[:2]
    docs, meeting_id = prepared.documents, prepared.meeting.id
    mine = item_copy(session, first, docs["report"])
    sign_in(first)
    open_in_viewer(client, meeting_id, mine.id)
    client.post(f"/meetings/{meeting_id}/my/copies/{mine.id}/acknowledge")
    client.post("/sign-out")

    sign_in(staff)
    page = client.get(f"/meetings/{meeting_id}/documents/{docs['report'].id}"
                      ).get_data(as_text=True)
    assert "Ai giữ bản nào" in page
    shown = states(page)
    assert len(shown) == 5  # every member; guests do not get the report
    assert shown[mine.id] == "acknowledged"
    assert shown[item_copy(session, second, docs["report"]).id] == "issued"
    text = row_text(page, mine.id)
    assert mine.label in text and first.full_name in text and "đã ký nhận" in text

    paper = item_copy(session, first, docs["btv_only"])
    url = f"/meetings/{meeting_id}/documents/{docs['btv_only'].id}"
    assert states(client.get(url).get_data(as_text=True))[paper.id] == "not_printed"
    record_print(session, paper, "0" * 64, ACTOR)
    record_handover(session, paper, ACTOR)
    session.commit()
    page = client.get(url).get_data(as_text=True)
    assert states(page)[paper.id] == "handed_over"
    assert "bản giấy" in row_text(page, paper.id) and "đã giao" in row_text(page, paper.id)


def test_recalled_and_superseded_copies_say_so(app, client, sign_in, session, prepared,
                                               issued, staff):
    from meetingsvc.demo.pdfs import render_generic_pdf

    report, programme = prepared.documents["report"], prepared.documents["programme"]
    old = item_copy(session, prepared.members[0], report)
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), report,
                Upload(io.BytesIO(render_generic_pdf("Báo cáo sửa", pages=2, seed=3)),
                       "v2.pdf", 10**7), ACTOR)
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    sign_in(staff)
    meeting_id = prepared.meeting.id
    page = client.get(f"/meetings/{meeting_id}/documents/{report.id}").get_data(as_text=True)
    shown = states(page)
    assert len(shown) == 10 and shown[old.id] == "superseded"
    assert "(v1)" in row_text(page, old.id)
    # The newest version's copies come first.
    assert page.index(f'data-copy="{old.id}"') > page.index('data-state="issued"')
    recall_document(session, programme, ACTOR)
    session.commit()
    page = client.get(f"/meetings/{meeting_id}/documents/{programme.id}").get_data(as_text=True)
    assert set(states(page).values()) == {"recalled"}


def test_a_delegate_sees_none_of_the_holders(client, sign_in, session, prepared, issued):
    first = prepared.members[0]
    sign_in(first)
    page = client.get(f"/meetings/{prepared.meeting.id}/documents/"
                      f"{prepared.documents['report'].id}").get_data(as_text=True)
    assert 'id="holders"' not in page and "data-state=" not in page
    for other in prepared.members[1:]:
        assert other.full_name not in page
