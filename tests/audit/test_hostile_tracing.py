"""One upload cannot hold an auditor's worker: tracing is linear and asks the database once.

The attack: a damaged copy (so the signed metadata cannot be read) stuffed with
80,000 strings that look like copy tokens, the real one last. Before, each
look-alike was compared with every earlier one and then looked up on its own.
"""

from __future__ import annotations

import io
import secrets

import pytest
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from meetingsvc.audit.tracing import raw_tokens
from meetingsvc.extensions import db

LOOK_ALIKES = 80_000


@pytest.fixture
def app_config(app_config):
    return app_config | {"VERIFY_MAX_UPLOAD_BYTES": 8 * 1024 * 1024}


def stuffed_copy(data: bytes, token: str) -> bytes:
    """The copy cut short (it no longer parses), then 80,000 token look-alikes, then its own."""
    fakes = b"".join(b"/Meetingsvc_MeetingsvcToken (%s)\n" % secrets.token_urlsafe(24).encode()
                     for _ in range(LOOK_ALIKES))
    return data[: len(data) // 2] + b"\n" + fakes + \
        b"/Meetingsvc_MeetingsvcToken (%s)\n" % token.encode()


def test_a_file_stuffed_with_token_look_alikes_is_traced_with_one_query(
        session, small_issue, auditor, sign_in, client):
    copy = small_issue.copies["ttthang"]
    data = stuffed_copy(small_issue.signed_bytes("ttthang"), copy.verification_token)
    assert len(data) > 4 * 1024 * 1024
    assert len(raw_tokens(data)) == LOOK_ALIKES + 1
    sign_in(auditor)
    lookups: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        where = statement.partition("WHERE")[2]
        if "FROM issued_copy" in statement and "verification_token" in where:
            lookups.append(statement)

    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "tai-lieu.pdf")})
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = client.post("/audit/verify", data=body, headers={"Accept": "application/json"},
                             content_type=f"multipart/form-data; boundary={boundary}").json
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert report["verification"]["indication"] != "TOTAL_PASSED"
    traced = report["issued_copy"]
    assert traced["delegate_username"] == "ttthang" and traced["found_by"] == "raw_bytes"
    assert traced["match"] == "altered"
    assert len(lookups) == 1, lookups  # all 80,001 candidates in one query


def test_tokens_in_a_hostile_file_are_read_in_file_order_once_each():
    real = secrets.token_urlsafe(24)
    data = (b"/Meetingsvc_MeetingsvcToken (%s) " % real.encode()) * 3 + \
        b"/Meetingsvc_MeetingsvcToken (not a token!) /Meetingsvc_MeetingsvcToken <41>"
    assert raw_tokens(data) == [real]
