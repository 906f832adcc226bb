"""The auditor reads the log, filters it, and checks its chain from the browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor, record
from tests.tampering import allow_tampering


def _rows(page: str) -> list[str]:
    """The actions listed on a log page, top to bottom."""
    return [line.split('<code class="action-code">')[1].split("</code>")[0]
            for line in page.splitlines() if '<code class="action-code">' in line]


def test_the_log_lists_and_filters_by_meeting_user_action_and_time(
        session, client, sign_in, auditor, make_user, make_body, make_meeting):
    delegate = make_user(username="lqminh")
    body = make_body("btv", members=[delegate])
    first, second = make_meeting(body, "Hội nghị lần thứ 44", 44), make_meeting(body)
    record(session, "copy.downloaded", Actor(delegate.id, "lqminh", "10.0.0.5"),
           object_type="issued_copy", object_id=7, meeting_id=first.id)
    record(session, "copy.acknowledged", Actor(delegate.id, "lqminh"), meeting_id=second.id)
    record(session, "document.recalled", Actor(username="thuky"), meeting_id=second.id,
           details={"symbol": "15-NQ/TU", "user": "lqminh"})
    session.commit()
    sign_in(auditor)

    everything = _rows(client.get("/audit/log").get_data(as_text=True))
    assert everything[:4] == ["auth.signed_in", "document.recalled", "copy.acknowledged",
                              "copy.downloaded"]
    by_meeting = _rows(client.get(f"/audit/log?meeting={first.id}").get_data(as_text=True))
    assert "copy.downloaded" in by_meeting and "copy.acknowledged" not in by_meeting
    # A user's own actions and the actions about them.
    by_user = _rows(client.get("/audit/log?user=LQMinh").get_data(as_text=True))
    assert by_user == ["document.recalled", "copy.acknowledged", "copy.downloaded",
                       "account.created"]
    by_action = _rows(client.get("/audit/log?action=copy.acknowledged").get_data(as_text=True))
    assert by_action == ["copy.acknowledged"]
    today = datetime.now(UTC).astimezone().date()
    tomorrow, yesterday = today + timedelta(days=2), today - timedelta(days=2)
    assert _rows(client.get(f"/audit/log?since={tomorrow}").get_data(as_text=True)) == []
    assert _rows(client.get(f"/audit/log?until={yesterday}").get_data(as_text=True)) == []
    assert len(_rows(client.get(f"/audit/log?since={yesterday}&until={tomorrow}"
                                f"&user=lqminh").get_data(as_text=True))) == 4


def test_an_edited_row_shows_on_the_page_and_the_check_names_it(
        session, client, sign_in, auditor, make_user):
    for n in range(3):
        make_user(username=f"user{n}")
    sign_in(auditor)
    ok = client.post("/audit/log/check").get_data(as_text=True)
    assert "nguyên vẹn" in ok
    target = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    allow_tampering(session, "audit_event")
    session.execute(text("UPDATE audit_event SET details = '{}' WHERE id = :id"),
                    {"id": target})
    session.commit()
    assert "✗" in client.get("/audit/log").get_data(as_text=True)
    broken = client.post("/audit/log/check").get_data(as_text=True)
    assert "bị can thiệp" in broken and f"dòng {target}" in broken
    # Why, in words; the check's own English text only in the folded technical details.
    assert "nội dung dòng không khớp với giá trị băm của nó" in broken
    readable, _, technical = broken.partition('<details class="tech">')
    assert "does not match" not in readable and "row content does not match" in technical
    # Checking is itself logged.
    checks = session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "audit.log_verified")).all()
    assert len(checks) == 2 and '"intact": false' in checks[1]


def test_the_audit_pages_are_for_auditors_only(app, client, sign_in, make_user,
                                               make_body, make_meeting):
    meeting = make_meeting(make_body("bch"))
    for role in (Role.DELEGATE, Role.SECRETARIAT, Role.ADMIN):
        client.post("/sign-out")
        sign_in(make_user(role))
        for url in ("/audit/", "/audit/log", "/audit/verifications/1"):
            assert client.get(url).status_code == 404, (role, url)
        for url in ("/audit/log/check", f"/audit/meetings/{meeting.id}/evidence"):
            assert client.post(url).status_code == 404, (role, url)
    page = client.get("/meetings/").get_data(as_text=True)
    assert 'href="/audit/"' not in page  # no link for those who may not follow it


def test_audit_forms_need_their_csrf_token(app, client, sign_in, auditor, make_body,
                                           make_meeting):
    meeting = make_meeting(make_body("bch"))
    sign_in(auditor)
    assert 'href="/audit/"' in client.get("/meetings/").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/audit/meetings/{meeting.id}/evidence").status_code == 400
    assert client.post("/audit/log/check").status_code == 400
