"""The delegate's home and meeting page: what is new, and each item's state."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import recall_document
from meetingsvc.issuance.runner import run_units_inline
from tests.issuance.conftest import ACTOR, POLICY
from tests.tracking.conftest import item_copy, open_in_viewer


def test_home_lists_upcoming_meetings_first_with_unread_counts(client, sign_in, session,
                                                               prepared, issued, make_meeting):
    body = prepared.meeting.body
    past = make_meeting(body, "Hội nghị lần thứ 11", 11)
    soon = make_meeting(body, "Hội nghị lần thứ 13", 13)
    past.starts_at = datetime.now(UTC) - timedelta(days=30)
    soon.starts_at = datetime.now(UTC) + timedelta(days=2)
    session.commit()
    delegate = prepared.members[0]
    sign_in(delegate)
    report = item_copy(session, delegate, prepared.documents["report"])
    open_in_viewer(client, prepared.meeting.id, report.id)
    page = client.get("/meetings/").get_data(as_text=True)
    order = [int(m) for m in re.findall(r'data-meeting="(\d+)"', page)]
    assert order == [soon.id, prepared.meeting.id, past.id]
    card = page[page.index(f'data-meeting="{prepared.meeting.id}"'):]
    card = card[:card.index("</li>")]
    assert re.search(r'data-count="unread">2 ', card)  # programme and secret; report opened
    assert re.search(r'data-count="unacknowledged">3 ', card)


def test_each_item_shows_its_state(app, client, sign_in, session, prepared, issued):
    delegate = prepared.members[0]
    meeting_id = prepared.meeting.id
    programme = item_copy(session, delegate, prepared.documents["programme"])
    sign_in(delegate)
    client.get(f"/meetings/{meeting_id}/my/copies/{programme.id}.pdf").close()
    report = item_copy(session, delegate, prepared.documents["report"])
    client.post(f"/meetings/{meeting_id}/my/copies/{report.id}/acknowledge")
    recall_document(session, prepared.documents["secret"], ACTOR)
    session.commit()

    def states() -> dict[int, str]:
        page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
        return {int(d): s for d, s in re.findall(
            r'data-document="(\d+)" data-state="(\w+)"', page)}

    docs = prepared.documents
    assert states() == {docs["programme"].id: "opened", docs["report"].id: "acknowledged",
                        docs["secret"].id: "recalled"}
    pdf = __import__("meetingsvc.demo.pdfs", fromlist=["x"]).render_generic_pdf("Bản sửa", 2, 7)
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), docs["report"],
                Upload(io.BytesIO(pdf), "v2.pdf", 10**7), ACTOR)
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert states()[docs["report"].id] == "new"  # the new version waits to be read
    assert "phiên bản 2" in page
