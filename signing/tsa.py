# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""An RFC 3161 time-stamp authority: DER ``TimeStampReq`` in, DER ``TimeStampResp`` out.

:class:`TimestampAuthority` holds the TSA key and answers requests; the Flask
app exposes :meth:`TimestampAuthority.respond` at ``/tsa``. It never raises on
a bad request: the answer is then a ``rejection`` with an RFC 3161 failure
reason. It is thread-safe and serial numbers are unique (a random 64-bit
prefix per instance followed by a counter).

:class:`LocalTsaServer` runs the same responder behind ``http.server`` on
127.0.0.1 in a thread, for tests and benchmarks, so pyHanko's
``HTTPTimeStamper`` talks to a real TSA over a socket.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import itertools
import secrets
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

__all__ = ["TimestampAuthority", "LocalTsaServer", "DEFAULT_TSA_POLICY", "MAX_REQUEST_BYTES"]

DEFAULT_TSA_POLICY = "2.25.143384113206745318163539476620513474907"
"""Policy OID written into every token (a UUID-derived OID: no registration needed)."""

MAX_REQUEST_BYTES = 16 * 1024
"""Requests above this size are rejected unread (a real request is about 100 bytes)."""

_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_384": 48,
                 "sha3_512": 64}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TimestampAuthority:
    """Answers RFC 3161 requests with tokens signed by the TSA key."""

    def __init__(self, cert: x509.Certificate, key: rsa.RSAPrivateKey,
                 chain: Sequence[x509.Certificate] = (), *, policy: str = DEFAULT_TSA_POLICY,
                 clock: Callable[[], dt.datetime] = _utcnow) -> None:
        """``chain`` is embedded after the TSA certificate; ``clock`` pins the time in tests."""
        self._key = key
        self._cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        self._chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                       for c in chain]
        # static parts are re-parsed from DER: asn1crypto then reuses their encoding
        # instead of re-encoding them (names, certificate hashes) for every token
        self._signing_cert_attr = _parsed(simple_cms_attribute(
            "signing_certificate_v2", as_signing_certificate_v2(self._cert, "sha256")))
        self._tsa_name = _parsed(asn1_x509.GeneralName(name="directory_name",
                                                       value=self._cert.subject))
        self._policy = policy
        self._digest_algo = _parsed(algos.DigestAlgorithm({"algorithm": "sha256"}))
        self._sid = _parsed(cms.SignerIdentifier({
            "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                {"issuer": self._cert.issuer, "serial_number": self._cert.serial_number})}))
        self._certificates_field = _der(0xA0, b"".join(
            c.dump() for c in [self._cert, *self._chain]))
        self._clock = clock
        self._serial_prefix = secrets.randbits(63) << 64
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _next_serial(self) -> int:
        with self._lock:
            return self._serial_prefix | next(self._counter)

    def respond(self, request: bytes) -> bytes:
        """Answer one DER request with a DER response: a token, or a rejection."""
        try:
            return self._grant(request)
        except _Rejection as rejection:
            return _rejection(rejection.reason, rejection.text)
        except Exception:  # never let a malformed request escape as an exception
            return _rejection("bad_data_format", "the request could not be parsed")

    def _grant(self, request: bytes) -> bytes:
        if len(request) > MAX_REQUEST_BYTES:
            raise _Rejection("bad_request", "the request is too large")
        req = tsp.TimeStampReq.load(request, strict=True)
        req.native  # noqa: B018 - forces asn1crypto to parse every field now
        if req["version"].native != "v1":
            raise _Rejection("bad_request", "only version 1 requests are supported")
        imprint = req["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if _DIGEST_SIZES.get(algorithm) != len(imprint["hashed_message"].native):
            raise _Rejection("bad_alg", f"unsupported or inconsistent digest {algorithm}")
        policy = req["req_policy"].native
        if policy is not None and policy != self._policy:
            raise _Rejection("unaccepted_policy", "only the TSA's own policy is supported")
        if req["extensions"].native:
            raise _Rejection("unaccepted_extension", "request extensions are not supported")
        now = self._clock().astimezone(dt.UTC).replace(microsecond=0)
        info = {
            "version": "v1", "policy": self._policy, "message_imprint": imprint,
            "serial_number": self._next_serial(), "gen_time": now,
            "accuracy": {"seconds": 1}, "ordering": False,
            "tsa": self._tsa_name,
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"].native
        token = self._sign(tsp.TSTInfo(info).dump(), now, bool(req["cert_req"].native))
        status = tsp.PKIStatusInfo({"status": "granted"}).dump()
        return _der(0x30, status + token)

    def _sign(self, tst_info: bytes, now: dt.datetime, include_certs: bool) -> bytes:
        """The token (a CMS ContentInfo), DER-encoded.

        Assembled from pre-encoded parts: asn1crypto re-encodes certificates
        placed in a new structure, which made responses five times slower.
        """
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
            self._signing_cert_attr,
            simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
        ])
        signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        signer_info = cms.SignerInfo({
            "version": "v1", "sid": self._sid, "digest_algorithm": self._digest_algo,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signed_attrs": signed_attrs, "signature": signature,
        })
        encap = cms.EncapsulatedContentInfo({"content_type": "tst_info",
                                             "content": cms.ParsableOctetString(tst_info)})
        signed_data = _der(0x30, b"".join([
            core.Integer(3).dump(),  # version v3
            _der(0x31, self._digest_algo.dump()),
            encap.dump(),
            self._certificates_field if include_certs else b"",
            _der(0x31, signer_info.dump()),
        ]))
        return _der(0x30, _SIGNED_DATA_OID + _der(0xA0, signed_data))


_SIGNED_DATA_OID = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()


def _parsed(value: Any) -> Any:
    """The same ASN.1 value, loaded from its DER (so it keeps its encoding)."""
    return type(value).load(value.dump())


def _der(tag: int, content: bytes) -> bytes:
    """A DER TLV with a one-byte tag."""
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


class _RejectionResp(core.Sequence):  # type: ignore[misc]
    """``TimeStampResp`` without a token (asn1crypto's own type requires one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


class _Rejection(Exception):
    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason, self.text = reason, text


def _rejection(reason: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo({"status": "rejection", "status_string": [text],
                                "fail_info": tsp.PKIFailureInfo({reason})})
    response: bytes = _RejectionResp({"status": status}).dump()
    return response


class _TsaHandler(http.server.BaseHTTPRequestHandler):
    authority: TimestampAuthority
    protocol_version = "HTTP/1.1"  # keep-alive: signers reuse one connection
    disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stall

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.send_error(413)
            return
        body = self.authority.respond(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: tests and benchmarks make thousands of requests."""


class LocalTsaServer:
    """A :class:`TimestampAuthority` served over HTTP on 127.0.0.1, in a daemon thread.

    Use it as a context manager; :attr:`url` is the address to give a timestamper.
    """

    def __init__(self, authority: TimestampAuthority, port: int = 0) -> None:
        handler = type("Handler", (_TsaHandler,), {"authority": authority})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="local-tsa")

    @property
    def url(self) -> str:
        """The TSA's URL, e.g. ``http://127.0.0.1:41234/tsa``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def start(self) -> LocalTsaServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalTsaServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
