"""Forms without a CSRF token are refused; the service refuses a weak secret key."""

from __future__ import annotations

import re

import pytest

from meetingsvc import ConfigurationError, create_app
from meetingsvc.accounts.models import Role
from tests.conftest import PASSWORD


def test_a_post_without_csrf_token_is_refused(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(Role.SECRETARIAT)
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("secret", [None, "short"])
def test_missing_or_short_secret_key_refuses_to_start(tmp_path, secret):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": secret, "INSTANCE_PATH": str(tmp_path),
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'i' * 40\nMAX_UPLOAD_BYTES = 5\n")
    monkeypatch.setenv("MEETINGSVC_MAX_UPLOAD_BYTES", "12345")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "i" * 40
    assert app.config["MAX_UPLOAD_BYTES"] == 12345
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
