"""200 delegates download their packets at once from the service under gunicorn, on loopback.

Run from the repository root (about 80 s, most of it issuing the packets)::

    .venv/bin/python bench/download_load.py                 # 200 delegates, 2 MB packets
    .venv/bin/python bench/download_load.py --documents 30  # bigger packets

It seeds a meeting of ``--delegates`` members and ``--documents`` 20-page
papers (``issue_packets.seed``; 13 papers make a packet of about 2 MB), issues
it with the embedded runner, then starts gunicorn (as ``make run`` does: 2
workers × 4 threads) on a free port of 127.0.0.1 with that instance. Every
delegate signs in (its own cookie jar), then all of them ask for their packet
PDF at the same moment; each response is read to the end and checked against
its ``Content-Length``. Afterwards the database must hold exactly one
``downloaded`` event per packet, and as many audit entries, and the audit
chain, appended to by every sign-in and download at once, must verify intact.
Everything is bounded: one request each, ``--timeout`` seconds in all, only
127.0.0.1.

The last lines are ``requests=<n> errors=<e> p50_ms=<a> p99_ms=<b>``, then
``audit chain: intact (<rows> rows)`` or ``audit chain: BROKEN at row <id> (<why>)``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
from issue_packets import POLICY, seed  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from meetingsvc import create_app  # noqa: E402
from meetingsvc.audit.models import AuditEvent  # noqa: E402
from meetingsvc.audit.services import Actor, verify_chain  # noqa: E402
from meetingsvc.extensions import Base, db  # noqa: E402
from meetingsvc.issuance.models import IssuanceJob, IssuedCopy  # noqa: E402
from meetingsvc.issuance.planning import start_issuance  # noqa: E402
from meetingsvc.issuance.runner import EmbeddedRunner  # noqa: E402
from meetingsvc.meetings.models import Meeting  # noqa: E402
from meetingsvc.tracking.models import DeliveryEvent  # noqa: E402
from signing import LocalTsaServer, TimestampAuthority, create_dev_pki  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 - what issue_packets.seed gives every delegate
PKI_PASSPHRASE = b"bench-pki-passphrase"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def prepare(instance: Path, delegates: int, documents: int) -> tuple[dict[str, object], int]:
    """Seed and issue the meeting; returns the service's settings and the meeting id."""
    pki = create_dev_pki(instance / "pki", office_name="Văn phòng Tỉnh ủy",
                         passphrase=PKI_PASSPHRASE)
    with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as tsa:
        settings: dict[str, object] = {
            "SECRET_KEY": "bench-download-" + "x" * 40, "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}",
            "BLOB_DIR": str(instance / "blobs"), "PKI_DIR": str(instance / "pki"),
            "DEV_PKI_PASSPHRASE": PKI_PASSPHRASE.decode(), "TSA_URL": tsa.url,
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024,
        }
        app = create_app(settings | {"ISSUANCE_POLICY": POLICY})
        with app.app_context():
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            meeting_id = seed(app, delegates, documents)
            started = time.perf_counter()
            job = start_issuance(db.session, db.session.get(Meeting, meeting_id),
                                 Actor(username="bench"), POLICY)
            db.session.commit()
            runner = EmbeddedRunner(app)
            runner.wake()
            runner.join()
            status = db.session.get(IssuanceJob, job.id, populate_existing=True).status
            print(f"issued {delegates} packets of {documents} papers in "
                  f"{time.perf_counter() - started:.0f} s: {status}")
            db.session.remove()
        db.engine.dispose()
    return settings, meeting_id


