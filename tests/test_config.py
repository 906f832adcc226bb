"""Settings are declared once with a type: the environment cannot turn a PIN into a number,
a mistyped name is reported, and the example's secret key does not start the service."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

import pytest

from meetingsvc import ConfigurationError, create_app
from meetingsvc.config import (
    BY_NAME,
    DERIVED,
    EXAMPLE_SECRET_KEY,
    SettingError,
    defaults,
    from_environment,
)
from meetingsvc.issuance.keys import SigningNotConfigured, key_source

ROOT = Path(__file__).resolve().parent.parent
#: Declared for Flask and its extensions, which read them themselves.
READ_BY_EXTENSIONS = {"SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
                      "REMEMBER_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SAMESITE",
                      "WTF_CSRF_TIME_LIMIT", "WTF_CSRF_ENABLED", "TESTING",
                      "BABEL_DEFAULT_LOCALE", "INSTANCE_PATH"}
READ = re.compile(r"""config(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]*)["']""")


def names_read_by_the_code() -> set[str]:
    return {name for folder in ("meetingsvc", "signing")
            for path in (ROOT / folder).rglob("*.py")
            for name in READ.findall(path.read_text(encoding="utf-8"))}


def settings(instance: Path, **more: object) -> dict[str, object]:
    return {"SECRET_KEY": secrets.token_urlsafe(40), "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'x.sqlite3'}", **more}


def test_every_setting_the_code_reads_is_declared_and_every_declared_one_is_read():
    read = names_read_by_the_code()
    assert read - set(BY_NAME) - set(DERIVED) == set()
    assert set(BY_NAME) - read - READ_BY_EXTENSIONS == set()
    assert all(setting.doc for setting in BY_NAME.values())


def test_a_pin_from_the_environment_keeps_its_leading_zero():
    values = from_environment({"MEETINGSVC_SIGNING_PKCS11_PIN": "0123",
                               "MEETINGSVC_MAIL_PASSWORD": "true",
                               "MEETINGSVC_MAIL_PORT": "587",
                               "MEETINGSVC_BEHIND_PROXY": "true",
                               "MEETINGSVC_COOKIE_SECURE": "auto",
                               "MEETINGSVC_LANGUAGES": '["en", "vi"]',
                               "MEETINGSVC_ISSUANCE_POLICY": '{"none": "print"}'})
    assert values == {"SIGNING_PKCS11_PIN": "0123", "MAIL_PASSWORD": "true", "MAIL_PORT": 587,
                      "BEHIND_PROXY": True, "COOKIE_SECURE": "auto",
                      "LANGUAGES": ("en", "vi"), "ISSUANCE_POLICY": {"none": "print"}}


@pytest.mark.parametrize(("variable", "raw"), [
    ("MEETINGSVC_MAIL_PORT", "25a"), ("MEETINGSVC_BEHIND_PROXY", "yes please"),
    ("MEETINGSVC_VERIFY_TIMEOUT_SECONDS", "soon"), ("MEETINGSVC_LANGUAGES", '{"vi": 1}'),
    ("MEETINGSVC_SIGNING_PROFILE", "B-X")])
def test_a_value_that_does_not_fit_its_type_names_the_variable(variable, raw):
    with pytest.raises(SettingError, match=variable):
        from_environment({variable: raw})


