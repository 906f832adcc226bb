"""The command line: demo data, users and roles, the schema, the audit chain."""

from __future__ import annotations

from sqlalchemy import func, select, text

from meetingsvc.accounts.models import Role, User
from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.models import Document
from meetingsvc.meetings.models import Meeting
from tests.tampering import allow_tampering


def test_seed_demo_loads_the_province_once(runner, session, client):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "thuky" in result.output and "demo-thuky-2026" in result.output
    meetings = {m.body.code: m for m in session.scalars(
        select(Meeting).where(Meeting.kind == "session"))}
    assert len(meetings["btv"].invitations) == 15 + 1  # members and one guest
    assert len(meetings["bch"].invitations) == 55 + 3
    assert [len(meetings[c].agenda_items) for c in ("btv", "bch")] == [8, 12]
    restricted = session.scalars(select(Document).where(
        Document.audience == "body_members")).all()
    assert len(restricted) == 1 and restricted[0].meeting.body.code == "bch"
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in again.output
    # Two sessions, and the container of the open written consultation.
    assert session.scalar(select(func.count()).select_from(Meeting)) == 3
    # The demo secretariat signs in and sees both meetings.
    client.post("/sign-in", data={"username": "thuky", "password": "demo-thuky-2026"})
    page = client.get("/meetings/").get_data(as_text=True)
    assert "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45" in page
    assert "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 12" in page


def test_users_create_set_role_and_reset_password(runner, session, client):
    result = runner.invoke(args=["users", "create", "phamvanan", "--name", "Phạm Văn An",
                                 "--role", "delegate", "--password", "mat-khau-dai-du"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "set-role", "phamvanan", "auditor"]).exit_code == 0
    result = runner.invoke(args=["users", "reset-password", "phamvanan",
                                 "--password", "mat-khau-moi-dai"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "phamvanan"))
    assert user.role == Role.AUDITOR.value
    assert client.post("/sign-in", data={"username": "phamvanan",
                                         "password": "mat-khau-moi-dai"}).status_code == 302
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"account.created", "account.role_changed", "account.password_reset"} <= set(actions)


def test_users_create_refuses_a_short_password_and_a_taken_name(runner):
    short = runner.invoke(args=["users", "create", "an", "--name", "An", "--password", "ngan"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    runner.invoke(args=["users", "create", "an", "--name", "An", "--password", "du-dai-roi-day"])
    taken = runner.invoke(args=["users", "create", "AN", "--name", "An",
                                "--password", "du-dai-roi-day"])
    assert taken.exit_code != 0 and "taken" in taken.output


def test_audit_verify_names_an_edited_row_and_a_deleted_row(runner, session, make_user):
    for n in range(4):
        make_user(username=f"user{n}")
    assert "intact" in runner.invoke(args=["audit", "verify"]).output
    ids = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    original = session.get(AuditEvent, ids[1]).actor_name
    allow_tampering(session, "audit_event")
    session.execute(text("UPDATE audit_event SET actor_name = 'someone else' WHERE id = :id"),
                    {"id": ids[1]})
    session.commit()
    edited = runner.invoke(args=["audit", "verify"])
    assert edited.exit_code == 1 and f"row {ids[1]}" in edited.output
    session.execute(text("UPDATE audit_event SET actor_name = :name WHERE id = :id"),
                    {"id": ids[1], "name": original})
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    session.commit()
    deleted = runner.invoke(args=["audit", "verify"])
    assert deleted.exit_code == 1 and f"row {ids[3]}" in deleted.output
