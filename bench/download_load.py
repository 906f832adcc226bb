"""200 delegates download their packets at once: gunicorn alone, nginx in front, and the floor.

Run from the repository root (about 2 minutes, most of it issuing the packets)::

    .venv/bin/python bench/download_load.py                     # 200 delegates, 1.4 MB packets
    .venv/bin/python bench/download_load.py --documents 30      # bigger packets
    .venv/bin/python bench/download_load.py --out /srv/bench    # keep the instance; run again
                                                                # on it without issuing

It seeds a meeting of ``--delegates`` members and ``--documents`` 20-page papers
(``issue_packets.seed``; 13 papers make a packet of about 1.4 MB) and issues it
with the embedded runner (a pool, one process per core). Then the same load runs three times,
with the same client: libcurl (pycurl's multi interface, one thread), on the same
machine, each delegate signed in before the clock starts and its connection (and
TLS session) opened by a warm-up request; a transfer that opens a new connection
during the run counts as an error. A client in C keeps the client's own share of
the two cores small: an aiohttp client spent more CPU decrypting than nginx did
encrypting.

(a) ``gunicorn``: the service as ``make run`` starts it (2 workers × 4 threads)
    on a free port of 127.0.0.1, plain HTTP, ``FILE_SENDING = "app"`` (sendfile);
(b) ``nginx``: Debian's nginx with ``deploy/nginx/meetingsvc.conf`` (TLS, a
    throwaway certificate) in front of gunicorn as the deployment guide runs it
    (``-c python:meetingsvc.ops.gunicorn_conf --workers 2``: 2 workers of one
    thread) with ``FILE_SENDING = "x-accel"``: the app checks access, records the
    download and names the blob;
(c) ``floor``: the same nginx and TLS serving each delegate's packet file
    directly (a location aliasing ``BLOB_DIR``, no app): the best a download can do.

All delegates ask for their packet PDF at the same moment; each response is read
to the end and checked against its ``Content-Length``. Afterwards the database
must hold exactly one ``downloaded`` event per packet per run through the app
(two), as many audit entries, and the audit chain, appended to by every
sign-in and download at once, must verify intact. Everything is bounded: one
request each, ``--timeout`` seconds per run, only 127.0.0.1.

Each run prints its figures; the last line is ``requests=<n> errors=<e>
p50_ms=<a> p99_ms=<b> gunicorn_p99_ms=<c> floor_p99_ms=<d>``, where the first
four are the run with nginx in front and errors count every failed check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
import pycurl  # noqa: E402
from issue_packets import POLICY, seed  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from meetingsvc import create_app  # noqa: E402
from meetingsvc.accounts.models import User  # noqa: E402
from meetingsvc.audit.models import AuditEvent  # noqa: E402
from meetingsvc.audit.services import Actor, verify_chain  # noqa: E402
from meetingsvc.documents.blobs import blob_store  # noqa: E402
from meetingsvc.extensions import Base, db  # noqa: E402
from meetingsvc.issuance.dispatcher import EmbeddedRunner  # noqa: E402
from meetingsvc.issuance.models import IssuanceJob, IssuedCopy  # noqa: E402
from meetingsvc.issuance.planning import start_issuance  # noqa: E402
from meetingsvc.meetings.models import Meeting  # noqa: E402
from meetingsvc.tracking.models import DeliveryEvent  # noqa: E402
from signing import LocalTsaServer, TimestampAuthority, create_dev_pki  # noqa: E402
from tests.deploy.front import Front, free_port, nginx_front, shared_directory  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 - what issue_packets.seed gives every delegate
PKI_PASSPHRASE = b"bench-pki-passphrase"
HOST = "127.0.0.1"
X_ACCEL_PREFIX = "/_stored/"
#: Where the floor's server block serves BLOB_DIR as it is, without the app.
FLOOR_PREFIX = "/floor/"
#: Sign-in and downloads name the same browser: a session is bound to its user agent.
USER_AGENT = "meetingsvc-download-load/1"


@dataclass(frozen=True)
class Prepared:
    """The issued instance: the service's settings, the meeting, each delegate's packet file."""

    settings: dict[str, object]
    meeting_id: int
    packets: dict[str, str]  # username -> the packet's path under BLOB_DIR


@dataclass(frozen=True)
class Run:
    label: str
    latencies_ms: list[float]
    #: Until the answer's headers arrived: through the app, its access check and event.
    first_byte_ms: list[float]
    errors: list[str]
    mean_bytes: float

    def figures(self) -> str:
        return (f"requests={len(self.latencies_ms)} errors={len(self.errors)} "
                f"p50_ms={percentile(self.latencies_ms, 0.5):.0f} "
                f"p99_ms={percentile(self.latencies_ms, 0.99):.0f}")


def prepare(instance: Path, delegates: int, documents: int) -> Prepared:
    """Seed and issue the meeting once; a kept ``--out`` is used again as it is."""
    saved = instance / "prepared.json"
    if saved.exists():
        data = json.loads(saved.read_text())
        return Prepared(data["settings"], data["meeting_id"], data["packets"])
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
            store = blob_store(app.config)
            packets = {
                username: store.path_for(sha256).relative_to(store.root).as_posix()
                for username, sha256 in db.session.execute(
                    select(User.username, IssuedCopy.blob_sha256)
                    .join(IssuedCopy, IssuedCopy.user_id == User.id)
                    .where(IssuedCopy.meeting_id == meeting_id, IssuedCopy.kind == "packet"))}
            db.session.remove()
        db.engine.dispose()
    saved.write_text(json.dumps({"settings": settings, "meeting_id": meeting_id,
                                 "packets": packets}))
    return Prepared(settings, meeting_id, packets)


#: gunicorn as ``make run`` starts it (the Procfile), serving files itself.
AS_MAKE_RUN = ("--workers", "2", "--threads", "4")
#: gunicorn as the deployment guide's systemd unit starts it behind nginx
#: (docs/DEPLOYMENT.md): the production settings, one request at a time per worker.
AS_DEPLOYED = ("-c", "python:meetingsvc.ops.gunicorn_conf", "--workers", "2")


def start_service(settings: dict[str, object], port: int, how: tuple[str, ...]
                  ) -> subprocess.Popen[bytes]:
    env = os.environ | {f"MEETINGSVC_{k}": str(v) for k, v in settings.items()}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *how, "--bind", f"{HOST}:{port}",
         "--log-level", "warning", "meetingsvc.wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)


def stop(service: subprocess.Popen[bytes]) -> None:
    service.terminate()
    service.wait(30)


async def wait_until_up(url: str, tls: ssl.SSLContext | None, deadline: float) -> None:
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < deadline:
            try:
                async with client.get(url, ssl=tls or False) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


async def sign_in(base: str, username: str, tls: ssl.SSLContext | None,
                  gate: asyncio.Semaphore) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(ssl=tls or False, limit=0)
    client = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT},
                                   cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with gate:
        async with client.get(f"{base}/sign-in") as page:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                              await page.text())
        assert token, "no CSRF token on the sign-in page"
        async with client.post(f"{base}/sign-in", allow_redirects=False,
                               headers={"Referer": f"{base}/sign-in"}, data={
                "username": username, "password": PASSWORD,
                "csrf_token": token.group(1)}) as answer:
            if answer.status != 302:
                raise RuntimeError(f"{username} could not sign in: {answer.status}")
    return client


def jar_cookies(client: aiohttp.ClientSession) -> str:
    """The signed-in delegate's cookies as one ``Cookie`` header."""
    return "; ".join(f"{cookie.key}={cookie.value}" for cookie in client.cookie_jar)


