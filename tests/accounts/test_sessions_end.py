"""Sessions end when they should: a cookie captured before is worth nothing after.

Sign-out, a password reset, deactivation and a role change end every session of
the account on the server; each time the audit log says so.
"""

from __future__ import annotations

import json

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import select

from meetingsvc.accounts.models import Role, User
from meetingsvc.accounts.services import set_active
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor
from tests.conftest import PASSWORD

PROTECTED = "/meetings/"


def visit(app, client, path: str = PROTECTED, method: str = "GET", **options):
    """One request in an application context of its own, as in production: nothing
    (``g``, the loaded user) carries over from the test's context or an earlier request."""
    with app.app_context():
        return client.open(path, method=method, **options)


def signed_in_client(app, user):
    client = app.test_client()
    response = visit(app, client, "/sign-in", "POST",
                     data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert visit(app, client).status_code == 200
    return client


def replay(app, cookie_value: str):
    """A stranger's browser holding only the captured session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return visit(app, thief)


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def sessions_ended(session, user) -> list[str]:
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.sessions_ended", AuditEvent.object_id == str(user.id),
    ).order_by(AuditEvent.id)).all()
    return [json.loads(event.details)["reason"] for event in events]


def test_a_captured_cookie_still_works_while_the_session_lives(app, make_user):
    user = make_user()
    captured = signed_in_client(app, user).get_cookie("session").value
    assert replay(app, captured).status_code == 200


def test_sign_out_ends_a_stolen_copy_of_the_session(app, make_user, session):
    user = make_user()
    client = signed_in_client(app, user)
    captured = client.get_cookie("session").value
    assert visit(app, client, "/sign-out", "POST").status_code == 302
    assert_sent_to_sign_in(replay(app, captured))
    assert sessions_ended(session, user) == ["signed_out"]


def test_sign_out_in_one_browser_ends_the_others(app, make_user, session):
    user = make_user()
    office, home = signed_in_client(app, user), signed_in_client(app, user)
    visit(app, office, "/sign-out", "POST")
    assert_sent_to_sign_in(visit(app, home))
    # Signing in again works, and the new session is not ended by the old one's end.
    fresh = signed_in_client(app, user)
    assert visit(app, fresh).status_code == 200


def test_password_reset_ends_every_session(app, make_user, runner, session):
    user = make_user()
    captured = signed_in_client(app, user).get_cookie("session").value
    result = runner.invoke(args=["users", "reset-password", user.username,
                                 "--password", "mat-khau-moi-dai"])
    assert result.exit_code == 0, result.output
    assert_sent_to_sign_in(replay(app, captured))
    assert sessions_ended(session, user) == ["password_reset"]


def test_deactivation_ends_every_session(app, make_user, runner, session):
    user = make_user()
    captured = signed_in_client(app, user).get_cookie("session").value
    result = runner.invoke(args=["users", "deactivate", user.username])
    assert result.exit_code == 0, result.output
    assert_sent_to_sign_in(replay(app, captured))
    assert sessions_ended(session, user) == ["deactivated"]
    # Reactivated, the old cookie stays dead: its generation is gone for good.
    assert runner.invoke(args=["users", "activate", user.username]).exit_code == 0
    assert_sent_to_sign_in(replay(app, captured))


def test_deactivation_by_the_service_ends_sessions_too(app, make_user, session):
    user = make_user()
    captured = signed_in_client(app, user).get_cookie("session").value
    set_active(session, session.get(User, user.id), False, Actor(username="admin"))
    session.commit()
    assert_sent_to_sign_in(replay(app, captured))
    assert sessions_ended(session, user) == ["deactivated"]


def test_role_change_ends_every_session(app, make_user, runner, session):
    user = make_user(Role.SECRETARIAT)
    captured = signed_in_client(app, user).get_cookie("session").value
    result = runner.invoke(args=["users", "set-role", user.username, "delegate"])
    assert result.exit_code == 0, result.output
    assert_sent_to_sign_in(replay(app, captured))
    assert sessions_ended(session, user) == ["role_changed"]


def test_setting_the_same_role_again_ends_nothing(app, make_user, runner, session):
    user = make_user(Role.SECRETARIAT)
    captured = signed_in_client(app, user).get_cookie("session").value
    assert runner.invoke(args=["users", "set-role", user.username, "secretariat"]).exit_code == 0
    assert replay(app, captured).status_code == 200
    assert sessions_ended(session, user) == []


def test_a_session_of_another_account_is_not_ended(app, make_user):
    leaving, staying = make_user(), make_user()
    visit(app, signed_in_client(app, leaving), "/sign-out", "POST")
    other = signed_in_client(app, staying)
    assert visit(app, other).status_code == 200


@pytest.mark.parametrize("stale", [True, False])
def test_remember_cookie_of_an_ended_generation_is_refused(app, make_user, session, stale):
    user = make_user()
    generation = user.session_generation
    if stale:
        visit(app, signed_in_client(app, user), "/sign-out", "POST")
    with app.test_request_context():
        remembered = encode_cookie(f"{user.id}:{generation}")
    browser = app.test_client()
    browser.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), remembered)
    response = visit(app, browser)
    if stale:
        assert_sent_to_sign_in(response)
    else:  # the cookie is honoured only while its generation is the account's
        assert response.status_code == 200


def test_a_session_cookie_without_a_generation_signs_in_nobody(app, make_user):
    user = make_user()
    client = signed_in_client(app, user)
    with client.session_transaction() as forged:  # a cookie from before generations
        forged["_user_id"] = str(user.id)
    assert_sent_to_sign_in(visit(app, client))
