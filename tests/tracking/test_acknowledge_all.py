"""Ký nhận toàn bộ asks first: it lists what will be acknowledged and what was never opened."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.tracking.models import DeliveryEvent
from tests.tracking.conftest import item_copy, open_in_viewer, packet_of


def acknowledgements(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(DeliveryEvent).where(
        DeliveryEvent.kind == "acknowledged"))


def listed(page: str) -> dict[int, str]:
    """Copy id → "true"/"false" (opened) for each item the confirmation lists."""
    return {int(c): o for c, o in re.findall(r'data-copy="(\d+)" data-opened="(\w+)"', page)}


def test_the_confirmation_lists_the_papers_and_marks_those_never_opened(
        client, sign_in, session, prepared, issued):
    delegate = prepared.standing[0]
    meeting_id = prepared.meeting.id
    docs = prepared.documents
    programme = item_copy(session, delegate, docs["programme"])
    report = item_copy(session, delegate, docs["report"])
    secret = item_copy(session, delegate, docs["secret"])
    sign_in(delegate)
    open_in_viewer(client, meeting_id, report.id)
    client.post(f"/meetings/{meeting_id}/my/copies/{programme.id}/acknowledge")

    meeting_page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting_id}/my/acknowledge"' in meeting_page
    before = acknowledgements(session)
    page = client.get(f"/meetings/{meeting_id}/my/acknowledge").get_data(as_text=True)
    # The acknowledged programme is not asked again; the report was opened; the MẬT one not.
    assert listed(page) == {report.id: "true", secret.id: "false"}
    assert "chưa mở lần nào" in page
    assert "Đồng chí chưa mở 1 tài liệu trong số này." in page
    assert "215-BC/TU" in page and "212-BC/TU" in page
    assert acknowledgements(session) == before, "showing the confirmation acknowledges nothing"

    response = client.post(f"/meetings/{meeting_id}/my/acknowledge",
                           data={"confirmed": "1", "copy": [str(report.id), str(secret.id)]})
    assert response.status_code == 302
    assert acknowledgements(session) == before + 3  # the packet, the report, the secret
    audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "copy.acknowledged"))
    assert audited == before + 3
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "/my/acknowledge\"" not in page
    assert "Đã ký nhận" in page or "đã ký nhận" in page


def test_nothing_is_acknowledged_without_the_confirmation(client, sign_in, session, prepared,
                                                          issued):
    delegate = prepared.members[2]
    meeting_id = prepared.meeting.id
    sign_in(delegate)
    before = acknowledgements(session)
    # The old one-click form: no confirmation, so it leads to the confirmation page.
    response = client.post(f"/meetings/{meeting_id}/my/acknowledge")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting_id}/my/acknowledge")
    assert acknowledgements(session) == before


def test_only_the_listed_papers_are_acknowledged(client, sign_in, session, prepared, issued):
    """A paper the confirmation did not list (arrived since, or left out) waits for its own."""
    delegate = prepared.members[2]
    meeting_id = prepared.meeting.id
    report = item_copy(session, delegate, prepared.documents["report"])
    programme = item_copy(session, delegate, prepared.documents["programme"])
    other = item_copy(session, prepared.members[3], prepared.documents["report"])
    sign_in(delegate)
    before = acknowledgements(session)
    client.post(f"/meetings/{meeting_id}/my/acknowledge",
                data={"confirmed": "1", "copy": [str(report.id), str(other.id)]})
    assert acknowledgements(session) == before + 2  # the packet and the report only
    done = set(session.scalars(select(DeliveryEvent.copy_id).where(
        DeliveryEvent.kind == "acknowledged")))
    assert report.id in done and packet_of(session, delegate).id in done
    assert programme.id not in done and other.id not in done


def test_a_double_submit_acknowledges_once(client, sign_in, session, prepared, issued):
    delegate = prepared.members[2]
    meeting_id = prepared.meeting.id
    sign_in(delegate)
    page = client.get(f"/meetings/{meeting_id}/my/acknowledge").get_data(as_text=True)
    copies = list(listed(page))
    assert len(copies) == 3
    before = acknowledgements(session)
    for _ in range(2):
        response = client.post(f"/meetings/{meeting_id}/my/acknowledge",
                               data={"confirmed": "1", "copy": [str(c) for c in copies]},
                               follow_redirects=True)
        assert response.status_code == 200
    assert acknowledgements(session) == before + 4  # the packet and its three papers, once
    assert "Đồng chí đã ký nhận bộ tài liệu này rồi." in response.get_data(as_text=True)


def test_the_confirmation_is_the_delegates_own(client, sign_in, session, prepared, issued,
                                               make_user):
    outsider = make_user(full_name="Người ngoài")
    sign_in(outsider)
    assert client.get(f"/meetings/{prepared.meeting.id}/my/acknowledge").status_code == 404
    before = acknowledgements(session)
    client.post(f"/meetings/{prepared.meeting.id}/my/acknowledge", data={"confirmed": "1"})
    assert acknowledgements(session) == before


def test_with_every_paper_acknowledged_only_the_packet_is_left(client, sign_in, session,
                                                               prepared, issued):
    delegate = prepared.guest  # the programme only
    meeting_id = prepared.meeting.id
    programme = item_copy(session, delegate, prepared.documents["programme"])
    sign_in(delegate)
    client.post(f"/meetings/{meeting_id}/my/copies/{programme.id}/acknowledge")
    page = client.get(f"/meetings/{meeting_id}/my/acknowledge").get_data(as_text=True)
    assert listed(page) == {}
    assert "Xác nhận ký nhận bộ tài liệu" in page
    before = acknowledgements(session)
    client.post(f"/meetings/{meeting_id}/my/acknowledge", data={"confirmed": "1"})
    assert acknowledgements(session) == before + 1
    assert session.scalar(select(DeliveryEvent.id).where(
        DeliveryEvent.copy_id == packet_of(session, delegate).id,
        DeliveryEvent.kind == "acknowledged")) is not None