def start_service(settings: dict[str, object], port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {f"MEETINGSVC_{k}": str(v) for k, v in settings.items()}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
         "--bind", f"{HOST}:{port}", "--log-level", "warning", "meetingsvc.wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)


async def wait_until_up(base: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < deadline:
            try:
                async with client.get(f"{base}/sign-in") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the service did not start")


async def sign_in(base: str, username: str, gate: asyncio.Semaphore) -> aiohttp.ClientSession:
    client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with gate:
        async with client.get(f"{base}/sign-in") as page:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                              await page.text())
        assert token, "no CSRF token on the sign-in page"
        async with client.post(f"{base}/sign-in", allow_redirects=False, data={
                "username": username, "password": PASSWORD,
                "csrf_token": token.group(1)}) as answer:
            if answer.status != 302:
                raise RuntimeError(f"{username} could not sign in: {answer.status}")
    return client


async def download(client: aiohttp.ClientSession, url: str, start: asyncio.Event
                   ) -> tuple[float, int, str | None]:
    """Seconds to the last byte, bytes read, and the error if any."""
    await start.wait()
    began = time.perf_counter()
    try:
        async with client.get(url) as response:
            size = 0
            async for chunk in response.content.iter_chunked(1 << 20):
                size += len(chunk)
            expected = int(response.headers.get("Content-Length", -1))
            if response.status != 200 or size != expected:
                return time.perf_counter() - began, size, f"HTTP {response.status}, {size} B"
            return time.perf_counter() - began, size, None
    except (aiohttp.ClientError, TimeoutError) as error:
        return time.perf_counter() - began, 0, f"{type(error).__name__}: {error}"


async def load(base: str, usernames: list[str], meeting_id: int, timeout: float
               ) -> list[tuple[float, int, str | None]]:
    gate = asyncio.Semaphore(16)
    clients = await asyncio.gather(*(sign_in(base, name, gate) for name in usernames))
    start = asyncio.Event()
    try:
        url = f"{base}/meetings/{meeting_id}/my/packet.pdf"
        tasks = [asyncio.create_task(download(c, url, start)) for c in clients]
        await asyncio.sleep(0.1)
        start.set()  # all at once
        return await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def check_events(settings: dict[str, object], meeting_id: int) -> tuple[int, int, int]:
    """Packets with exactly one download event, all download events, their audit entries."""
    app = create_app(settings)
    with app.app_context():
        per_packet = db.session.execute(
            select(IssuedCopy.id, func.count(DeliveryEvent.id))
            .outerjoin(DeliveryEvent, (DeliveryEvent.copy_id == IssuedCopy.id)
                       & (DeliveryEvent.kind == "downloaded"))
            .where(IssuedCopy.meeting_id == meeting_id, IssuedCopy.kind == "packet")
            .group_by(IssuedCopy.id)).all()
        events = db.session.scalar(select(func.count()).select_from(DeliveryEvent)
                                   .where(DeliveryEvent.kind == "downloaded"))
        audited = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "copy.downloaded"))
        once = sum(1 for _, count in per_packet if count == 1)
    return once, events or 0, audited or 0


def chain_verdict(settings: dict[str, object]) -> tuple[bool, str]:
    """Whether the audit chain holds after the load, and the line that says so."""
    app = create_app(settings)
    with app.app_context():
        report = verify_chain(db.session)
    if report.intact:
        return True, f"audit chain: intact ({report.rows_checked} rows)"
    return False, f"audit chain: BROKEN at row {report.first_broken_id} ({report.reason})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delegates", type=int, default=200)
    parser.add_argument("--documents", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=120, help="seconds for all downloads")
    parser.add_argument("--out", type=Path, help="where the instance stays (default: a temp dir)")
    args = parser.parse_args()
    out = (args.out or Path(tempfile.mkdtemp(prefix="download-load-"))).resolve()
    instance = out / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    settings, meeting_id = prepare(instance, args.delegates, args.documents)
    usernames = [f"daibieu{n:04d}" for n in range(args.delegates)]
    port = free_port()
    base = f"http://{HOST}:{port}"
    service = start_service(settings, port)
    try:
        asyncio.run(wait_until_up(base, time.monotonic() + 60))
        results = asyncio.run(load(base, usernames, meeting_id, args.timeout))
    finally:
        service.terminate()
        service.wait(30)
    latencies = [seconds * 1000 for seconds, _, _ in results]
    errors = [error for _, _, error in results if error]
    sizes = [size for _, size, error in results if not error]
    once, events, audited = check_events(settings, meeting_id)
    print(f"packets: {statistics.mean(sizes) / 1e6:.2f} MB on average" if sizes else "no packet")
    print(f"downloads: {len(results)}, errors: {len(errors)} {errors[:3]}")
    print(f"events: {once}/{args.delegates} packets downloaded exactly once; "
          f"{events} download events, {audited} audit entries")
    if once != args.delegates or events != args.delegates or audited != args.delegates:
        errors.append("download events not recorded exactly once")
    print(f"latency: p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f}"
          f" ms, max {max(latencies):.0f} ms")
    intact, verdict = chain_verdict(settings)
    if not intact:
        errors.append(verdict)
    print(f"requests={len(results)} errors={len(errors)} p50_ms={percentile(latencies, 0.5):.0f} "
          f"p99_ms={percentile(latencies, 0.99):.0f}")
    print(verdict)


if __name__ == "__main__":
    main()