def transfer_all(multi: pycurl.CurlMulti, handles: list[pycurl.Curl], timeout: float
                 ) -> dict[pycurl.Curl, str | None]:
    """Run every handle at once to the end: each handle's error, or ``None``."""
    for handle in handles:
        multi.add_handle(handle)
    outcome: dict[pycurl.Curl, str | None] = {}
    deadline = time.monotonic() + timeout
    while len(outcome) < len(handles):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(handles) - len(outcome)} transfers still running")
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        while True:
            queued, done, failed = multi.info_read()
            outcome.update(dict.fromkeys(done))
            outcome.update({handle: f"curl {number}: {message}"
                            for handle, number, message in failed})
            if not queued:
                break
        if len(outcome) < len(handles):
            multi.select(0.5)
    for handle in handles:
        multi.remove_handle(handle)
    return outcome


def curl_handle(cookie: str, cafile: Path | None, timeout: float) -> pycurl.Curl:
    handle = pycurl.Curl()
    handle.setopt(pycurl.COOKIE, cookie)
    handle.setopt(pycurl.USERAGENT, USER_AGENT)
    handle.setopt(pycurl.NOSIGNAL, 1)
    handle.setopt(pycurl.TIMEOUT, int(timeout))
    handle.setopt(pycurl.BUFFERSIZE, 1 << 19)
    handle.setopt(pycurl.WRITEFUNCTION, lambda data: None)  # counted by libcurl
    if cafile is not None:
        handle.setopt(pycurl.CAINFO, str(cafile))
    return handle


