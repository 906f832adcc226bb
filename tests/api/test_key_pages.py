"""The "API keys" page: each user makes, sees once and revokes their own keys."""

from __future__ import annotations

import re

from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.api.models import ApiToken
from meetingsvc.audit.models import AuditEvent
from tests.conftest import PASSWORD


def test_a_delegate_makes_a_key_sees_it_once_and_revokes_it(app, client, session, make_user,
                                                            sign_in):
    delegate = make_user(Role.DELEGATE)
    sign_in(delegate)
    assert "/account/api-keys/" in client.get("/account/security").get_data(as_text=True)
    page = client.post("/account/api-keys/", data={"name": "Lịch cá nhân", "days": "30"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = re.search(r"msk_[A-Za-z0-9_-]{43}", html).group(0)
    assert "Khóa chỉ hiện một lần này." in html
    api = app.test_client()
    assert api.get("/api/v1/meetings/",
                   headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = client.get("/account/api-keys/").get_data(as_text=True)
    assert "Lịch cá nhân" in listing and secret not in listing and secret[:12] in listing
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == delegate.id))
    assert client.post(f"/account/api-keys/{token.id}/revoke").status_code == 302
    assert client.post(f"/account/api-keys/{token.id}/revoke").status_code == 302  # twice
    assert api.get("/api/v1/meetings/",
                   headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    actions = [e.action for e in session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "api_token").order_by(AuditEvent.id))]
    assert actions == ["api_token.created", "api_token.revoked"]


def test_another_users_key_cannot_be_revoked(client, session, make_user, sign_in, runner):
    owner = make_user(Role.SECRETARIAT, username="owner")
    runner.invoke(args=["tokens", "create", "owner", "--name", "x"])
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    sign_in(make_user(Role.DELEGATE))
    assert client.post(f"/account/api-keys/{token.id}/revoke").status_code == 404
    session.refresh(token)
    assert token.revoked_at is None
    assert "x" not in [t.name for t in session.scalars(select(ApiToken).where(
        ApiToken.user_id != owner.id))]


def test_a_nameless_or_too_long_key_is_refused_in_vietnamese(client, session, make_user,
                                                             sign_in):
    sign_in(make_user(Role.DELEGATE))
    empty = client.post("/account/api-keys/", data={"name": "  ", "days": "30"})
    assert empty.status_code == 422
    too_long = client.post("/account/api-keys/", data={"name": "ok", "days": "400"})
    assert too_long.status_code == 422 and "msk_" not in too_long.get_data(as_text=True)
    assert session.scalar(select(ApiToken)) is None


def test_with_csrf_on_the_page_needs_its_token_and_the_api_needs_none(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    client = request.getfixturevalue("client")
    session = request.getfixturevalue("session")
    make_user = request.getfixturevalue("make_user")
    staff = make_user(Role.SECRETARIAT, username="thuky")
    assert client.get("/account/api-keys/").status_code == 302  # signed out: sign in first
    page = client.get("/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/sign-in", data={"username": "thuky", "password": PASSWORD,
                                         "csrf_token": csrf}).status_code == 302
    assert client.post("/account/api-keys/", data={"name": "k", "days": "5"}).status_code == 400
    assert session.scalar(select(ApiToken)) is None
    runner = request.getfixturevalue("runner")
    secret = runner.invoke(args=["tokens", "create", "thuky", "--name", "n"]).stdout.split()[0]
    api = client.application.test_client()
    made = api.post("/api/v1/meetings/", headers={"Authorization": f"Bearer {secret}"},
                    json={"body_id": 1})
    assert made.status_code == 422  # validated, not refused for a missing CSRF token
    assert staff.username == "thuky"
