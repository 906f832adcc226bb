"""The RFC 3161 responder: pyHanko over HTTP, openssl ts -verify, rejections, serials."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from asn1crypto import tsp
from pyhanko.sign.timestamps import HTTPTimeStamper
from signing_helpers import require_tool

from signing.pki import DevPki
from signing.tsa import TimestampAuthority, _RejectionResp


@pytest.fixture(scope="module")
def authority(pki: DevPki) -> TimestampAuthority:
    return TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)


def _status(response: bytes) -> dict[str, object]:
    return dict(_RejectionResp.load(response)["status"].native)


def test_pyhanko_http_timestamper_gets_a_valid_token(tsa_url: str) -> None:
    digest = hashlib.sha256(b"meeting document").digest()
    stamper = HTTPTimeStamper(tsa_url)
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    content = token["content"]
    tst_info = content["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hashed_message"].native == digest
    assert len(content["certificates"]) == 3  # TSA, issuing CA, root (certReq was set)


def test_openssl_verifies_the_response(authority: TimestampAuthority, pki: DevPki,
                                       tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    data = tmp_path / "data.bin"
    data.write_bytes(b"Bien ban hoi nghi")
    query, reply = tmp_path / "q.tsq", tmp_path / "r.tsr"
    subprocess.run([openssl, "ts", "-query", "-data", str(data), "-sha256", "-cert",
                    "-out", str(query)], check=True, capture_output=True)
    reply.write_bytes(authority.respond(query.read_bytes()))
    chain = tmp_path / "chain.pem"
    chain.write_bytes((pki.directory / "issuing-ca.crt").read_bytes())
    result = subprocess.run([openssl, "ts", "-verify", "-in", str(reply), "-queryfile",
                             str(query), "-CAfile", str(pki.directory / "root-ca.crt"),
                             "-untrusted", str(chain)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout


@pytest.mark.parametrize("request_bytes", [b"", b"garbage", b"\x30\x03\x02\x01\x01",
                                           b"\x30\x80" * 5000])
def test_malformed_requests_get_a_rejection(authority: TimestampAuthority,
                                            request_bytes: bytes) -> None:
    status = _status(authority.respond(request_bytes))
    assert status["status"] == "rejection"
    assert status["fail_info"] in ({"bad_data_format"}, {"bad_request"})


def test_unsupported_digest_is_rejected_as_bad_alg(authority: TimestampAuthority) -> None:
    request = tsp.TimeStampReq({
        "version": "v1", "cert_req": True,
        "message_imprint": {"hash_algorithm": {"algorithm": "md5"},
                            "hashed_message": hashlib.md5(b"x").digest()}})  # noqa: S324
    assert _status(authority.respond(request.dump())) == {
        "status": "rejection", "status_string": ["unsupported or inconsistent digest md5"],
        "fail_info": {"bad_alg"}}


def test_serial_numbers_are_unique_under_concurrency(authority: TimestampAuthority) -> None:
    request = tsp.TimeStampReq({
        "version": "v1", "cert_req": False,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": hashlib.sha256(b"x").digest()}}).dump()

    def serial(_: int) -> int:
        token = tsp.TimeStampResp.load(authority.respond(request))["time_stamp_token"]
        info = token["content"]["encap_content_info"]["content"].parsed
        return int(info["serial_number"].native)

    with ThreadPoolExecutor(8) as pool:
        serials = list(pool.map(serial, range(200)))
    assert len(set(serials)) == 200
