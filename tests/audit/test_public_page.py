"""The public page behind each copy's QR code: what anyone may know, limited per address."""

from __future__ import annotations

from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.issuance.recall import recall_document
from tests.audit.conftest import ACTOR


def test_the_qr_page_says_what_the_copy_is_but_not_whose(client, session, small_issue):
    copy = small_issue.copies["nkthang"]
    page = client.get(f"/v/{copy.verification_token}").get_data(as_text=True)
    assert "212-BC/TU" in page and "Hội nghị Ban Chấp hành lần thứ 12" in page
    assert copy.label in page and "Hiện hành" in page and "(UTC+7)" in page
    assert "Nguyễn Khắc Thắng" not in page and "nkthang" not in page
    recall_document(session, copy.document_version.document, ACTOR)
    session.commit()
    assert "Đã thu hồi" in client.get(f"/v/{copy.verification_token}").get_data(as_text=True)
    looked_up = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "copy.public_verified")).all()
    assert [row.object_id for row in looked_up] == [str(copy.id)] * 2


def test_the_qr_page_is_rate_limited_per_address(app, client):
    app.config["PUBLIC_VERIFY_PER_MINUTE"] = 3
    guess = "/v/" + "A" * 32
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(guess, environ_base=here).status_code for _ in range(3)] == [404] * 3
    limited = client.get(guess, environ_base=here)
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert "Quá nhiều lượt kiểm tra" in limited.get_data(as_text=True)
    # Another address is counted on its own.
    assert client.get(guess, environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 404