def all_at_once(label: str, cookies: dict[str, str], warm_url: str, urls: dict[str, str],
                cafile: Path | None, timeout: float,
                warmed: Callable[[], None] | None = None) -> Run:
    """Every delegate's download at once, each on a connection (and TLS session) opened before.

    libcurl (C) moves the bytes, so the client's own cost stays small beside the
    servers' on the same two cores; its connection cache is kept between the warm-up
    and the run, and a run that had to open a new connection says so as an error.
    ``warmed`` is called between the two (to read the processes' CPU before the run).
    """
    multi = pycurl.CurlMulti()
    multi.setopt(pycurl.M_MAXCONNECTS, 4 * len(urls))
    handles = {name: curl_handle(cookies[name], cafile, timeout) for name in urls}
    for handle in handles.values():
        handle.setopt(pycurl.URL, warm_url)
    warm_errors = [e for e in transfer_all(multi, list(handles.values()), timeout).values() if e]
    if warm_errors:
        raise RuntimeError(f"{label}: warm-up failed: {warm_errors[:3]}")
    if warmed is not None:
        warmed()
    for name, handle in handles.items():
        handle.setopt(pycurl.URL, urls[name])
    outcome = transfer_all(multi, list(handles.values()), timeout)
    latencies, first_bytes, sizes, errors = [], [], [], []
    for handle, error in outcome.items():
        latencies.append(handle.getinfo(pycurl.TOTAL_TIME_T) / 1000)
        first_bytes.append(handle.getinfo(pycurl.STARTTRANSFER_TIME_T) / 1000)
        size = int(handle.getinfo(pycurl.SIZE_DOWNLOAD_T))
        status = handle.getinfo(pycurl.RESPONSE_CODE)
        if error is None and (status != 200
                              or size != handle.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T)):
            error = f"HTTP {status}, {size} B"
        if error is None and handle.getinfo(pycurl.NUM_CONNECTS):
            error = "opened a new connection during the run"
        if error is None:
            sizes.append(size)
        else:
            errors.append(error)
        handle.close()
    multi.close()
    return Run(label, latencies, first_bytes, errors,
               statistics.mean(sizes) if sizes else 0.0)


async def signed_in(base: str, tls: ssl.SSLContext | None, names: list[str]) -> dict[str, str]:
    """Each delegate's cookies after signing in at ``base`` (16 at a time)."""
    gate = asyncio.Semaphore(16)
    clients = await asyncio.gather(*(sign_in(base, name, tls, gate) for name in names))
    try:
        return {name: jar_cookies(client) for name, client in zip(names, clients, strict=True)}
    finally:
        await asyncio.gather(*(client.close() for client in clients))


def through_app(base: str, tls: ssl.SSLContext | None, cafile: Path | None, prepared: Prepared,
                timeout: float, label: str, floor_base: str | None = None) -> list[Run]:
    """Sign everyone in at ``base``, then the load; then, if given, the floor's, same client."""
    names = sorted(prepared.packets)
    cookies = asyncio.run(signed_in(base, tls, names))
    packet = f"{base}/meetings/{prepared.meeting_id}/my/packet.pdf"
    runs = [all_at_once(label, cookies, f"{base}/healthz", dict.fromkeys(names, packet),
                        cafile, timeout)]
    if floor_base is not None:
        urls = {name: f"{floor_base}{FLOOR_PREFIX}{prepared.packets[name]}" for name in names}
        runs.append(all_at_once("floor", cookies, f"{floor_base}/", urls, cafile, timeout))
    return runs


