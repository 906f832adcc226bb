"""Stored files leave through one helper, after the event is committed, holding no lock.

Without nginx (``FILE_SENDING = "app"``) the answer is the blob's own file in the
server's ``wsgi.file_wrapper``, which gunicorn sends with ``sendfile``; ``Range``
still works. With ``"x-accel"`` the answer is empty and names the blob for
nginx's internal location (``tests/deploy`` runs the real nginx).
"""

from __future__ import annotations

import sqlite3

import pytest
from gunicorn.http.wsgi import FileWrapper
from sqlalchemy import create_engine, func, select, text
from werkzeug.test import EnvironBuilder

from meetingsvc.accounts.models import Role
from meetingsvc.documents.blobs import blob_store
from meetingsvc.tracking.models import DeliveryEvent
from tests.tracking.conftest import item_copy, packet_of


def call_as_gunicorn(app, client, url: str, headers: dict[str, str] | None = None):
    """The app called as gunicorn calls it (its file wrapper in the environ), signed in as
    the test client is: the status, the headers and the body iterable, not yet read."""
    cookie = client.get_cookie("session")
    answer: dict[str, object] = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    environ = EnvironBuilder(path=url, headers={"Cookie": f"session={cookie.value}",
                                                **(headers or {})},
                             environ_base={**client.environ_base,
                                           "wsgi.file_wrapper": FileWrapper}).get_environ()
    body = app(environ, start_response)
    return answer["status"], answer["headers"], body


def outside_view(database_url: str) -> tuple[int, bool]:
    """From another connection: download events stored, and whether a writer could start now."""
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
        try:
            events = other.execute(
                "SELECT count(*) FROM delivery_event WHERE kind = 'downloaded'").fetchone()[0]
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if a write is still open
                other.rollback()
                free = True
            except sqlite3.OperationalError:
                free = False
            return events, free
        finally:
            other.close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as other:
            events = other.scalar(text(
                "SELECT count(*) FROM delivery_event WHERE kind = 'downloaded'"))
            open_elsewhere = other.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
            advisory = other.scalar(text("SELECT count(*) FROM pg_locks "
                                         "WHERE locktype = 'advisory' AND granted"))
            return int(events or 0), open_elsewhere == 0 and advisory == 0
    finally:
        engine.dispose()


def test_without_nginx_the_file_goes_by_sendfile_after_the_event_is_committed(
        app, app_config, client, sign_in, session, prepared, issued):
    delegate = prepared.members[1]
    packet = packet_of(session, delegate)
    path = blob_store(app.config).path_for(packet.blob_sha256)
    sign_in(delegate)
    url = f"/meetings/{prepared.meeting.id}/my/packet.pdf"
    status, headers, body = call_as_gunicorn(app, client, url)
    try:
        assert status.startswith("200")
        assert isinstance(body, FileWrapper)  # what gunicorn hands to sendfile
        assert body.filelike.name == str(path)
        assert headers["Content-Length"] == str(path.stat().st_size)
        assert headers["ETag"] == f'"{packet.blob_sha256}"'
        assert headers["Accept-Ranges"] == "bytes"
        assert "X-Accel-Redirect" not in headers
        # Before the first byte: the event is in the database and nothing is held open.
        assert outside_view(app_config["DATABASE_URL"]) == (1, True)
        assert b"".join(body) == path.read_bytes()
    finally:
        body.close()

    status, headers, body = call_as_gunicorn(app, client, url, {"Range": "bytes=1000-1999"})
    try:
        assert status.startswith("206")
        assert headers["Content-Range"] == f"bytes 1000-1999/{path.stat().st_size}"
        assert b"".join(body) == path.read_bytes()[1000:2000]
    finally:
        body.close()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(DeliveryEvent).where(
        DeliveryEvent.copy_id == packet.id, DeliveryEvent.kind == "downloaded")) == 1


@pytest.fixture
def accel(app):
    app.config["FILE_SENDING"] = "x-accel"
    app.config["X_ACCEL_PREFIX"] = "/_stored/"
    return app


def test_with_nginx_the_app_answers_empty_and_names_the_blob(accel, client, sign_in, session,
                                                             prepared, issued):
    delegate = prepared.members[0]
    copy = item_copy(session, delegate, prepared.documents["report"])
    store = blob_store(accel.config)
    stored_as = store.path_for(copy.blob_sha256).relative_to(store.root).as_posix()
    sign_in(delegate)
    url = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}/file.pdf"
    with client.get(url) as answer:
        assert answer.status_code == 200 and answer.data == b""
        assert answer.headers["X-Accel-Redirect"] == f"/_stored/{stored_as}"
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"].startswith('inline; filename="212-BC-TU')
        assert answer.headers["Cache-Control"] == "private, no-cache"
        assert answer.headers["ETag"] == f'"{copy.blob_sha256}"'
    with client.get(url, headers={"If-None-Match": f'"{copy.blob_sha256}"'}) as cached:
        assert cached.status_code == 304 and "X-Accel-Redirect" not in cached.headers
    other = item_copy(session, prepared.members[1], prepared.documents["report"])
    secret = item_copy(session, delegate, prepared.documents["secret"])
    for forbidden in (other, secret):  # another's copy; a MẬT one: no file is ever named
        for route in (f"{forbidden.id}.pdf", f"{forbidden.id}/file.pdf"):
            with client.get(f"/meetings/{prepared.meeting.id}/my/copies/{route}") as answer:
                assert answer.status_code == 404 and "X-Accel-Redirect" not in answer.headers


def test_staff_files_leave_through_the_same_helper(accel, client, sign_in, session, prepared,
                                                   issued, make_user):
    staff = make_user(Role.SECRETARIAT)
    copy = item_copy(session, prepared.members[0], prepared.documents["report"])
    version = prepared.documents["report"].current_version
    sign_in(staff)
    meeting_id = prepared.meeting.id
    for url, sha256 in (
            (f"/meetings/{meeting_id}/copies/{copy.id}/signed.pdf", copy.blob_sha256),
            (f"/meetings/{meeting_id}/documents/{version.document_id}/versions/"
             f"{version.number}/source.pdf", version.blob_sha256)):
        with client.get(url) as answer:
            assert answer.status_code == 200 and answer.data == b"", url
            assert answer.headers["X-Accel-Redirect"].endswith(f"/{sha256}")
            assert answer.headers["ETag"] == f'"{sha256}"'
