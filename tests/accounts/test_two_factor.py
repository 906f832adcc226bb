"""Two-factor sign-in: staff enrol after the password, then sign in with a code.

The clock is frozen and moved by hand; codes are made with pyotp for the frozen time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from meetingsvc.accounts.models import RecoveryCode, Role
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD

START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
OFFICE = "198.51.100.9"


@pytest.fixture
def app_config(app_config):
    app_config["REQUIRE_2FA_FOR_STAFF"] = True
    return app_config


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


def password_step(client, user, address="127.0.0.1"):
    return client.post("/sign-in", data={"username": user.username, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": address})


def code_step(client, code, address="127.0.0.1"):
    return client.post("/sign-in/second-factor", data={"code": code},
                       environ_base={"REMOTE_ADDR": address})


def actions(session):
    return session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def enrol(client, user):
    """From the password step to confirmed: returns the secret and the recovery codes."""
    answer = password_step(client, user)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/account/two-factor/enrol")
    page = client.get("/account/two-factor/enrol")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert '<svg class="qr-code"' in html
    secret = "".join(re.findall(r"<span>([A-Z2-7]{1,4})</span>",
                                html.split('class="secret"')[1].split("</p>")[0]))
    assert len(secret) == 32
    confirmed = client.post("/account/two-factor/enrol",
                            data={"code": pyotp.TOTP(secret).at(datetime.now(UTC))})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>",
                       confirmed.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_staff_without_a_second_factor_reach_nothing_but_enrolment(client, make_user, clock):
    staff = make_user(Role.SECRETARIAT)
    answer = password_step(client, staff)
    assert answer.headers["Location"].endswith("/account/two-factor/enrol")
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie  # not signed in yet
    for path in ("/", "/meetings/", "/account/security", "/admin/sign-in-blocks",
                 "/sign-in/second-factor"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert "/sign-in" in answer.headers["Location"] or "/enrol" in answer.headers["Location"]
    assert client.get("/account/two-factor/enrol").status_code == 200


def test_enrolment_shows_ten_recovery_codes_once_and_signs_in(client, make_user, session, clock):
    staff = make_user(Role.AUDITOR)
    _, codes = enrol(client, staff)
    assert client.get("/meetings/").status_code == 200
    session.refresh(staff)
    assert staff.totp_secret and staff.totp_enabled_at == START
    stored = session.scalars(select(RecoveryCode.code_hash)
                             .where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert actions(session)[-2:] == ["auth.2fa_enrolled", "auth.signed_in"]
    # The codes are never shown again.
    assert codes[0] not in client.get("/account/security").get_data(as_text=True)


def test_a_wrong_code_does_not_enrol(client, make_user, session, clock):
    staff = make_user(Role.ADMIN)
    password_step(client, staff)
    client.get("/account/two-factor/enrol")
    answer = client.post("/account/two-factor/enrol", data={"code": "000000"})
    assert answer.status_code == 400
    session.refresh(staff)
    assert staff.totp_secret is None
    assert client.get("/meetings/").status_code == 302


def test_sign_in_asks_for_the_code_after_the_password(client, make_user, session, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, _ = enrol(client, staff)
    client.post("/sign-out")
    clock.tick(timedelta(seconds=60))

    answer = password_step(client, staff)
    assert answer.headers["Location"].endswith("/sign-in/second-factor")
    assert client.get("/meetings/").status_code == 302  # the password alone opens nothing
    page = client.get("/sign-in/second-factor")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(
        as_text=True)

    wrong = code_step(client, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    assert wrong.status_code == 401
    assert client.get("/meetings/").status_code == 302
    answer = code_step(client, pyotp.TOTP(secret).at(datetime.now(UTC)))
    assert answer.status_code == 302
    assert client.get("/meetings/").status_code == 200
    assert actions(session)[-3:] == ["auth.2fa_failed", "auth.2fa_verified", "auth.signed_in"]


def test_a_code_cannot_be_used_twice(app, client, make_user, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, _ = enrol(client, staff)
    client.post("/sign-out")
    clock.tick(timedelta(seconds=60))
    code = pyotp.TOTP(secret).at(datetime.now(UTC))
    password_step(client, staff)
    assert code_step(client, code).status_code == 302
    client.post("/sign-out")

    clock.tick(timedelta(seconds=5))  # same 30-second window
    thief = app.test_client()
    password_step(thief, staff, OFFICE)
    assert code_step(thief, code, OFFICE).status_code == 401
    assert thief.get("/meetings/").status_code == 302
    # The code of enrolment cannot sign in either.
    assert code_step(thief, pyotp.TOTP(secret).at(START), OFFICE).status_code == 401


def test_wrong_codes_are_throttled_like_passwords(app, client, make_user, session, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, _ = enrol(client, staff)
    client.post("/sign-out")
    clock.tick(timedelta(seconds=60))
    password_step(client, staff)
    right = pyotp.TOTP(secret).at(datetime.now(UTC))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        assert code_step(client, wrong).status_code == 401
    assert code_step(client, right).status_code == 429
    assert "auth.sign_in_blocked" in actions(session)
    # Another address, with the password, is not held up.
    other = app.test_client()
    password_step(other, staff, OFFICE)
    assert code_step(other, right, OFFICE).status_code == 302


def test_a_recovery_code_works_once(app, client, make_user, session, clock):
    staff = make_user(Role.SECRETARIAT)
    _, codes = enrol(client, staff)
    client.post("/sign-out")
    password_step(client, staff)
    answer = code_step(client, codes[3].upper().replace("-", " "))
    assert answer.status_code == 302
    assert client.get("/meetings/").status_code == 200
    assert "auth.2fa_recovery_code_used" in actions(session)
    client.post("/sign-out")

    password_step(client, staff)
    assert code_step(client, codes[3]).status_code == 401
    session.expire_all()
    assert session.scalar(select(RecoveryCode.used_at).where(
        RecoveryCode.user_id == staff.id, RecoveryCode.used_at.is_not(None))) == START


def test_the_second_step_expires(client, make_user, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, _ = enrol(client, staff)
    client.post("/sign-out")
    password_step(client, staff)
    clock.tick(timedelta(minutes=11))
    answer = code_step(client, pyotp.TOTP(secret).at(datetime.now(UTC)))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in")
    assert client.get("/meetings/").status_code == 302


def test_an_admin_resets_a_lost_second_factor(client, make_user, runner, session, clock):
    staff = make_user(Role.SECRETARIAT)
    enrol(client, staff)
    assert client.get("/meetings/").status_code == 200
    result = runner.invoke(args=["users", "reset-2fa", staff.username])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert staff.totp_secret is None
    assert session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all() \
        == []
    assert "auth.2fa_reset" in actions(session)
    assert client.get("/meetings/").status_code == 302  # that session ended
    assert password_step(client, staff).headers["Location"].endswith("/account/two-factor/enrol")


def test_a_session_from_before_the_requirement_is_sent_to_enrol(app, client, make_user, sign_in):
    staff = make_user(Role.SECRETARIAT)
    app.config["REQUIRE_2FA_FOR_STAFF"] = False
    sign_in(staff)
    assert client.get("/meetings/").status_code == 200
    app.config["REQUIRE_2FA_FOR_STAFF"] = True
    answer = client.get("/meetings/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/account/two-factor/enrol")
    assert client.get("/account/two-factor/enrol").status_code == 200


def test_a_delegate_may_turn_it_on_and_off(client, make_user, session, sign_in, clock):
    delegate = make_user(Role.DELEGATE)
    sign_in(delegate)  # no second factor asked of delegates
    assert "/account/two-factor/enrol" in client.get("/account/security").get_data(
        as_text=True)
    page = client.get("/account/two-factor/enrol").get_data(as_text=True)
    secret = "".join(re.findall(r"<span>([A-Z2-7]{1,4})</span>", page))
    assert client.post("/account/two-factor/enrol", data={
        "code": pyotp.TOTP(secret).at(START)}).status_code == 200
    client.post("/sign-out")

    answer = password_step(client, delegate)
    assert answer.headers["Location"].endswith("/sign-in/second-factor")
    clock.tick(timedelta(seconds=30))
    assert code_step(client, pyotp.TOTP(secret).at(datetime.now(UTC))).status_code == 302

    clock.tick(timedelta(seconds=30))
    client.post("/account/two-factor/disable",
                data={"off-code": pyotp.TOTP(secret).at(datetime.now(UTC))})
    session.refresh(delegate)
    assert delegate.totp_secret is None
    assert "auth.2fa_disabled" in actions(session)


def test_staff_cannot_turn_it_off_while_required(client, make_user, session, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, _ = enrol(client, staff)
    clock.tick(timedelta(seconds=30))
    client.post("/account/two-factor/disable",
                data={"off-code": pyotp.TOTP(secret).at(datetime.now(UTC))})
    session.refresh(staff)
    assert staff.totp_secret is not None


def test_new_recovery_codes_replace_the_old(client, make_user, session, clock):
    staff = make_user(Role.SECRETARIAT)
    secret, old = enrol(client, staff)
    clock.tick(timedelta(seconds=30))
    answer = client.post("/account/two-factor/recovery-codes",
                         data={"renew-code": pyotp.TOTP(secret).at(datetime.now(UTC))})
    assert answer.status_code == 200
    new = re.findall(r"<li>([a-z2-9-]{14})</li>", answer.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/sign-out")
    password_step(client, staff)
    assert code_step(client, old[0]).status_code == 401
    assert code_step(client, new[0]).status_code == 302
