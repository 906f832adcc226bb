# mypy: disable-error-code="no-untyped-call"
"""A timestamp client that keeps its HTTP connection open between signatures.

pyHanko's :class:`~pyhanko.sign.timestamps.HTTPTimeStamper` opens a new
``aiohttp`` session for every request, and each new session builds an SSL
context by loading the system's CA bundle — about 20 ms, more than the rest
of a B-T signature. :class:`KeepAliveTimeStamper` is the same pyHanko
timestamper (nonce, response checks and all) with only the transport
replaced: one persistent ``http.client`` connection per thread, reopened when
the server closes it. Requests are blocking; a signer signs one document at a
time anyway.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import urllib.parse

from asn1crypto import tsp
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

__all__ = ["KeepAliveTimeStamper"]


class KeepAliveTimeStamper(HTTPTimeStamper):
    """RFC 3161 client over a persistent HTTP/1.1 connection (http or https)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        """``url`` is the TSA's address; ``timeout`` bounds each request, in seconds."""
        super().__init__(url, timeout=timeout)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) TSA URL: {url!r}")
        self._parts = parts
        self._path = parts.path or "/"
        if parts.query:
            self._path += "?" + parts.query
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            host, port = self._parts.hostname or "", self._parts.port
            if self._ssl is not None:
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                   context=self._ssl)
            else:
                conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's data goes)."""
        self._drop_connection()

    def __del__(self) -> None:
        conn = getattr(getattr(self, "_local", None), "conn", None)
        if conn is not None:
            conn.close()

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _post(self, body: bytes) -> bytes:
        headers = self.request_headers()
        for attempt in (1, 2):  # a kept-alive connection may have been closed by the server
            conn = self._connection()
            try:
                conn.request("POST", self._path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                if attempt == 2:
                    raise TimestampRequestError("Error while contacting timestamp service") \
                        from exc
                continue
            if response.will_close:
                self._drop_connection()
            if response.status != 200:
                raise TimestampRequestError(f"Timestamp service answered HTTP {response.status}")
            if response.getheader("Content-Type") != "application/timestamp-reply":
                raise TimestampRequestError("Timestamp server response is malformed: expected "
                                            "content type application/timestamp-reply")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Send the request over the kept-alive connection (blocking)."""
        return tsp.TimeStampResp.load(self._post(req.dump()))
