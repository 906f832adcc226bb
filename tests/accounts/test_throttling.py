"""Guessing is slowed down where it happens, and nobody can lock the real user out.

Failures are counted per account-and-address, per address and per account; only the
first two block, and only the address that failed.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role, SignInThrottle
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.9"
WRONG = "not-the-password"


def post_sign_in(client, username, password, address):
    return client.post("/sign-in", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def failures(session, key):
    session.expire_all()
    throttle = session.get(SignInThrottle, key)
    return throttle.failures if throttle else 0


def actions(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.id)).all()


def guess_concurrently(app, username, count=30, address=ATTACKER):
    def guess(_):
        return post_sign_in(app.test_client(), username, WRONG, address).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(guess, range(count)))


def test_thirty_concurrent_guesses_are_all_counted_and_the_owner_still_signs_in(
        app, client, make_user, session):
    app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"] = 100
    app.config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"] = 100
    staff = make_user(Role.SECRETARIAT, username="thuky")
    statuses = guess_concurrently(app, staff.username)
    assert statuses == [401] * 30
    assert failures(session, f"password:thuky|{ATTACKER}") == 30
    assert failures(session, f"addr:{ATTACKER}") == 30
    assert failures(session, "password-account:thuky") == 30
    assert len(actions(session, "auth.sign_in_failed")) == 30

    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 302
    assert client.get("/meetings/", environ_base={"REMOTE_ADDR": OFFICE}).status_code == 200


def test_concurrent_guesses_past_the_free_ones_block_only_the_guessing_address(
        app, client, make_user, session):
    staff = make_user(Role.SECRETARIAT, username="thuky")
    statuses = guess_concurrently(app, staff.username)
    assert set(statuses) <= {401, 429}, statuses
    # Every refusal of a wrong password was counted; the rest waited and were not checked.
    assert failures(session, f"password:thuky|{ATTACKER}") == statuses.count(401)
    assert statuses.count(401) >= app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    assert post_sign_in(app.test_client(), "thuky", PASSWORD, ATTACKER).status_code == 429
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 302


def test_every_block_is_audited(app, make_user, session, client):
    user = make_user(Role.SECRETARIAT)
    free = app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(free):
        post_sign_in(client, user.username, WRONG, ATTACKER)
    blocks = actions(session, "auth.sign_in_blocked")
    assert len(blocks) == 1
    assert '"scope": "account_address"' in blocks[0].details
    assert ATTACKER in blocks[0].details and user.username in blocks[0].details


@pytest.mark.parametrize("vary_addresses", [True, False])
def test_a_wrong_password_each_time_the_block_lapses_never_locks_out_the_owner(
        app, make_user, session, vary_addresses):
    """The attack that kept an account locked for good: keep the block alive forever."""
    app.config["SIGN_IN_ACCOUNT_ALERT_FAILURES"] = 40
    staff = make_user(Role.SECRETARIAT, username="thuky")
    with freeze_time("2026-03-02 08:00:00", tick=False) as clock:
        attacker = app.test_client()
        for n in range(120):
            address = f"10.20.{n // 200}.{n % 200 + 1}" if vary_addresses else ATTACKER
            answer = post_sign_in(attacker, staff.username, WRONG, address)
            if answer.status_code == 429:  # wait exactly until the block lapses, then again
                seconds = int(re.search(r"(\d+) giây", answer.get_data(as_text=True))[1])
                clock.tick(timedelta(seconds=seconds))
                answer = post_sign_in(attacker, staff.username, WRONG, address)
            assert answer.status_code == 401
            if n % 30 == 29:  # all the while the owner signs in from their own machine
                owner = app.test_client()
                assert post_sign_in(owner, "thuky", PASSWORD, OFFICE).status_code == 302
                assert owner.get("/meetings/",
                                 environ_base={"REMOTE_ADDR": OFFICE}).status_code == 200
    alerts = actions(session, "auth.account_under_attack")
    assert len(alerts) == 3  # at 40, 80 and 120 failures
    assert failures(session, "password-account:thuky") == 120


def test_past_the_alarm_a_failing_address_waits_at_once_a_clean_one_never(
        app, make_user, session, client):
    app.config["SIGN_IN_ACCOUNT_ALERT_FAILURES"] = 3
    make_user(Role.SECRETARIAT, username="thuky")
    for n in range(3):
        assert post_sign_in(client, "thuky", WRONG, f"10.0.0.{n + 1}").status_code == 401
    # One failure more from a fresh address: it has no free failures left.
    assert post_sign_in(client, "thuky", WRONG, "10.0.0.9").status_code == 401
    assert post_sign_in(client, "thuky", PASSWORD, "10.0.0.9").status_code == 429
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 302


def test_an_old_failure_is_forgotten(app, make_user, session, client):
    user = make_user()
    free = app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    with freeze_time("2026-03-02 08:00:00") as clock:
        for _ in range(free - 1):
            post_sign_in(client, user.username, WRONG, ATTACKER)
        clock.tick(timedelta(seconds=app.config["SIGN_IN_FORGET_AFTER_SECONDS"] + 1))
        assert post_sign_in(client, user.username, WRONG, ATTACKER).status_code == 401
        assert failures(session, f"password:{user.username}|{ATTACKER}") == 1
        assert post_sign_in(client, user.username, PASSWORD, ATTACKER).status_code == 302


def block_thuky(app, client):
    for _ in range(app.config["SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        post_sign_in(client, "thuky", WRONG, OFFICE)
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 429


def test_the_cli_unlocks_an_account(app, client, make_user, runner, session):
    make_user(Role.SECRETARIAT, username="thuky")
    block_thuky(app, client)
    result = runner.invoke(args=["users", "unlock", "thuky"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(SignInThrottle)
                          .where(SignInThrottle.username == "thuky")) == 0
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 302
    unlocked = actions(session, "auth.sign_in_unlocked")
    assert len(unlocked) == 1 and unlocked[0].actor_name == "cli"
    assert OFFICE in unlocked[0].details


def test_the_cli_also_unlocks_an_address(app, client, make_user, runner, session):
    app.config["SIGN_IN_FREE_FAILURES_PER_ADDRESS"] = 2
    make_user(Role.SECRETARIAT, username="thuky")
    for name in ("a", "b"):
        post_sign_in(client, name, WRONG, OFFICE)
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 429
    assert runner.invoke(args=["users", "unlock", "thuky", "--address", OFFICE]).exit_code == 0
    assert post_sign_in(client, "thuky", PASSWORD, OFFICE).status_code == 302


def test_an_admin_lists_blocks_and_unlocks_one(app, client, make_user, session, sign_in):
    make_user(Role.SECRETARIAT, username="thuky")
    admin = make_user(Role.ADMIN)
    block_thuky(app, client)
    sign_in(admin)
    page = client.get("/admin/sign-in-blocks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "thuky" in html and OFFICE in html
    key = f"password:thuky|{OFFICE}"
    assert f'value="{key}"' in html
    answer = client.post("/admin/sign-in-blocks/unlock", data={"key": key})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(SignInThrottle, key) is None
    unlocked = actions(session, "auth.sign_in_unlocked")
    assert len(unlocked) == 1 and unlocked[0].actor_name == admin.username
    assert "thuky" in client.get("/admin/sign-in-blocks").get_data(as_text=True)  # the flash
    assert post_sign_in(app.test_client(), "thuky", PASSWORD, OFFICE).status_code == 302


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR, Role.DELEGATE])
def test_the_blocks_page_is_not_found_for_anyone_but_an_admin(
        app, client, make_user, session, sign_in, role):
    make_user(Role.SECRETARIAT, username="thuky")
    block_thuky(app, app.test_client())
    sign_in(make_user(role))
    assert client.get("/admin/sign-in-blocks").status_code == 404
    key = f"password:thuky|{OFFICE}"
    assert client.post("/admin/sign-in-blocks/unlock", data={"key": key}).status_code == 404
    session.expire_all()
    assert session.get(SignInThrottle, key) is not None


def test_the_blocks_page_sends_strangers_to_sign_in(client):
    answer = client.get("/admin/sign-in-blocks")
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_unlocking_needs_the_csrf_token(app, client, make_user, session, sign_in):
    make_user(Role.SECRETARIAT, username="thuky")
    block_thuky(app, app.test_client())
    sign_in(make_user(Role.ADMIN))
    app.config["WTF_CSRF_ENABLED"] = True
    key = f"password:thuky|{OFFICE}"
    assert client.post("/admin/sign-in-blocks/unlock", data={"key": key}).status_code == 400
    session.expire_all()
    assert session.get(SignInThrottle, key) is not None
