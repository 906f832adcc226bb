"""Debian's nginx in front of the app, as deployed from deploy/nginx/meetingsvc.conf.

The app runs under a real WSGI server (werkzeug, threaded) with ``FILE_SENDING =
"x-accel"``; nginx terminates TLS (a throwaway certificate), proxies to it and
sends stored files from ``BLOB_DIR`` once the app has said so. Outside CI a
missing nginx skips with the reason; with ``CI=true`` it must run (``make test``
installs it).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.blobs import blob_store
from meetingsvc.tracking.models import DeliveryEvent
from tests.conftest import PASSWORD, unavailable
from tests.deploy.front import Front, nginx_binary, nginx_front, shared_directory, wsgi_server
from tests.tracking.conftest import item_copy, packet_of

PREFIX = "/_stored/"


@pytest.fixture
def blob_dir() -> Iterator[Path]:
    if nginx_binary() is None:
        unavailable("nginx is not installed (Debian package nginx; `make test` installs it)")
    if shutil.which("openssl") is None:
        unavailable("openssl is not installed (Debian package openssl)")
    folder = shared_directory("front-instance-")
    yield folder / "blobs"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_config(app_config, blob_dir):
    """As deployed behind nginx: files handed over by X-Accel-Redirect, one proxy hop trusted,
    forms protected from cross-site posts (CSRF checks an HTTPS form's Referer)."""
    return app_config | {"BLOB_DIR": str(blob_dir), "FILE_SENDING": "x-accel",
                         "X_ACCEL_PREFIX": PREFIX, "BEHIND_PROXY": True,
                         "WTF_CSRF_ENABLED": True}


@pytest.fixture
def front(app, issued, blob_dir) -> Iterator[Front]:
    with wsgi_server(app) as upstream, nginx_front(upstream, blob_dir, PREFIX) as running:
        yield running


def browser(front: Front, user) -> requests.Session:
    """A delegate signed in through nginx over HTTPS (the cookie is Secure: it came by TLS)."""
    client = requests.Session()
    client.trust_env = False  # the throwaway certificate, not REQUESTS_CA_BUNDLE; no proxies
    client.verify = str(front.certificate)
    form = client.get(f"{front.base}/sign-in", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in page"
    answer = client.post(f"{front.base}/sign-in", allow_redirects=False, timeout=30,
                         headers={"Referer": f"{front.base}/sign-in"},
                         data={"username": user.username, "password": PASSWORD,
                               "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.text
    assert "Secure" in answer.headers["Set-Cookie"]
    return client


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_delegate_downloads_an_unmarked_copy_through_nginx(app, session, prepared, front):
    delegate = prepared.members[2]
    copy = item_copy(session, delegate, prepared.documents["report"])
    stored = blob_store(app.config).path_for(copy.blob_sha256).read_bytes()
    url = f"{front.base}/meetings/{prepared.meeting.id}/my/copies/{copy.id}.pdf"
    client = browser(front, delegate)
    with client:
        whole = client.get(url, timeout=30)
        assert whole.status_code == 200
        assert whole.content == stored  # byte for byte what was signed and stored
        assert hashlib.sha256(whole.content).hexdigest() == copy.blob_sha256
        assert "X-Accel-Redirect" not in whole.headers
        assert whole.headers["Content-Type"] == "application/pdf"
        assert whole.headers["Content-Length"] == str(len(stored))
        assert whole.headers["Content-Disposition"].startswith('attachment; filename="212-BC-TU')
        assert whole.headers["Cache-Control"] == "private, no-cache"
        assert whole.headers["ETag"] == f'"{copy.blob_sha256}"'
        assert whole.headers["X-Content-Type-Options"] == "nosniff"
        assert whole.headers["Strict-Transport-Security"].startswith("max-age=")
        assert count(session, DeliveryEvent, DeliveryEvent.copy_id == copy.id,
                     DeliveryEvent.kind == "downloaded") == 1
        assert count(session, AuditEvent, AuditEvent.action == "copy.downloaded",
                     AuditEvent.object_id == str(copy.id)) == 1

        part = client.get(url, headers={"Range": "bytes=100-199"}, timeout=30)
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 100-199/{len(stored)}"
        assert part.content == stored[100:200]
        tail = client.get(url, headers={"Range": "bytes=-50"}, timeout=30)
        assert tail.status_code == 206 and tail.content == stored[-50:]
        # A range is a piece of a read already counted, not another download.
        assert count(session, DeliveryEvent, DeliveryEvent.copy_id == copy.id,
                     DeliveryEvent.kind == "downloaded") == 1

        again = client.get(url, headers={"If-None-Match": f'"{copy.blob_sha256}"'}, timeout=30)
        assert again.status_code == 304 and again.content == b""

        packet = packet_of(session, delegate)
        answer = client.get(f"{front.base}/meetings/{prepared.meeting.id}/my/packet.pdf",
                            timeout=30)
        assert answer.status_code == 200
        assert hashlib.sha256(answer.content).hexdigest() == packet.blob_sha256


def test_nothing_stored_reaches_anyone_else_through_nginx(app, session, prepared, front):
    owner, other = prepared.members[2], prepared.members[3]
    report = item_copy(session, owner, prepared.documents["report"])
    base = f"{front.base}/meetings/{prepared.meeting.id}/my/copies"
    before = count(session, DeliveryEvent)
    client = browser(front, other)
    with client:
        for url in (f"{base}/{report.id}.pdf", f"{base}/{report.id}/file.pdf"):
            answer = client.get(url, timeout=30)
            assert answer.status_code == 404, url
            assert b"%PDF" not in answer.content
        assert client.get(f"{front.base}/metrics", timeout=30).status_code == 404
        # The internal location is nginx's alone: asked for from outside, it does not exist.
        stored_as = blob_store(app.config).path_for(report.blob_sha256).relative_to(
            blob_store(app.config).root).as_posix()
        for path in (f"{PREFIX}{stored_as}", f"{PREFIX}", f"/%5Fstored/{stored_as}",
                     f"{PREFIX}{stored_as}".replace("/", "//")):
            answer = client.get(f"{front.base}{path}", timeout=30)
            assert answer.status_code == 404, path
            assert b"%PDF" not in answer.content
        # A MẬT copy is read as page images only, its own delegate included.
        secret = item_copy(session, other, prepared.documents["secret"])
        for url in (f"{base}/{secret.id}.pdf", f"{base}/{secret.id}/file.pdf"):
            for headers in ({}, {"Range": "bytes=0-1023"}):
                answer = client.get(url, headers=headers, timeout=30)
                assert answer.status_code == 404, (url, headers)
                assert b"%PDF" not in answer.content
        image = client.get(f"{base}/{secret.id}/pages/1.webp", timeout=60)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/webp"
        assert image.headers["Cache-Control"] == "private, no-store"
    assert count(session, DeliveryEvent) == before  # nothing was recorded for anyone


def test_plain_http_leads_to_https(front):
    with requests.Session() as client:
        client.trust_env = False
        answer = client.get(f"http://127.0.0.1:{front.http_port}/sign-in",
                            allow_redirects=False, timeout=30)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{front.base}/sign-in"
