"""Signing in: the right password works, guessing is slowed down, cookies are guarded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetingsvc.accounts.models import Role, SignInThrottle
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD


def test_sign_in_with_the_right_password_opens_the_meetings(client, make_user):
    user = make_user(Role.SECRETARIAT)
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/meetings/").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    user = make_user()
    wrong = client.post("/sign-in", data={"username": user.username, "password": "nope-nope-nope"})
    unknown = client.post("/sign-in", data={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("flash-error") == 1
    assert client.get("/meetings/").status_code == 302  # still signed out


def test_repeated_failures_on_one_account_are_slowed_down(app, client, make_user, session):
    user = make_user()
    free = app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(free):
        client.post("/sign-in", data={"username": user.username, "password": "wrong-password!"})
    blocked = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Thử lại sau" in blocked.get_data(as_text=True)
    key = f"password:{user.username}|127.0.0.1"
    throttle = session.get(SignInThrottle, key)
    assert throttle is not None and throttle.failures == free
    # Once the wait is over, the right password works and clears the counter.
    throttle.blocked_until = throttle.blocked_until - timedelta(hours=1)
    session.commit()
    assert client.post("/sign-in", data={"username": user.username,
                                         "password": PASSWORD}).status_code == 302
    session.expire_all()
    assert session.get(SignInThrottle, key) is None


def test_one_address_guessing_many_accounts_is_slowed_down(app, client, make_user):
    app.config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"] = 3
    victim = make_user()
    for n in range(3):
        client.post("/sign-in", data={"username": f"guess{n}", "password": "wrong-password!"})
    response = client.post("/sign-in", data={"username": victim.username, "password": PASSWORD})
    assert response.status_code == 429


def test_sign_ins_and_failures_are_in_the_audit_log(client, make_user, session):
    user = make_user()
    client.post("/sign-in", data={"username": user.username, "password": "wrong-password!"})
    client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["auth.sign_in_failed", "auth.signed_in"]


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_inactive_account_cannot_sign_in(client, make_user, session):
    user = make_user()
    user.active = False
    session.commit()
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 401


def test_sign_out_needs_a_post(client, make_user, sign_in):
    sign_in(make_user())
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 302
    assert client.get("/meetings/").status_code == 302


def test_next_parameter_cannot_send_users_to_another_site(client, make_user):
    user = make_user()
    response = client.post("/sign-in?next=https://evil.example/", data={
        "username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
