"""/healthz and /readyz: one entry per check, 503 naming what failed, never a hang or a secret."""

from __future__ import annotations

import contextlib
import threading

import pytest

from meetingsvc.ops.health import DiskUsage, ResultCache, run_checks
from meetingsvc.ops.views import READINESS
from tests.conftest import PKI_PASSPHRASE

#: Nothing listens on the discard port of the loopback: a connection is refused at once.
NOWHERE = "127.0.0.1:9"


def test_healthz_answers_with_no_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_200_with_every_check_passing(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert set(checks) == {"database", "signing_key", "tsa", "blob_disk", "instance_disk"}
    for check in checks.values():
        assert check["ok"] is True
        assert set(check) == {"ok", "detail", "duration_ms"}
    assert "certificate valid until" in checks["signing_key"]["detail"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", [f"postgresql+psycopg://nobody@{NOWHERE}/nowhere",
                                 "sqlite:////nonexistent-folder/meetingsvc.sqlite3"])
def test_readyz_is_503_naming_the_database_when_its_url_points_nowhere(app_config, url):
    from meetingsvc import create_app

    app = create_app(app_config | {"DATABASE_URL": url})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["database"]
    assert response.json["checks"]["database"]["detail"].startswith("failed: OperationalError")


def test_readyz_is_503_naming_the_tsa_when_it_is_unreachable(app, client):
    app.config["TSA_URL"] = f"http://{NOWHERE}/tsa"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["tsa"]


def test_the_embedded_tsa_is_not_asked(app, client):
    """Asking our own /tsa would wait on ourselves (with one worker, forever)."""
    app.config["TSA_URL"] = app.config["PUBLIC_BASE_URL"] + "/tsa"
    assert "tsa" not in client.get("/readyz").json["checks"]


def test_readyz_is_503_when_a_disk_has_less_free_than_the_threshold(app, client):
    app.config["READINESS_MIN_FREE_BYTES"] = 5 * 1024**3
    app.extensions[READINESS].disk_usage = lambda _path: DiskUsage(100 * 1024**3,
                                                                   96 * 1024**3, 4 * 1024**3)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["blob_disk", "instance_disk"]
    assert "too little space: 4.0 GiB free" in response.json["checks"]["blob_disk"]["detail"]


def test_a_missing_signing_key_fails_readiness(app, client):
    app.config["DEV_PKI_PASSPHRASE"] = None
    response = client.get("/readyz")
    assert response.json["failing"] == ["signing_key"]
    assert response.json["checks"]["signing_key"]["detail"] == "no signing key is configured"


def test_readyz_shows_no_secret(app, client):
    app.config["CELERY_BROKER_URL"] = f"redis://:broker-secret-77@{NOWHERE}/0"
    app.config["DEV_PKI_PASSPHRASE"] = "wrong-passphrase-secret-88"
    body = client.get("/readyz").get_data(as_text=True)
    assert '"broker"' in body and '"signing_key"' in body
    for secret in ("broker-secret-77", "wrong-passphrase-secret-88", PKI_PASSPHRASE, NOWHERE):
        assert secret not in body


def test_the_broker_is_checked_when_one_is_set(app, client, redis_url):
    app.config["CELERY_BROKER_URL"] = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["broker"]["ok"] is True
    app.config["CELERY_BROKER_URL"] = f"redis://{NOWHERE}/0"
    assert client.get("/readyz").json["failing"] == ["broker"]


def test_a_check_that_hangs_fails_when_its_time_is_up():
    release = threading.Event()
    results = run_checks({"hangs": release.wait, "quick": lambda: "fine"}, timeout=0.05)
    release.set()
    assert [(r.name, r.ok) for r in results] == [("hangs", False), ("quick", True)]
    assert results[0].detail == "timed out after 0.05 s"


def test_slow_checks_are_asked_once_per_cache_period():
    now = [0.0]
    calls = []
    cache = ResultCache(ttl=30, clock=lambda: now[0])

    def check() -> str:
        calls.append(now[0])
        if len(calls) == 1:
            raise RuntimeError("token absent")
        return "ok"

    cached = cache.cached("key", check)
    for moment in (0.0, 29.9, 30.0, 45.0):
        now[0] = moment
        with contextlib.suppress(RuntimeError):
            cached()
    assert calls == [0.0, 30.0]  # the failure was kept too: a wrong PIN is not retried
