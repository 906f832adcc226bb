"""Two-factor sign-in is required of staff by default; the demo's first start turns it off."""

from __future__ import annotations

import secrets

from meetingsvc import create_app
from meetingsvc.instance_setup import ensure_instance


def settings(instance, database):
    return {"SECRET_KEY": secrets.token_urlsafe(40), "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{database}"}


def test_staff_need_a_second_factor_unless_the_instance_says_otherwise(tmp_path):
    app = create_app(settings(tmp_path / "bare", tmp_path / "a.sqlite3"))
    assert app.config["REQUIRE_2FA_FOR_STAFF"] is True


def test_the_demo_instance_lets_staff_sign_in_with_the_password_alone(tmp_path):
    instance = tmp_path / "instance"
    assert ensure_instance(instance)
    written = (instance / "config.py").read_text()
    assert "REQUIRE_2FA_FOR_STAFF = False" in written and "production" in written
    app = create_app(settings(instance, tmp_path / "b.sqlite3"))
    assert app.config["REQUIRE_2FA_FOR_STAFF"] is False
