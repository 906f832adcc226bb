"""An upload made by mistake can be deleted until something is issued from it; an issued
document never is (it is recalled instead), so no copy's evidence loses its source."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.models import Document, DocumentVersion
from meetingsvc.meetings.models import AgendaItem
from tests.confirming import confirmation_fields, confirmed_post


@pytest.fixture
def staff(client, sign_in, make_user):
    sign_in(make_user(Role.SECRETARIAT))
    return client


def delete_url(document: Document) -> str:
    return f"/meetings/{document.meeting_id}/documents/{document.id}/delete"


def documents(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Document))


def test_an_unissued_document_is_deleted_after_confirmation_then_its_item_can_go(
        staff, session, prepared):
    report = prepared.documents["report"]
    page = staff.get(f"/meetings/{report.meeting_id}/documents/{report.id}")
    assert delete_url(report) in page.get_data(as_text=True)
    before = documents(session)

    bare = staff.post(delete_url(report), data={})
    assert bare.status_code == 302 and bare.location.endswith(delete_url(report))
    assert documents(session) == before

    item_id, report_id = report.agenda_item_id, report.id
    shas = [v.blob_sha256 for v in report.versions]
    done = confirmed_post(staff, delete_url(report), follow_redirects=True)
    assert "Đã xóa văn bản 212-BC/TU" in done.get_data(as_text=True)
    assert documents(session) == before - 1
    assert session.scalar(select(func.count()).select_from(DocumentVersion)
                          .where(DocumentVersion.document_id == report_id)) == 0
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.deleted"))
    assert json.loads(event.details)["versions"] == shas

    again = confirmed_post(staff, f"/meetings/{report.meeting_id}/agenda/{item_id}/remove")
    assert again.status_code == 302
    assert session.get(AgendaItem, item_id) is None


def test_a_second_press_after_the_deletion_says_so(staff, session, prepared):
    report = prepared.documents["report"]
    shown = confirmation_fields(staff.get(delete_url(report)).get_data(as_text=True))
    staff.post(delete_url(report), data=shown)
    second = staff.post(delete_url(report), data=shown, follow_redirects=True)
    assert "Văn bản này đã được xóa trước đó." in second.get_data(as_text=True)


def test_an_issued_document_is_never_deleted(staff, session, issued, prepared):
    report = prepared.documents["report"]
    page = staff.get(delete_url(report)).get_data(as_text=True)
    assert "đã được phát hành: không thể xóa" in page
    assert 'name="symbol"' not in page  # no confirming form
    shown = staff.get(f"/meetings/{report.meeting_id}/documents/{report.id}")
    assert delete_url(report) not in shown.get_data(as_text=True)
    before = documents(session)
    refused = staff.post(delete_url(report), data={"symbol": report.symbol},
                         follow_redirects=True)
    assert "không thể xóa" in refused.get_data(as_text=True)
    assert documents(session) == before


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.AUDITOR])
def test_only_the_secretariat_deletes(client, sign_in, make_user, session, prepared, role):
    report = prepared.documents["report"]
    sign_in(make_user(role))
    assert client.get(delete_url(report)).status_code == 404
    assert client.post(delete_url(report), data={"symbol": report.symbol}).status_code == 404
    assert documents(session) == len(prepared.documents)
