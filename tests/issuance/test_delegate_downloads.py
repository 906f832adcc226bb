"""Delegates download only their own delivered copies, and each download is an event."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from meetingsvc.issuance.models import IssuanceUnit, IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import recall_document
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.tracking.models import DeliveryEvent
from tests.issuance.conftest import ACTOR
from tests.issuance.test_planning import POLICY


def item_copy(session, user, document):
    return session.scalar(select(IssuedCopy).where(
        IssuedCopy.user_id == user.id,
        IssuedCopy.document_version_id == document.current_version.id))


@pytest.fixture
def planned(session, prepared):
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    return job


def test_nothing_is_downloadable_before_the_delegate_s_copies_are_all_signed(
        app, client, sign_in, session, prepared, planned):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    url = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}.pdf"
    assert client.get(url).status_code == 404
    assert client.get(f"/meetings/{prepared.meeting.id}/my/packet.pdf").status_code == 404
    run_units_inline(app)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
    events = session.scalars(select(DeliveryEvent.kind).where(
        DeliveryEvent.copy_id == copy.id).order_by(DeliveryEvent.id)).all()
    assert events == ["delivered", "downloaded"]


def test_another_delegate_s_copy_is_404_by_any_id(app, client, sign_in, session, prepared,
                                                  planned):
    run_units_inline(app)
    mine, theirs = prepared.members[2], prepared.members[3]
    their_copy = item_copy(session, theirs, prepared.documents["report"])
    sign_in(mine)
    assert client.get(f"/meetings/{prepared.meeting.id}/my/copies/"
                      f"{their_copy.id}.pdf").status_code == 404
    for copy_id in range(1, 200):  # guessing ids finds nothing that is not one's own
        response = client.get(f"/meetings/{prepared.meeting.id}/my/copies/{copy_id}.pdf")
        copy = session.get(IssuedCopy, copy_id)
        if response.status_code == 200:
            response.close()
            assert copy.user_id == mine.id


def test_view_only_and_paper_copies_cannot_be_downloaded(app, client, sign_in, session,
                                                         prepared, planned):
    run_units_inline(app)
    member = prepared.standing[0]
    sign_in(member)
    for name in ("secret", "btv_only"):
        copy = item_copy(session, member, prepared.documents[name])
        assert client.get(f"/meetings/{prepared.meeting.id}/my/copies/"
                          f"{copy.id}.pdf").status_code == 404


def test_a_recalled_copy_stops_downloading(app, client, sign_in, session, prepared, planned):
    run_units_inline(app)
    delegate = prepared.members[4]
    copy = item_copy(session, delegate, prepared.documents["report"])
    recall_document(session, prepared.documents["report"], ACTOR)
    session.commit()
    sign_in(delegate)
    assert client.get(f"/meetings/{prepared.meeting.id}/my/copies/"
                      f"{copy.id}.pdf").status_code == 404


def test_the_zip_holds_the_single_copies_and_a_true_manifest(app, client, sign_in, session,
                                                             prepared, planned):
    run_units_inline(app)
    delegate = prepared.members[1]
    sign_in(delegate)
    with client.get(f"/meetings/{prepared.meeting.id}/my/packet.zip") as response:
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    files = manifest["files"] if isinstance(manifest, dict) else manifest
    assert {f["symbol"] for f in files} == {"11-CTr/TU", "212-BC/TU"}
    for entry in files:
        data = archive.read(entry["name"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert all(unit.status == "done" for unit in session.scalars(select(IssuanceUnit)))
