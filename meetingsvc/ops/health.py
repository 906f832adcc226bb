"""Readiness: can this process serve and issue right now?

Each check is a plain function that returns a short detail or raises. They run
side by side in daemon threads, each bounded by ``READINESS_TIMEOUT_SECONDS``, so
a database or TSA that hangs makes ``/readyz`` answer 503 in time instead of
hanging the load balancer's probe. The signing key and the TSA are slow or
costly to ask (a token login, a signed timestamp), so their results are reused
for ``READINESS_CACHE_SECONDS``. Details never carry a secret: a failure shows
the error's type only; the full error goes to the log.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine, text

from signing.tsa_client import KeepAliveTimeStamper

from ..issuance.keys import SigningNotConfigured, key_source

__all__ = ["CheckResult", "DiskUsage", "Readiness", "ResultCache", "broker_check",
           "database_check", "disk_check", "run_checks", "signing_key_check", "tsa_check"]

log = logging.getLogger(__name__)

#: A check returns its detail ("ok", "12.4 GiB free") or raises.
Check = Callable[[], str]
GiB = 1024**3


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    duration_ms: float

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, "duration_ms": round(self.duration_ms, 1)}


class CheckFailed(Exception):
    """A check's own verdict; its message is safe to show."""


def run_checks(checks: Mapping[str, Check], timeout: float,
               clock: Callable[[], float] = time.perf_counter) -> list[CheckResult]:
    """Run every check at once; one not done within ``timeout`` seconds has failed."""
    outcomes: dict[str, CheckResult] = {}

    def run(name: str, check: Check) -> None:
        started = clock()
        try:
            detail, ok = check(), True
        except CheckFailed as error:
            detail, ok = str(error), False
        except Exception as error:  # any failure is an answer, never a 500
            log.warning("readiness check %s failed: %s", name, error, exc_info=True)
            detail, ok = f"failed: {type(error).__name__}", False
        outcomes[name] = CheckResult(name, ok, detail, (clock() - started) * 1000)

    threads = {name: threading.Thread(target=run, args=(name, check), daemon=True,
                                      name=f"readyz-{name}")
               for name, check in checks.items()}
    started = clock()
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(max(0.0, timeout - (clock() - started)))
    results = []
    for name in checks:
        result = outcomes.get(name)
        if result is None:  # still running: left behind, a daemon thread
            log.warning("readiness check %s timed out after %s s", name, timeout)
            result = CheckResult(name, False, f"timed out after {timeout:g} s", timeout * 1000)
        results.append(result)
    return results


@dataclass
class ResultCache:
    """Reuses a check's outcome (success or failure) for ``ttl`` seconds.

    A failure is kept too: retrying a wrong token PIN at every probe would lock the token.
    """

    ttl: float
    clock: Callable[[], float] = time.monotonic
    _kept: dict[str, tuple[float, str | Exception]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: str, check: Check) -> Check:
        def run() -> str:
            now = self.clock()
            with self._lock:
                kept = self._kept.get(key)
            if kept is None or now >= kept[0]:
                try:
                    outcome: str | Exception = check()
                except Exception as error:
                    outcome = error
                with self._lock:
                    self._kept[key] = (now + self.ttl, outcome)
                kept = (now + self.ttl, outcome)
            if isinstance(kept[1], Exception):
                raise kept[1]
            return kept[1]
        return run


def database_check(engine: Engine) -> Check:
    def check() -> str:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return f"{engine.dialect.name}: SELECT 1"
    return check


def broker_check(url: str, timeout: float) -> Check:
    def check() -> str:
        from kombu.connection import Connection

        with Connection(url, connect_timeout=timeout,  # type: ignore[no-untyped-call]
                        transport_options={"socket_timeout": timeout,
                                           "socket_connect_timeout": timeout}) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
            return f"{connection.transport_cls}: connected"
    return check


def signing_key_check(config: Mapping[str, Any], instance_path: str,
                      now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Check:
    """The configured key opens (PKCS#12 decrypts, PKCS#11 logs in) and its certificate holds."""
    def check() -> str:
        try:
            source = key_source(config, instance_path)
        except SigningNotConfigured:
            raise CheckFailed("no signing key is configured") from None
        kind = "PKCS#11 token" if config.get("SIGNING_PKCS11_MODULE") else "PKCS#12 file"
        try:
            signer = source.open_signer()
            cert = signer.signing_cert
        finally:
            source.close()
        if cert is None:
            raise CheckFailed(f"{kind}: no certificate with the key")
        until = cert.not_valid_after
        if until <= now():
            raise CheckFailed(f"{kind}: certificate expired on {until.date().isoformat()}")
        return f"{kind}: key opened, certificate valid until {until.date().isoformat()}"
    return check


def tsa_check(url: str, timeout: float) -> Check:
    """A real RFC 3161 request: the TSA answers, grants, and echoes our nonce."""
    def check() -> str:
        stamper = KeepAliveTimeStamper(url, timeout=timeout)
        try:
            digest = hashlib.sha256(b"meetingsvc readiness").digest()
            asyncio.run(stamper.async_timestamp(digest, "sha256"))
        finally:
            stamper.close()
        return "timestamp granted"
    return check


def disk_check(path: str, min_free: int,
               usage: Callable[[str], DiskUsage] = shutil.disk_usage) -> Check:  # type: ignore[assignment]
    def check() -> str:
        where = _existing(Path(path))
        free = usage(str(where)).free
        detail = f"{free / GiB:.1f} GiB free (at least {min_free / GiB:.1f} GiB wanted)"
        if free < min_free:
            raise CheckFailed(f"too little space: {detail}")
        return detail
    return check


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a blob folder not made yet)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@dataclass
class Readiness:
    """The checks of one deployment, built from its settings; ``check()`` runs them."""

    config: Mapping[str, Any]
    instance_path: str
    #: The database engine, looked up at each check (tests bind a new one per app).
    engine: Callable[[], Engine]
    disk_usage: Callable[[str], DiskUsage] = shutil.disk_usage  # type: ignore[assignment]
    cache: ResultCache = field(default_factory=lambda: ResultCache(ttl=30.0))

    def checks(self) -> dict[str, Check]:
        config, timeout = self.config, float(self.config["READINESS_TIMEOUT_SECONDS"])
        min_free = int(config["READINESS_MIN_FREE_BYTES"])
        checks: dict[str, Check] = {"database": database_check(self.engine())}
        if config.get("CELERY_BROKER_URL"):
            checks["broker"] = broker_check(config["CELERY_BROKER_URL"], timeout)
        checks["signing_key"] = self.cache.cached(
            "signing_key", signing_key_check(config, self.instance_path))
        if config.get("TSA_URL") and not self.embedded_tsa():
            checks["tsa"] = self.cache.cached("tsa", tsa_check(config["TSA_URL"], timeout))
        checks["blob_disk"] = disk_check(config["BLOB_DIR"], min_free, self.disk_usage)
        checks["instance_disk"] = disk_check(self.instance_path, min_free, self.disk_usage)
        return checks

    def embedded_tsa(self) -> bool:
        """The service's own /tsa: asking it would be asking ourselves (one worker: a deadlock)."""
        own = str(self.config["PUBLIC_BASE_URL"]).rstrip("/") + "/tsa"
        return bool(self.config.get("TSA_URL") == own)

    def check(self) -> list[CheckResult]:
        return run_checks(self.checks(), float(self.config["READINESS_TIMEOUT_SECONDS"]))
