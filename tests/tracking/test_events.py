"""Events of receiving a copy: recorded once each, audited, never changed."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from meetingsvc.audit.models import AuditEvent
from meetingsvc.tracking.models import AppendOnly, DeliveryEvent
from tests.tracking.conftest import item_copy, packet_of


def kinds(session, copy) -> list[tuple[str, int | None]]:
    session.expire_all()
    return [(kind, page) for kind, page in session.execute(
        select(DeliveryEvent.kind, DeliveryEvent.page).where(DeliveryEvent.copy_id == copy.id)
        .order_by(DeliveryEvent.id))]


def test_the_viewer_file_is_inline_with_ranges_etag_and_one_opened_event(
        client, sign_in, session, prepared, issued):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    page = client.get(f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}/view")
    url = re.search(r'data-file="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert "/file.pdf?ticket=" in url  # the viewer's own request carries its view ticket
    with client.get(url) as whole:
        assert whole.status_code == 200
        assert whole.mimetype == "application/pdf"
        assert whole.headers["ETag"] == f'"{copy.blob_sha256}"'
        assert whole.headers["Accept-Ranges"] == "bytes"
        disposition = whole.headers["Content-Disposition"]
        size = len(whole.data)
    assert disposition.startswith('inline; filename="212-BC-TU-Bao-cao-kinh-te-xa-hoi-Ban-so-01-05')
    assert "filename*=UTF-8''" + quote("212-BC-TU - Báo cáo kinh tế", safe="") in disposition
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:  # PDF.js asks in ranges
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
        assert len(part.data) == 100
    with client.get(url, headers={"If-None-Match": f'"{copy.blob_sha256}"'}) as cached:
        assert cached.status_code == 304
    assert kinds(session, copy).count(("opened", None)) == 1  # once per ticket


def test_a_view_only_copy_is_shown_but_never_sent_as_a_file(client, sign_in, session,
                                                            prepared, issued):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["secret"])
    sign_in(delegate)
    base = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}"
    assert client.get(f"{base}/file.pdf").status_code == 404  # page images instead
    assert client.get(f"{base}.pdf").status_code == 404
    page = client.get(f"{base}/view").get_data(as_text=True)
    assert f"{base}.pdf" not in page and f"{base}/file.pdf" not in page


def test_a_download_is_an_attachment_with_a_vietnamese_name(client, sign_in, session, prepared,
                                                           issued):
    delegate = prepared.members[1]
    sign_in(delegate)
    with client.get(f"/meetings/{prepared.meeting.id}/my/packet.pdf") as response:
        disposition = response.headers["Content-Disposition"]
        assert response.headers["ETag"] == f'"{packet_of(session, delegate).blob_sha256}"'
    assert disposition.startswith('attachment; filename="')
    assert quote("Hội nghị Ban Chấp hành lần thứ 12", safe="") in disposition
    disposition.encode("ascii")  # the header itself stays ASCII


def test_pages_are_recorded_in_batches_and_audited(client, sign_in, session, prepared, issued):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    url = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}/pages"
    assert client.post(url, json={"pages": [2, 1, 2]}).json == {"recorded": 2}
    assert client.post(url, data={"pages": "3"}).status_code == 200  # the beacon's form
    for bad in ([4], [0], ["x"], "1,2", [True]):
        assert client.post(url, json={"pages": bad}).status_code == 400, bad
    assert [p for k, p in kinds(session, copy) if k == "page_viewed"] == [1, 2, 3]
    audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "copy.page_viewed", AuditEvent.object_id == str(copy.id)))
    assert audited == 3


def test_acknowledging_happens_once(client, sign_in, session, prepared, issued):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    url = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}/acknowledge"
    assert client.post(url).status_code == 302
    assert client.post(url, follow_redirects=True).status_code == 200
    assert [k for k, _ in kinds(session, copy)].count("acknowledged") == 1
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert 'data-state="acknowledged"' in page
    # The database holds it too, whatever a request might race.
    session.add(DeliveryEvent(copy_id=copy.id, kind="acknowledged"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_acknowledging_the_packet_acknowledges_every_item_still_open(client, sign_in, session,
                                                                     prepared, issued):
    delegate = prepared.members[0]  # report, programme, secret (MẬT) and a paper copy
    report = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    client.post(f"/meetings/{prepared.meeting.id}/my/copies/{report.id}/acknowledge")
    confirmation = client.get(f"/meetings/{prepared.meeting.id}/my/acknowledge")
    listed = re.findall(r'name="copy" value="(\d+)"', confirmation.get_data(as_text=True))
    response = client.post(f"/meetings/{prepared.meeting.id}/my/acknowledge",
                           data={"confirmed": "1", "copy": listed}, follow_redirects=True)
    assert "(2 " in response.get_data(as_text=True)  # programme and secret; not the report again
    acknowledged = dict(session.execute(
        select(DeliveryEvent.copy_id, func.count()).where(DeliveryEvent.kind == "acknowledged")
        .group_by(DeliveryEvent.copy_id)).all())
    expected = {packet_of(session, delegate).id, report.id,
                item_copy(session, delegate, prepared.documents["programme"]).id,
                item_copy(session, delegate, prepared.documents["secret"]).id}
    assert acknowledged == dict.fromkeys(expected, 1)
    assert client.post(f"/meetings/{prepared.meeting.id}/my/acknowledge",
                       data={"confirmed": "1", "copy": listed}).status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DeliveryEvent).where(
        DeliveryEvent.kind == "acknowledged")) == 4


def test_events_cannot_be_changed_or_removed(session, prepared, issued):
    event = session.scalars(select(DeliveryEvent)).first()
    event.address = "10.0.0.1"
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.scalars(select(DeliveryEvent)).first())
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
