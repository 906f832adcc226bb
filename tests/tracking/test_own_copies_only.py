"""A delegate reaches only their own delivered copies: any other id, in any route, is a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.tracking.models import DeliveryEvent
from tests.tracking.conftest import item_copy, packet_of


def events(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(DeliveryEvent))


def routes(meeting_id: int, copy_id: int) -> list[tuple[str, str, dict]]:
    base = f"/meetings/{meeting_id}/my/copies/{copy_id}"
    return [("GET", f"{base}.pdf", {}), ("GET", f"{base}/view", {}),
            ("GET", f"{base}/file.pdf", {}), ("POST", f"{base}/pages", {"json": {"pages": [1]}}),
            ("POST", f"{base}/acknowledge", {})]


def test_another_delegate_s_copy_is_404_on_every_route(client, sign_in, session, prepared,
                                                       issued):
    mine, theirs = prepared.members[2], prepared.members[3]
    meeting_id = prepared.meeting.id
    before = events(session)
    sign_in(mine)
    for document in ("report", "secret", "programme"):
        their_copy = item_copy(session, theirs, prepared.documents[document])
        for method, url, extra in routes(meeting_id, their_copy.id):
            assert client.open(url, method=method, **extra).status_code == 404, (method, url)
    their_packet = packet_of(session, theirs)
    for method, url, extra in routes(meeting_id, their_packet.id):
        assert client.open(url, method=method, **extra).status_code == 404, (method, url)
    assert events(session) == before  # nothing was recorded for anyone


def test_guessing_ids_finds_only_one_s_own_copies(client, sign_in, session, prepared, issued):
    mine = prepared.members[2]
    sign_in(mine)
    own = set(session.scalars(select(DeliveryEvent.copy_id).distinct()))
    for copy_id in range(1, max(own) + 5):
        response = client.get(f"/meetings/{prepared.meeting.id}/my/copies/{copy_id}/file.pdf")
        response.close()
        if response.status_code != 404:
            assert item_copy_owner(session, copy_id) == mine.id


def item_copy_owner(session, copy_id: int) -> int:
    from meetingsvc.issuance.models import IssuedCopy

    return session.get(IssuedCopy, copy_id).user_id


def test_own_copy_under_another_meeting_id_is_404(client, sign_in, session, prepared, issued,
                                                  make_meeting):
    delegate = prepared.members[1]
    other = make_meeting(prepared.btv, "Hội nghị Ban Thường vụ", 30)  # the delegate is invited
    copy = item_copy(session, delegate, prepared.documents["report"])
    sign_in(delegate)
    for method, url, extra in routes(other.id, copy.id):
        assert client.open(url, method=method, **extra).status_code == 404, (method, url)
    assert client.post(f"/meetings/{other.id}/my/acknowledge").status_code == 404


def test_a_meeting_one_is_not_invited_to_is_404(client, sign_in, session, prepared, issued,
                                                make_user):
    outsider = make_user()
    sign_in(outsider)
    meeting_id = prepared.meeting.id
    for url in (f"/meetings/{meeting_id}/my/packet.pdf", f"/meetings/{meeting_id}/my/packet.zip"):
        assert client.get(url).status_code == 404
    assert client.post(f"/meetings/{meeting_id}/my/acknowledge").status_code == 404


def test_recalled_and_paper_copies_are_not_viewable(client, sign_in, session, prepared, issued):
    from meetingsvc.issuance.recall import recall_document
    from tests.issuance.conftest import ACTOR

    member = prepared.standing[0]
    paper = item_copy(session, member, prepared.documents["btv_only"])
    secret = item_copy(session, member, prepared.documents["secret"])
    recall_document(session, prepared.documents["secret"], ACTOR)
    session.commit()
    sign_in(member)
    for copy in (paper, secret):
        for suffix in ("/view", "/file.pdf"):
            url = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}{suffix}"
            assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.AUDITOR])
def test_the_dashboard_is_the_secretariat_s(client, sign_in, prepared, issued, make_user, role):
    user = prepared.members[0] if role is Role.DELEGATE else make_user(role)
    sign_in(user)
    base = f"/meetings/{prepared.meeting.id}/receipts"
    for url in (f"{base}/", f"{base}/receipts.csv", f"{base}/receipts.xlsx",
                f"{base}/delegates/{user.id}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/remind", data={"reason": "not_opened"}).status_code == 404
