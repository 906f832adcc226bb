"""The embedded TSA reads at most 16 KiB of a request, chunked or not, and limits strangers."""

from __future__ import annotations

import hashlib
import io

import pytest
from asn1crypto import algos, tsp

from meetingsvc.issuance.views import MAX_TSA_REQUEST

QUERY_TYPE = "application/timestamp-query"


@pytest.fixture
def app_config(app_config):
    return app_config | {"TSA_REQUESTS_PER_MINUTE": 3}


def timestamp_query() -> bytes:
    return tsp.TimeStampReq({
        "version": 1, "cert_req": True,
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(b"bien ban").digest()}),
    }).dump()


class CountingStream(io.RawIOBase):
    """A 4 MiB request body that counts what the server read of it."""

    SIZE = 4 * 1024 * 1024

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:  # the test client rewinds it
        return 0

    def tell(self) -> int:
        return 0

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        size = min(len(buffer), self.SIZE - self.read_bytes)
        buffer[:size] = b"\0" * size
        self.read_bytes += size
        return size


def test_a_chunked_flood_is_refused_after_16_kib(client):
    body = CountingStream()
    response = client.post("/tsa", input_stream=body, content_type=QUERY_TYPE,
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert body.read_bytes <= 2 * MAX_TSA_REQUEST  # one bounded read, not the flood


def test_a_declared_large_body_is_refused_unread(client):
    response = client.post("/tsa", data=b"\0" * (MAX_TSA_REQUEST + 1), content_type=QUERY_TYPE)
    assert response.status_code == 413


def test_strangers_are_limited_and_the_machine_itself_is_not(client):
    stranger = {"REMOTE_ADDR": "10.9.8.7"}
    answers = [client.post("/tsa", data=timestamp_query(), content_type=QUERY_TYPE,
                           environ_base=stranger) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].mimetype == "application/timestamp-reply"
    assert tsp.TimeStampResp.load(answers[0].data)["status"]["status"].native == "granted"
    assert int(answers[3].headers["Retry-After"]) >= 1
    local = [client.post("/tsa", data=timestamp_query(), content_type=QUERY_TYPE,
                         environ_base={"REMOTE_ADDR": "127.0.0.1"}) for _ in range(5)]
    assert {a.status_code for a in local} == {200}
