"""End-to-end: the real app under a real HTTP server, driven by Debian's Chromium.

The browser tests run on SQLite only (the server threads and the test share the
file); CSRF protection is on, as in production. Screenshots go to
``test-artifacts/`` at the repository's root.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PKI_PASSPHRASE, unavailable
from tests.issuance.conftest import issued, prepared  # noqa: F401 - reused fixtures

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VENDOR = Path(__file__).resolve().parents[2] / "meetingsvc/static/vendor/pdfjs/pdf.min.mjs"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'e2e.sqlite3'}"


@pytest.fixture
def app_config(app_config, dev_pki, tsa_url):
    return app_config | {"PKI_DIR": str(dev_pki), "DEV_PKI_PASSPHRASE": PKI_PASSPHRASE,
                         "TSA_URL": tsa_url, "ISSUANCE_PROCESSES": 1,
                         "WTF_CSRF_ENABLED": True}


def _closing_body(body: Iterable[bytes]) -> Iterator[bytes]:
    """The response body, closed however the request ends.

    Werkzeug's server closes a body only after draining the socket; when the browser
    has already reset the connection (a page closed while a PDF streams), that read
    raises first and the open file is left to the garbage collector. This generator's
    ``finally`` runs when it is collected, so the file is closed, not leaked."""
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _closing_bodies(app):
    def middleware(environ, start_response):
        return _closing_body(app(environ, start_response))
    return middleware


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test's app on 127.0.0.1 at a free port, one thread per request."""
    server = make_server("127.0.0.1", 0, _closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def browser():
    """Chromium under Playwright. Its sync API runs an event loop in this thread, so a test
    asks for it after its data is made (issuing signs with asyncio)."""
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (make test installs it)")
    if not VENDOR.exists():
        unavailable(f"PDF.js is not installed at {VENDOR} (make static-vendor)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
