"""Over HTTPS cookies carry Secure and responses carry HSTS; over plain HTTP neither.

The service runs behind nginx (``BEHIND_PROXY``), which says HTTPS with
``X-Forwarded-Proto: https``; without ``BEHIND_PROXY`` that header is not believed.
"""

from __future__ import annotations

import pytest
from flask_login import login_user

from meetingsvc.accounts.models import User
from meetingsvc.extensions import db
from tests.conftest import PASSWORD

HTTPS = {"X-Forwarded-Proto": "https"}
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def behind_proxy() -> bool:
    return True


@pytest.fixture
def cookie_secure() -> bool | str:
    return "auto"


@pytest.fixture
def app_config(app_config, behind_proxy, cookie_secure):
    app_config["BEHIND_PROXY"] = behind_proxy
    app_config["COOKIE_SECURE"] = cookie_secure
    return app_config


def sign_in(client, user, headers=None):
    response = client.post("/sign-in", headers=headers or {},
                           data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_https_behind_the_proxy_gets_secure_cookies_and_hsts(client, make_user):
    response = sign_in(client, make_user(), HTTPS)
    assert "; Secure" in session_cookie(response)
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert client.get("/sign-in", headers=HTTPS).headers["Strict-Transport-Security"] == HSTS


def test_plain_http_gets_neither(client, make_user):
    response = sign_in(client, make_user())
    assert "Secure" not in session_cookie(response)
    assert "Strict-Transport-Security" not in response.headers
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


@pytest.mark.parametrize("behind_proxy", [False])
def test_without_a_proxy_the_forwarded_scheme_is_not_believed(client, make_user):
    response = sign_in(client, make_user(), HTTPS)
    assert "Secure" not in session_cookie(response)
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("behind_proxy", [False])
def test_https_served_directly_is_https_too(app, make_user):
    user = make_user()
    response = app.test_client().post("/sign-in", base_url="https://localhost", data={
        "username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "; Secure" in session_cookie(response)
    assert response.headers["Strict-Transport-Security"] == HSTS


@pytest.mark.parametrize("cookie_secure", [True])
def test_secure_cookies_can_be_forced(client, make_user):
    assert "; Secure" in session_cookie(sign_in(client, make_user()))


@pytest.mark.parametrize("cookie_secure", [False])
def test_secure_cookies_can_be_turned_off(client, make_user):
    assert "Secure" not in session_cookie(sign_in(client, make_user(), HTTPS))


def test_hsts_can_be_turned_off(app, client):
    app.config["HSTS_SECONDS"] = 0
    assert "Strict-Transport-Security" not in client.get("/sign-in", headers=HTTPS).headers


def test_a_remember_cookie_over_https_is_secure_too(app, make_user):
    user = make_user()

    @app.get("/test-remember-me")
    def remember_me() -> str:
        login_user(db.session.get(User, user.id), remember=True)
        return "ok"

    client = app.test_client()
    cookies = client.get("/test-remember-me", headers=HTTPS).headers.getlist("Set-Cookie")
    [remember] = [c for c in cookies if c.startswith("remember_token=")]
    assert "; Secure" in remember
    plain = app.test_client().get("/test-remember-me").headers.getlist("Set-Cookie")
    assert all("Secure" not in c for c in plain)