def floor_server(port: int, certificate: Path, key: Path, blob_dir: str) -> str:
    """The same TLS, and the packet files straight from BLOB_DIR: nothing but nginx."""
    return f"""
    server {{
        listen {port} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:floor_tls:10m;
        location = / {{ return 204; }}
        location {FLOOR_PREFIX} {{ alias {blob_dir}/; default_type application/pdf; }}
    }}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class Downloads:
    """What the database holds: download events per packet, and ``copy.downloaded`` rows."""

    per_packet: dict[int, int]
    audited: int

    def since(self, before: Downloads) -> tuple[dict[int, int], int]:
        return ({copy: count - before.per_packet.get(copy, 0)
                 for copy, count in self.per_packet.items()}, self.audited - before.audited)


def downloads(settings: dict[str, object], meeting_id: int) -> Downloads:
    app = create_app(settings)
    with app.app_context():
        per_packet = db.session.execute(
            select(IssuedCopy.id, func.count(DeliveryEvent.id))
            .outerjoin(DeliveryEvent, (DeliveryEvent.copy_id == IssuedCopy.id)
                       & (DeliveryEvent.kind == "downloaded"))
            .where(IssuedCopy.meeting_id == meeting_id, IssuedCopy.kind == "packet")
            .group_by(IssuedCopy.id)).all()
        audited = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "copy.downloaded"))
    return Downloads({copy: count for copy, count in per_packet}, audited or 0)


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
    parser.add_argument("--timeout", type=float, default=120, help="seconds for each run")
    parser.add_argument("--out", type=Path, help="where the instance stays (default: a temp dir)")
    args = parser.parse_args()
    with bench_folder(args.out, "download-load-") as out:
        prepared = prepare(served_instance(out), args.delegates, args.documents)
        settings = prepared.settings
        runs: list[Run] = []
        before = downloads(settings, prepared.meeting_id)
        port = free_port()
        service = start_service(settings | {"FILE_SENDING": "app"}, port, AS_MAKE_RUN)
        try:
            base = f"http://{HOST}:{port}"
            asyncio.run(wait_until_up(f"{base}/sign-in", None, time.monotonic() + 60))
            runs += through_app(base, None, None, prepared, args.timeout, "gunicorn")
        finally:
            stop(service)

        with deployed(prepared) as (front, floor_base, _service):
            runs += through_app(front.base, front.ssl_context(), front.certificate, prepared,
                                args.timeout, "nginx", floor_base=floor_base)
        print(report_runs(runs, prepared, before))


@contextmanager
def bench_folder(out: Path | None, prefix: str) -> Iterator[Path]:
    """``--out`` when given, kept for the next run; else a temporary folder, removed after."""
    if out is not None:
        yield out.resolve()
        return
    folder = shared_directory(prefix)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def served_instance(out: Path) -> Path:
    """``out/instance``, which nginx's workers (never root) may enter: the service's group."""
    instance = out / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    for folder in (out, instance):
        folder.chmod(0o750)
    return instance


@contextmanager
def deployed(prepared: Prepared) -> Iterator[tuple[Front, str, subprocess.Popen[bytes]]]:
    """gunicorn as the deployment guide runs it behind nginx, and the floor's server beside.

    Yields the front, the floor's base address and the gunicorn master, once both answer.
    """
    settings = prepared.settings
    blob_dir = str(settings["BLOB_DIR"])
    port, floor_port = free_port(), free_port()
    service = start_service(settings | {"FILE_SENDING": "x-accel", "BEHIND_PROXY": True,
                                        "X_ACCEL_PREFIX": X_ACCEL_PREFIX}, port, AS_DEPLOYED)
    try:
        with nginx_front(f"{HOST}:{port}", Path(blob_dir), X_ACCEL_PREFIX,
                         workers=os.cpu_count() or 1,
                         extra_servers=lambda cert, key: floor_server(
                             floor_port, cert, key, blob_dir)) as front:
            asyncio.run(wait_until_up(f"{front.base}/sign-in", front.ssl_context(),
                                      time.monotonic() + 60))
            yield front, f"https://{HOST}:{floor_port}", service
    finally:
        stop(service)


def report_runs(runs: list[Run], prepared: Prepared, before: Downloads) -> str:
    """Print each run and the checks; the last line, returned, sums them up."""
    settings = prepared.settings
    by_label = {run.label: run for run in runs}
    for run in runs:
        print(f"{run.label}: {run.figures()} max_ms={max(run.latencies_ms):.0f} "
              f"first_byte_p50_ms={percentile(run.first_byte_ms, 0.5):.0f} "
              f"first_byte_p99_ms={percentile(run.first_byte_ms, 0.99):.0f} "
              f"({run.mean_bytes / 1e6:.2f} MB on average) {run.errors[:3]}")
    through = [r for r in runs if r.label != "floor"]
    per_packet, audited = downloads(settings, prepared.meeting_id).since(before)
    exact = sum(1 for count in per_packet.values() if count == len(through))
    print(f"events: {exact}/{len(prepared.packets)} packets downloaded exactly {len(through)} "
          f"times; {sum(per_packet.values())} download events, {audited} audit entries")
    errors = list(by_label["nginx"].errors)
    expected = len(through) * len(prepared.packets)
    if exact != len(prepared.packets) or audited != expected:
        errors.append("download events not recorded exactly once per download")
    intact, verdict = chain_verdict(settings)
    print(verdict)
    if not intact:
        errors.append(verdict)
    errors += [f"{r.label}: {e}" for r in runs if r.label != "nginx" for e in r.errors]
    nginx = by_label["nginx"]
    return (f"requests={len(nginx.latencies_ms)} errors={len(errors)} "
            f"p50_ms={percentile(nginx.latencies_ms, 0.5):.0f} "
            f"p99_ms={percentile(nginx.latencies_ms, 0.99):.0f} "
            f"gunicorn_p99_ms={percentile(by_label['gunicorn'].latencies_ms, 0.99):.0f} "
            f"floor_p99_ms={percentile(by_label['floor'].latencies_ms, 0.99):.0f}")


if __name__ == "__main__":
    main()
