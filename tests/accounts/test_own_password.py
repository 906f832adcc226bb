"""Everyone changes their own password: the current one first, the new one twice, rules a
person can follow, and every other session of theirs ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role, User
from meetingsvc.accounts.passwords import WeakPassword, check_new_password, temporary_password
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD

NEW = "mot-mat-khau-rieng-2026"


def sign_in_as(app, username, password):
    browser = app.test_client()
    answer = browser.post("/sign-in", data={"username": username, "password": password})
    return browser, answer


def change(browser, current=PASSWORD, new=NEW, again=NEW):
    return browser.post("/account/password",
                        data={"current": current, "new": new, "again": again})


def actions(session, action):
    session.expire_all()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_changes_their_password_and_other_sessions_end(
        app, make_user, session, role):
    user = make_user(role)
    here, _ = sign_in_as(app, user.username, PASSWORD)
    elsewhere, _ = sign_in_as(app, user.username, PASSWORD)
    assert here.get("/account/password").status_code == 200
    answer = change(here)
    assert answer.status_code == 302
    # This browser goes on; the other one is signed out; the old password is dead.
    assert here.get("/account/security").status_code == 200
    assert elsewhere.get("/account/security").headers["Location"].startswith("/sign-in")
    assert sign_in_as(app, user.username, PASSWORD)[1].status_code == 401
    assert sign_in_as(app, user.username, NEW)[1].status_code == 302
    changed = actions(session, "account.password_changed")
    assert len(changed) == 1 and changed[0].actor_name == user.username
    assert NEW not in (changed[0].details or "")


def test_the_security_page_links_to_the_change(client, make_user, sign_in):
    sign_in(make_user())
    assert 'href="/account/password"' in client.get("/account/security").get_data(as_text=True)


@pytest.mark.parametrize(("current", "new", "again", "message"), [
    ("", "", "", "Vui lòng điền mục này."),
    ("sai-mat-khau-roi", NEW, NEW, "Mật khẩu hiện tại không đúng."),
    (PASSWORD, NEW, NEW + "x", "Hai mật khẩu mới không giống nhau."),
    (PASSWORD, "ngan-qua", "ngan-qua", "ít nhất 10 ký tự"),
    (PASSWORD, "matkhau123", "matkhau123", "dễ đoán"),
    (PASSWORD, PASSWORD, PASSWORD, "phải khác mật khẩu hiện tại"),
])
def test_a_refused_change_says_why_in_vietnamese_and_keeps_the_password(
        app, make_user, session, current, new, again, message):
    user = make_user()
    browser, _ = sign_in_as(app, user.username, PASSWORD)
    answer = change(browser, current, new, again)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert sign_in_as(app, user.username, PASSWORD)[1].status_code == 302
    assert actions(session, "account.password_changed") == []


def test_the_username_is_not_a_password(app, make_user):
    user = make_user(username="nguyenvanthu1")
    browser, _ = sign_in_as(app, user.username, PASSWORD)
    answer = change(browser, new="NguyenVanThu1", again="NguyenVanThu1")
    assert answer.status_code == 400
    assert "không được là tên đăng nhập" in answer.get_data(as_text=True)


def test_guessing_the_current_password_is_slowed_like_signing_in(app, make_user, session):
    user = make_user()
    browser, _ = sign_in_as(app, user.username, PASSWORD)
    for _ in range(app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        assert change(browser, current="doan-thu-mat-khau").status_code == 400
    assert change(browser).status_code == 429  # even the right one waits now
    assert len(actions(session, "auth.sign_in_failed")) >= 5


def test_changing_needs_the_csrf_token(app, make_user, session):
    user = make_user()
    browser, _ = sign_in_as(app, user.username, PASSWORD)
    app.config["WTF_CSRF_ENABLED"] = True
    assert change(browser).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    assert sign_in_as(app, user.username, PASSWORD)[1].status_code == 302


def test_a_temporary_password_keeps_every_page_closed_but_the_change_and_sign_out(
        app, make_user, runner, session):
    user = make_user(Role.SECRETARIAT)
    result = runner.invoke(args=["users", "reset-password", user.username, "--temporary",
                                 "--password", "tam-thoi-2026"])
    assert result.exit_code == 0, result.output
    browser, answer = sign_in_as(app, user.username, "tam-thoi-2026")
    assert answer.status_code == 302
    for path in ("/", "/meetings/", "/account/security", "/admin/accounts"):
        assert browser.get(path).headers.get("Location") == "/account/password", path
    assert browser.post("/sign-out").headers["Location"].startswith("/sign-in")


def test_the_password_rules_and_the_temporary_passwords():
    with pytest.raises(WeakPassword):
        check_new_password("1111111111", "an")
    with pytest.raises(WeakPassword):
        check_new_password("Thuky2026!!", "thuky")
    check_new_password("demo-thuky-2026", "thuky")  # the username inside a phrase is fine
    made = {temporary_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        check_new_password(password, "someone")
        assert not set(password) & set("01ilo")


def test_the_change_page_is_for_signed_in_users_only(client):
    answer = client.get("/account/password")
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_a_deactivated_users_password_page_is_closed(app, make_user, session):
    user = make_user()
    browser, _ = sign_in_as(app, user.username, PASSWORD)
    session.get(User, user.id).active = False
    session.commit()
    assert browser.get("/account/password").headers["Location"].startswith("/sign-in")


def test_staff_with_a_temporary_password_enrol_then_change_it_without_a_loop(
        app, make_user, runner, session):
    from tests.accounts.test_two_factor import enrol

    app.config["REQUIRE_2FA_FOR_STAFF"] = True
    user = make_user(Role.AUDITOR)
    # ``enrol`` signs in with the usual test password: it is the temporary one here.
    result = runner.invoke(args=["users", "reset-password", user.username, "--temporary",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    browser = app.test_client()
    enrol(browser, user)
    answer = browser.get("/audit/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/password"
    assert browser.get("/account/password").status_code == 200
    assert change(browser).status_code == 302
    assert browser.get("/audit/").status_code == 200