def test_a_bad_environment_value_stops_the_service_with_the_variable_named(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("MEETINGSVC_MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MEETINGSVC_MAIL_PORT"):
        create_app(settings(tmp_path))


def test_an_unknown_variable_is_reported_with_the_closest_name(caplog):
    with caplog.at_level(logging.WARNING, logger="meetingsvc.config"):
        values = from_environment({"MEETINGSVC_SIGNING_PKCS12_PASWORD": "x",
                                   "MEETINGSVC_TEST_POSTGRES_URL": "postgresql://"})
    assert values == {}
    assert "MEETINGSVC_SIGNING_PKCS12_PASWORD is not a setting" in caplog.text
    assert "did you mean MEETINGSVC_SIGNING_PKCS12_PASSWORD" in caplog.text
    assert "TEST_POSTGRES_URL" not in caplog.text


def test_the_example_secret_key_is_refused(tmp_path):
    example = (ROOT / "instance" / "config.example.py").read_text(encoding="utf-8")
    assert repr(EXAMPLE_SECRET_KEY).replace("'", '"') in example
    with pytest.raises(ConfigurationError, match="config.example.py"):
        create_app(settings(tmp_path, SECRET_KEY=EXAMPLE_SECRET_KEY))


def test_the_defaults_are_the_declared_ones(tmp_path):
    app = create_app(settings(tmp_path))
    for name, value in defaults().items():
        if name not in {"SECRET_KEY", "INSTANCE_PATH", "DATABASE_URL", "BLOB_DIR", "TSA_URL"}:
            assert app.config[name] == value, name
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == app.config["OFFICE_TIMEZONE"]


def test_the_dev_pki_passphrase_and_the_production_password_are_separate(tmp_path):
    p12 = tmp_path / "office.p12"
    p12.write_bytes(b"not read here")
    app = create_app(settings(tmp_path, SIGNING_PKCS12_PATH=str(p12),
                              DEV_PKI_PASSPHRASE="dev-only"))
    # A production file never opens with the development passphrase.
    with pytest.raises(SigningNotConfigured):
        key_source(app.config, app.instance_path)
    app.config["SIGNING_PKCS12_PASSWORD"] = "0123"
    source = key_source(app.config, app.instance_path)
    assert source.path == p12 and source.passphrase == b"0123"


def test_an_old_instance_with_the_dev_passphrase_as_pkcs12_password_still_signs(tmp_path,
                                                                                caplog):
    pki = tmp_path / "pki"
    pki.mkdir()
    (pki / "office.p12").write_bytes(b"not read here")
    with caplog.at_level(logging.WARNING, logger="meetingsvc"):
        app = create_app(settings(tmp_path, SIGNING_PKCS12_PASSWORD="old-dev-passphrase"))
    assert app.config["DEV_PKI_PASSPHRASE"] == "old-dev-passphrase"
    assert "read as DEV_PKI_PASSPHRASE" in caplog.text
    assert key_source(app.config, app.instance_path).passphrase == b"old-dev-passphrase"


def test_times_in_the_evidence_summary_are_in_the_office_time_zone():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from meetingsvc.audit.evidence import _local

    stored = datetime(2026, 1, 1, 1, 0)  # naive: UTC, as the database keeps it
    assert _local(stored, ZoneInfo("Asia/Ho_Chi_Minh")) == "01/01/2026 08:00 (UTC+7)"
    assert _local(stored, ZoneInfo("America/St_Johns")) == "31/12/2025 21:30 (UTC-3:30)"


def test_the_papers_and_the_signature_stamp_use_the_office_time_zone(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from meetingsvc.issuance.keys import signer_settings
    from meetingsvc.issuance.services import local_time

    stored = datetime(2026, 1, 1, 20, 0)  # 20:00 UTC is the next morning in Hà Nội
    assert local_time(stored, ZoneInfo("Asia/Ho_Chi_Minh")) == datetime(2026, 1, 2, 3, 0)
    assert local_time(stored, ZoneInfo("Europe/Paris")) == datetime(2026, 1, 1, 21, 0)
    pki = tmp_path / "pki"
    pki.mkdir()
    (pki / "office.p12").write_bytes(b"not read here")
    app = create_app(settings(tmp_path, DEV_PKI_PASSPHRASE="x", OFFICE_TIMEZONE="Europe/Paris"))
    stamp = signer_settings(app.config, app.instance_path).stamp
    assert stamp.timezone == ZoneInfo("Europe/Paris")
