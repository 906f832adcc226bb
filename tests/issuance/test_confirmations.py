"""Heavy or destructive actions ask first, with counts made by the code that will act.

Issue, recall, removing an invitee, removing an agenda item: the button leads to a
confirmation page (a GET that changes nothing); only its POST acts, and a confirmation
shown for a state that has changed since is refused with the new counts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.issuance.models import CopyKind, IssuanceJob, IssuanceUnit, IssuedCopy
from meetingsvc.meetings.models import AgendaItem, Invitation
from tests.confirming import confirmation_fields, confirmed_post
from tests.issuance.conftest import ACTOR, POLICY


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def staff(client, sign_in, make_user):
    sign_in(make_user(Role.SECRETARIAT))
    return client


def test_the_issue_confirmation_counts_what_is_then_issued(staff, session, prepared):
    url = f"/meetings/{prepared.meeting.id}/issue"
    audit_rows = count(session, AuditEvent)
    meeting_page = staff.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert f'href="{url}"' in meeting_page  # the button leads to the confirmation

    page = staff.get(url).get_data(as_text=True)
    # Five members get the programme, the report and the MẬT item, the two of the
    # Standing Committee also the TỐI MẬT one (on paper); the guest gets the programme.
    assert "Phát hành cho 6 đại biểu, 18 bản" in page
    assert "Bản giấy cần in" in page
    assert count(session, IssuanceJob) == 0 and count(session, AuditEvent) == audit_rows

    response = staff.post(url, data=confirmation_fields(page))
    assert response.status_code == 302
    assert count(session, IssuanceUnit) == 6
    staff.post(url, data=confirmation_fields(page))  # pressed twice: one job
    assert count(session, IssuanceJob) == 1
    assert count(session, IssuedCopy, IssuedCopy.kind == CopyKind.ITEM.value) == 18
    assert count(session, IssuedCopy, IssuedCopy.channel == "print") == 2


def test_a_post_without_the_confirmation_issues_nothing(staff, session, prepared):
    url = f"/meetings/{prepared.meeting.id}/issue"
    response = staff.post(url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert count(session, IssuanceJob) == 0


def test_a_stale_issue_confirmation_is_refused_with_the_new_counts(staff, session, prepared,
                                                                     make_user):
    url = f"/meetings/{prepared.meeting.id}/issue"
    shown = confirmation_fields(staff.get(url).get_data(as_text=True))
    latecomer = make_user(full_name="Vũ Thị Mới")
    staff.post(f"/meetings/{prepared.meeting.id}/guests", data={"user_id": latecomer.id})

    page = staff.post(url, data=shown, follow_redirects=True).get_data(as_text=True)
    assert "Chưa phát hành gì" in page
    assert "Phát hành cho 7 đại biểu, 19 bản" in page  # recomputed, ready to confirm again
    assert count(session, IssuanceJob) == 0
    staff.post(url, data=confirmation_fields(page))
    assert count(session, IssuedCopy, IssuedCopy.kind == CopyKind.ITEM.value) == 19


def test_nothing_to_issue_is_said_on_the_confirmation_page_without_a_button(staff, session,
                                                                            prepared):
    from meetingsvc.issuance.planning import start_issuance

    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    page = staff.get(f"/meetings/{prepared.meeting.id}/issue").get_data(as_text=True)
    assert 'name="plan"' not in page
    card = page.split("confirm-card")[1].split("</section>")[0]
    assert "<form" not in card and 'role="alert"' in card


def test_counts_are_written_the_vietnamese_way(app):
    from meetingsvc.issuance.views import number

    with app.test_request_context("/"):
        assert number(1155) == "1.155"


def test_others_cannot_open_a_confirmation(client, sign_in, make_user, prepared):
    meeting = prepared.meeting
    item = meeting.agenda_items[0]
    invitation = meeting.invitations[0]
    urls = [f"/meetings/{meeting.id}/issue",
            f"/meetings/{meeting.id}/documents/{prepared.documents['report'].id}/recall",
            f"/meetings/{meeting.id}/invitations/{invitation.id}/remove",
            f"/meetings/{meeting.id}/agenda/{item.id}/remove"]
    for role in (Role.DELEGATE, Role.AUDITOR):
        sign_in(make_user(role))
        assert [client.get(url).status_code for url in urls] == [404] * 4
        client.post("/sign-out")


def test_the_recall_confirmation_counts_the_copies_and_refuses_a_second_press(
        app, staff, session, prepared, issued):
    meeting, report = prepared.meeting, prepared.documents["report"]
    url = f"/meetings/{meeting.id}/documents/{report.id}/recall"
    assert f'href="{url}"' in staff.get(
        f"/meetings/{meeting.id}/documents/{report.id}").get_data(as_text=True)
    page = staff.get(url).get_data(as_text=True)
    assert "Thu hồi 5 bản của 5 đại biểu" in page  # the five members, not the guest
    assert count(session, IssuedCopy, IssuedCopy.recalled_at.is_not(None)) == 0

    shown = confirmation_fields(page)
    staff.post(url, data=shown)
    app.extensions["issuance_runner"].join(timeout=180)
    recalled = count(session, IssuedCopy, IssuedCopy.recalled_at.is_not(None),
                     IssuedCopy.kind == CopyKind.ITEM.value)
    assert recalled == 5

    again = staff.post(url, data=shown, follow_redirects=True).get_data(as_text=True)
    assert "Chưa thu hồi gì" in again
    assert count(session, AuditEvent, AuditEvent.action == "document.recalled") == 1


def test_removing_an_invitee_shows_their_copies_and_a_stale_confirmation_is_refused(
        staff, session, prepared):
    from meetingsvc.issuance.planning import start_issuance

    meeting, guest = prepared.meeting, prepared.guest
    invitation = session.scalar(select(Invitation).where(Invitation.user_id == guest.id))
    url = f"/meetings/{meeting.id}/invitations/{invitation.id}/remove"
    page = staff.get(url).get_data(as_text=True)
    assert "Chưa phát hành tài liệu nào cho Đoàn Văn Thọ" in page
    shown = confirmation_fields(page)

    start_issuance(session, meeting, ACTOR, POLICY)  # meanwhile the papers are issued
    session.commit()
    refused = staff.post(url, data=shown, follow_redirects=True).get_data(as_text=True)
    assert "Chưa bỏ mời ai" in refused
    assert "Đoàn Văn Thọ đang giữ 1 bản đã phát hành" in refused
    assert count(session, Invitation, Invitation.id == invitation.id) == 1

    fresh = confirmation_fields(refused)
    staff.post(url, data=fresh)
    assert count(session, Invitation, Invitation.id == invitation.id) == 0
    twice = staff.post(url, data=fresh, follow_redirects=True).get_data(as_text=True)
    assert "đã được bỏ mời trước đó" in twice
    assert count(session, AuditEvent, AuditEvent.action == "meeting.uninvited") == 1


def test_removing_an_agenda_item_is_confirmed_and_refused_once_it_has_papers(
        staff, session, make_body, make_meeting, make_user):
    meeting = make_meeting(make_body("bch", members=[make_user()]))
    staff.post(f"/meetings/{meeting.id}/agenda", data={"title": "Khai mạc"})
    item = session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    url = f"/meetings/{meeting.id}/agenda/{item.id}/remove"
    page = staff.get(url).get_data(as_text=True)
    assert "1. Khai mạc" in page and count(session, AgendaItem) == 1

    shown = confirmation_fields(page)
    staff.post(f"/meetings/{meeting.id}/agenda/{item.id}/edit",
               data={"title": "Khai mạc hội nghị", "presenter": ""})
    refused = staff.post(url, data=shown, follow_redirects=True).get_data(as_text=True)
    assert "Chưa xóa gì" in refused and count(session, AgendaItem) == 1

    confirmed_post(staff, url)
    assert count(session, AgendaItem) == 0


def test_a_bare_post_only_leads_to_the_confirmation(staff, session, prepared):
    """A form posted without the confirmation's fields (an old page, a script) acts on
    nothing: it is answered with the confirmation page's address."""
    from meetingsvc.issuance.planning import start_issuance

    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    meeting = prepared.meeting
    invitation = meeting.invitations[0]
    item = session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    audit_rows = count(session, AuditEvent)
    for url in (f"/meetings/{meeting.id}/documents/{prepared.documents['report'].id}/recall",
                f"/meetings/{meeting.id}/invitations/{invitation.id}/remove",
                f"/meetings/{meeting.id}/agenda/{item.id}/remove"):
        response = staff.post(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert count(session, AuditEvent) == audit_rows
    assert count(session, IssuedCopy, IssuedCopy.recalled_at.is_not(None)) == 0
    assert count(session, Invitation, Invitation.id == invitation.id) == 1


def test_recall_all_confidential_counts_then_recalls_only_the_confidential_papers(
        staff, session, prepared, issued):
    meeting = prepared.meeting
    url = f"/meetings/{meeting.id}/recall-confidential"
    assert f'href="{url}"' in staff.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    page = staff.get(url).get_data(as_text=True)
    # The MẬT report to the five members, the TỐI MẬT one to the two of the Standing Committee.
    assert "Thu hồi 7 bản của 2 tài liệu từ 5 đại biểu" in page
    assert "215-BC/TU" in page and "38-TTr/TU" in page and "212-BC/TU" not in page
    assert count(session, IssuedCopy, IssuedCopy.recalled_at.is_not(None)) == 0

    shown = confirmation_fields(page)
    staff.post(url, data=shown)
    recalled = session.scalars(select(IssuedCopy).where(
        IssuedCopy.recalled_at.is_not(None))).all()
    assert len(recalled) == 7
    assert {c.document_version.document.symbol for c in recalled} == {"215-BC/TU", "38-TTr/TU"}
    again = staff.post(url, data=shown, follow_redirects=True).get_data(as_text=True)
    assert "Chưa thu hồi gì" in again
    assert count(session, AuditEvent, AuditEvent.action == "document.recalled") == 2
