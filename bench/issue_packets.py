"""Issue a whole meeting, as the secretariat's "Issue" button does, and measure it.

Run from the repository root::

    .venv/bin/python bench/issue_packets.py --scenario standing     # 15 × 10
    .venv/bin/python bench/issue_packets.py --scenario executive    # 55 × 20
    .venv/bin/python bench/issue_packets.py --scenario congress     # 400 × 30
    .venv/bin/python bench/issue_packets.py --scenario national --celery --workers 2 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/<scratch>   # 1,600 × 30

Each document is a generated 20-page Vietnamese PDF. The meeting is planned with
``start_issuance``; then the deployment's issuance driver, started here as its
own processes before the clock starts, makes every delegate's copies and packet:
personalised, signed (PAdES B-T, a local RFC 3161 TSA, visible stamp with QR code)
and stored. The driver is either

* the issuance worker (default): ``flask --app meetingsvc issuance worker``, the one
  dispatcher of a deployment, feeding its signing pool (one process per core); or
* Celery (``--celery``): ``offer_units`` sends the units to Redis, and ``--workers``
  real ``celery -A meetingsvc.jobs worker`` processes (``--concurrency`` processes
  each, ``-B`` on the first only) make them.

The clock stops when the job is no longer running. Then every copy is checked to
have been issued exactly once: each series numbered densely from 1, every file
signed and stored, one ``delivered`` event per copy.

Memory is sampled every 0.2 s over the driver's process trees (the dispatcher, its
fork server and pool processes; or each Celery worker with its children and beat):
``peak_pss_mb`` is the highest sum of their proportional set sizes (a page shared
by several processes is divided among them, so the sum is what issuing costs the
machine), ``largest_rss_mb`` the highest resident set of any single one of them.
This process (seeding, polling, the baseline) and the database server are not
counted; this process's own peak PSS is printed beside them.

For a ratio, this process then times the obvious per-copy pipeline on a few
copies: a reportlab overlay merged with pikepdf, then pyHanko's ``sign_pdf`` with
the key loaded per document (its documented use).

The issued files stay under ``--out`` (``instance/blobs``, listed in
``copies.csv``). The last line is ``scenario=<name> copies=<n> seconds=<s>
copies_per_s=<r> peak_pss_mb=<m> largest_rss_mb=<k>``.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sign_throughput import PASSPHRASE, baseline_rate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from stamp_copies import naive_copy, per_copy_ms, stamp_for  # noqa: E402

from meetingsvc import create_app  # noqa: E402
from meetingsvc.accounts.models import Body, Membership, Role  # noqa: E402
from meetingsvc.accounts.services import create_user  # noqa: E402
from meetingsvc.audit.services import Actor  # noqa: E402
from meetingsvc.demo.pdfs import render_generic_pdf  # noqa: E402
from meetingsvc.documents.blobs import BlobStore  # noqa: E402
from meetingsvc.documents.services import DocumentDetails, Upload, create_document  # noqa: E402
from meetingsvc.extensions import Base, db  # noqa: E402
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy  # noqa: E402
from meetingsvc.issuance.planning import start_issuance  # noqa: E402
from meetingsvc.issuance.runner import offer_units  # noqa: E402
from meetingsvc.meetings.models import Meeting  # noqa: E402
from meetingsvc.meetings.services import MeetingDetails, add_agenda_item, create_meeting  # noqa: E402
from meetingsvc.tracking.models import DeliveryEvent  # noqa: E402
from signing import LocalTsaServer, TimestampAuthority, create_dev_pki  # noqa: E402

SCENARIOS = {"standing": (15, 10), "executive": (55, 20), "congress": (400, 30),
             "national": (1600, 30)}
PAGES = 20
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
GIVEN = ["Văn Thắng", "Thị Thu Hằng", "Quang Minh", "Đức Hùng", "Thị Ngọc Lan", "Hữu Đạo",
         "Minh Trí", "Thị Hồng Nhung", "Quốc Việt", "Thanh Tùng", "Thị Mai", "Sĩ Dũng"]
POLICY = {"none": "download", "mat": "download", "toi_mat": "download", "tuyet_mat": "download"}
ACTOR = Actor(username="bench")
#: Redis database of the benchmark's broker: one no test uses (they use 13).
BROKER_URL = "redis://127.0.0.1:6379/9"


@dataclass
class ProcessPeak:
    """The highest PSS and RSS one process of the driver reached, in KiB."""

    role: str
    pss: int = 0
    rss: int = 0


class MemorySampler(threading.Thread):
    """Peak memory of the driver's process trees, every 0.2 s.

    ``peak_total_kib``: the highest sum of the trees' proportional set sizes (PSS);
    ``peak_largest_kib``: the highest resident set (RSS) of any single process.
    ``history`` keeps (seconds, summed PSS) to show whether memory grows in a run.
    """

    def __init__(self, roots: Sequence[int]) -> None:
        super().__init__(daemon=True)
        self.roots = list(roots)
        self.peak_total_kib = 0
        self.peak_largest_kib = 0
        self.own_peak_kib = 0
        self.history: list[tuple[float, int]] = []
        self.processes: dict[int, ProcessPeak] = {}
        self._halt = threading.Event()
        self._since = time.perf_counter()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self.sample()

    def sample(self) -> None:
        total = 0
        for root in self.roots:
            for pid, depth in process_tree(root):
                pss, rss = memory_kib(pid)
                total += pss
                self.peak_largest_kib = max(self.peak_largest_kib, rss)
                peak = self.processes.setdefault(pid, ProcessPeak(role_of(pid, depth)))
                peak.pss, peak.rss = max(peak.pss, pss), max(peak.rss, rss)
        self.peak_total_kib = max(self.peak_total_kib, total)
        self.own_peak_kib = max(self.own_peak_kib, memory_kib(os.getpid())[0])
        self.history.append((time.perf_counter() - self._since, total))

    def stop(self) -> tuple[float, float]:
        self._halt.set()
        self.join()
        return self.peak_total_kib / 1024, self.peak_largest_kib / 1024

    def growth(self, parts: int = 5) -> str:
        """Summed PSS at the end of each fifth of the run: flat, or growing?"""
        if not self.history:
            return ""
        end = self.history[-1][0]
        marks = []
        for n in range(1, parts + 1):
            upto = [kib for at, kib in self.history if at <= end * n / parts]
            marks.append(f"{max(upto or [0]) / 1024:.0f}")
        return " → ".join(marks) + " MB"


def process_tree(pid: int) -> list[tuple[int, int]]:
    """``pid`` and its descendants, each with its depth below ``pid``."""
    found, pending = [], [(pid, 0)]
    while pending:
        current, depth = pending.pop()
        found.append((current, depth))
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [(int(c), depth + 1) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def role_of(pid: int, depth: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"depth {depth}"
    if "forkserver" in command:
        return "fork server" if depth == 1 else "pool process"
    if "resource_tracker" in command:
        return "resource tracker"
    if depth == 0:
        return "celery worker (main)" if "celery" in command else "dispatcher"
    if "celery" in command:
        return "celery child" if depth == 1 else f"celery, depth {depth}"
    return f"child, depth {depth}"


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) if it is gone."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Pss", "Rss"):
                values[key] = int(rest.split()[0])
    except OSError:
        return 0, 0
    return values.get("Pss", 0), values.get("Rss", 0)


def seed(app, delegates: int, documents: int) -> int:
    """A body of ``delegates`` members and a meeting with ``documents`` 20-page papers."""
    session = db.session
    body = Body(code="bench", name_vi="Ban Chấp hành Đảng bộ tỉnh", name_en="Executive")
    session.add(body)
    session.flush()
    for n in range(delegates):
        name = f"{FAMILY[n % len(FAMILY)]} {GIVEN[(n // len(FAMILY)) % len(GIVEN)]}"
        user = create_user(session, f"daibieu{n:04d}", name, "bench-password-1", Role.DELEGATE,
                           actor=ACTOR)
        session.add(Membership(body_id=body.id, user_id=user.id, position="Ủy viên", rank=n))
    meeting = create_meeting(session, MeetingDetails(
        body_id=body.id, session_number=12, title="Hội nghị Ban Chấp hành lần thứ 12",
        starts_at=datetime.now(UTC) + timedelta(days=7), place="Hội trường Tỉnh ủy"), ACTOR)
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    for n in range(documents):
        title = f"Báo cáo số {n + 1} về tình hình kinh tế – xã hội"
        pdf = render_generic_pdf(title, pages=PAGES, seed=n)
        item = add_agenda_item(session, meeting, title, "Chánh Văn phòng", ACTOR)
        create_document(session, store, item, DocumentDetails(
            symbol=f"{n + 1}-BC/TU", kind="Báo cáo", title=title),
            Upload(BytesIO(pdf), f"bc-{n + 1}.pdf", 10**8), ACTOR)
    session.commit()
    return meeting.id


def baseline_copies_per_s(pki_dir: Path, tsa_url: str, font_dir: Path) -> float:
    """The obvious pipeline, one copy at a time on one core."""
    from signing import load_dev_pki

    source = render_generic_pdf("Báo cáo mẫu", pages=PAGES, seed=99)
    stamp_ms = per_copy_ms(lambda n: naive_copy(source, stamp_for(n, 55), font_dir), 5)
    pki = load_dev_pki(pki_dir, PASSPHRASE)
    sign_rate = baseline_rate(pki, source, 5, tsa_url)
    return 1 / (stamp_ms / 1000 + 1 / sign_rate)


def driver_environment(app, out: Path) -> dict[str, str]:
    """The settings of this run as ``MEETINGSVC_*`` variables, for the driver's processes."""
    keys = ["SECRET_KEY", "DATABASE_URL", "BLOB_DIR", "PKI_DIR", "DEV_PKI_PASSPHRASE", "TSA_URL",
            "CELERY_BROKER_URL"]
    env = os.environ | {f"MEETINGSVC_{key}": str(app.config[key]) for key in keys
                        if app.config.get(key)}
    env |= {"MEETINGSVC_INSTANCE_PATH": app.instance_path, "MEETINGSVC_LOG_LEVEL": "WARNING"}
    env.pop("MEETINGSVC_ISSUANCE_DISPATCH", None)
    return env


def start_driver(args: argparse.Namespace, app, out: Path) -> list[subprocess.Popen]:
    """Start the issuance worker, or the Celery workers (``-B`` on the first only)."""
    env = driver_environment(app, out)
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    if not args.celery:
        command = [sys.executable, "-m", "flask", "--app", "meetingsvc", "issuance", "worker",
                   "--poll", "0.2"]
        log = (logs / "dispatcher.log").open("w")
        return [subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                 start_new_session=True)]
    workers = []
    for n in range(1, args.workers + 1):
        command = [sys.executable, "-m", "celery", "-A", "meetingsvc.jobs", "worker",
                   "--concurrency", str(args.concurrency), "--loglevel", "WARNING",
                   "-n", f"bench{n}@%h", "--without-gossip", "--without-mingle"]
        if n == 1:
            command += ["-B", "-s", str(out / "celerybeat-schedule")]
        log = (logs / f"celery{n}.log").open("w")
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                                        start_new_session=True))
    return workers


def wait_until_idle(processes: list[subprocess.Popen], seconds: float) -> None:
    """Let the driver's processes start (imports, pool) before the clock starts."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"the issuance driver exited early ({process.returncode}); "
                                 "see its log under --out/logs")
        time.sleep(0.2)


def stop_driver(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_job(job_id: int, processes: list[subprocess.Popen]) -> str:
    """Poll the job until it is no longer running; say how far it is now and then."""
    started = last_report = time.monotonic()
    while True:
        db.session.commit()  # a fresh snapshot each round
        status = db.session.get(IssuanceJob, job_id, populate_existing=True).status
        if status != "running":
            return status
        if any(process.poll() is not None for process in processes):
            raise SystemExit("an issuance driver process died; see its log under --out/logs")
        if time.monotonic() - last_report > 60:
            done = db.session.scalar(select(func.count()).select_from(IssuanceUnit).where(
                IssuanceUnit.job_id == job_id, IssuanceUnit.status == "done"))
            signed = db.session.scalar(select(func.count()).select_from(IssuedCopy).where(
                IssuedCopy.blob_sha256.is_not(None)))
            seconds = time.monotonic() - started
            print(f"  … {seconds:.0f} s: {done} units done, {signed} files signed "
                  f"({signed / seconds:.1f}/s), load average {os.getloadavg()[0]:.1f}",
                  flush=True)
            last_report = time.monotonic()
        time.sleep(0.5)


def check_exactly_once(job_id: int, delegates: int, documents: int) -> list[str]:
    """Every copy issued once: the expected rows, dense numbers, one delivery each."""
    session = db.session
    problems = []
    copies = session.scalar(select(func.count()).select_from(IssuedCopy))
    expected = delegates * (documents + 1)
    if copies != expected:
        problems.append(f"{copies} copies, expected {expected}")
    unfinished = session.scalar(select(func.count()).select_from(IssuedCopy).where(
        (IssuedCopy.status != "delivered") | IssuedCopy.blob_sha256.is_(None)))
    if unfinished:
        problems.append(f"{unfinished} copies not signed and delivered")
    series = session.execute(select(
        IssuedCopy.series, func.count(), func.count(func.distinct(IssuedCopy.copy_number)),
        func.min(IssuedCopy.copy_number), func.max(IssuedCopy.copy_number),
        func.min(IssuedCopy.copy_total), func.max(IssuedCopy.copy_total),
    ).group_by(IssuedCopy.series)).all()
    for name, count, distinct, low, high, total_low, total_high in series:
        if not (count == distinct == high == total_low == total_high and low == 1):
            problems.append(f"series {name}: {count} copies numbered {low}..{high} "
                            f"({distinct} distinct) of {total_low}..{total_high}")
    deliveries = (select(DeliveryEvent.copy_id, func.count().label("n"))
                  .where(DeliveryEvent.kind == "delivered").group_by(DeliveryEvent.copy_id)
                  .subquery())
    delivered_once = session.scalar(select(func.count()).select_from(deliveries)
                                    .where(deliveries.c.n == 1))
    delivered_more = session.scalar(select(func.count()).select_from(deliveries)
                                    .where(deliveries.c.n > 1))
    if delivered_once != expected or delivered_more:
        problems.append(f"{delivered_once} copies delivered once, {delivered_more} more "
                        f"than once, of {expected}")
    return problems


def redone_units(job_id: int) -> int:
    """Units claimed more than once (a lease ran out, a worker died): redone, not re-issued."""
    return db.session.scalar(select(func.count()).select_from(IssuanceUnit).where(
        IssuanceUnit.job_id == job_id, IssuanceUnit.attempts > 1)) or 0


def write_listing(app, out: Path) -> None:
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    with (out / "copies.csv").open("w", newline="", encoding="utf-8") as listing:
        writer = csv.writer(listing)
        writer.writerow(["copy_id", "kind", "user_id", "series", "copy_number", "file"])
        rows = db.session.execute(select(
            IssuedCopy.id, IssuedCopy.kind, IssuedCopy.user_id, IssuedCopy.series,
            IssuedCopy.copy_number, IssuedCopy.blob_sha256).order_by(IssuedCopy.id))
        for copy_id, kind, user_id, series, number, sha256 in rows:
            writer.writerow([copy_id, kind, user_id, series, number,
                             store.path_for(sha256) if sha256 else ""])


def describe_driver(args: argparse.Namespace) -> str:
    if args.celery:
        return (f"Celery, {args.workers} worker(s) × {args.concurrency} process(es), "
                f"beat on the first")
    return "issuance worker (dispatcher + signing pool, one process per core)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=SCENARIOS, default="standing")
    parser.add_argument("--celery", action="store_true", help="Celery workers instead of "
                        "the issuance worker")
    parser.add_argument("--workers", type=int, default=1, help="Celery workers (default 1)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="processes per Celery worker (default 1)")
    parser.add_argument("--broker", default=BROKER_URL, help="Redis URL for --celery "
                        f"(emptied first; default {BROKER_URL})")
    parser.add_argument("--out", type=Path, help="where the instance and issued files stay")
    parser.add_argument("--database", help="database URL (default: SQLite under --out); "
                        "its tables are dropped and made again")
    args = parser.parse_args()
    delegates, documents = SCENARIOS[args.scenario]
    out = (args.out or Path(tempfile.mkdtemp(prefix="issue-packets-"))).resolve()
    instance = out / "instance"
    instance.mkdir(parents=True, exist_ok=True)

    print(f"scenario {args.scenario}: {delegates} delegates × {documents} documents × "
          f"{PAGES} pages, {describe_driver(args)}; load average at start "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    pki = create_dev_pki(instance / "pki", office_name="Văn phòng Tỉnh ủy",
                         passphrase=PASSPHRASE)
    with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as tsa:
        config = {
            "SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": str(instance),
            "DATABASE_URL": args.database or f"sqlite:///{instance / 'bench.sqlite3'}",
            "PKI_DIR": str(instance / "pki"), "DEV_PKI_PASSPHRASE": PASSPHRASE.decode(),
            "TSA_URL": tsa.url, "ISSUANCE_POLICY": POLICY,
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024,
            "LOG_LEVEL": "WARNING",
        }
        if args.celery:
            import redis

            config["CELERY_BROKER_URL"] = args.broker
            redis.Redis.from_url(args.broker).flushdb()
        app = create_app(config)
        with app.app_context():
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            meeting_id = seed(app, delegates, documents)
            db.session.remove()
            processes = start_driver(args, app, out)
            try:
                wait_until_idle(processes, 8.0)
                sampler = MemorySampler([process.pid for process in processes])
                sampler.start()
                load_before = os.getloadavg()[0]
                started = time.perf_counter()
                job = start_issuance(db.session, db.session.get(Meeting, meeting_id), ACTOR,
                                     POLICY)
                db.session.commit()
                job_id = job.id
                if args.celery:
                    offer_units(app)
                status = wait_for_job(job_id, processes)
                seconds = time.perf_counter() - started
                peak_mb, largest_mb = sampler.stop()
                load_after = os.getloadavg()[0]
            finally:
                stop_driver(processes)

            db.session.expire_all()
            signed = db.session.scalar(select(func.count()).select_from(IssuedCopy)
                                       .where(IssuedCopy.blob_sha256.is_not(None)))
            items = db.session.scalar(select(func.count()).select_from(IssuedCopy)
                                      .where(IssuedCopy.kind == "item"))
            problems = check_exactly_once(job_id, delegates, documents)
            redone = redone_units(job_id)
            write_listing(app, out)
            # Timed after the job, so its imports do not count in the job's memory.
            baseline = baseline_copies_per_s(instance / "pki", tsa.url,
                                             Path(app.config["PDF_FONT_DIR"]))
            print(f"baseline (obvious pipeline, 1 core): {baseline:.2f} copies/s")
        rate = signed / seconds
        print(f"job {status}: {signed} signed files ({items} item copies, "
              f"{signed - items} packets) in {seconds:.1f} s; load average "
              f"{load_before:.1f} at the start, {load_after:.1f} at the end")
        print("exactly once: " + ("every copy numbered densely, signed, delivered once"
                                  if not problems else "; ".join(problems))
              + f" ({redone} units claimed more than once)")
        print(f"ours: {rate:.1f} copies/s, {rate / baseline:.1f}× the obvious pipeline")
        own_mb = sampler.own_peak_kib / 1024
        print(f"driver's memory: peak {peak_mb:.0f} MB PSS summed over its processes, "
              f"largest process {largest_mb:.0f} MB RSS; this process {own_mb:.0f} MB PSS "
              "(not counted)")
        print(f"summed PSS by fifths of the run: {sampler.growth()}")
        for pid, peak in sorted(sampler.processes.items()):
            if peak.rss:
                print(f"  {pid:>7} {peak.role:<22} peak PSS {peak.pss / 1024:6.0f} MB, "
                      f"RSS {peak.rss / 1024:6.0f} MB")
        print(f"files listed in {out / 'copies.csv'}")
        print(f"scenario={args.scenario} copies={signed} seconds={seconds:.1f} "
              f"copies_per_s={rate:.1f} peak_pss_mb={peak_mb:.0f} "
              f"largest_rss_mb={largest_mb:.0f}")
        if problems or status != "completed":
            raise SystemExit(1)


if __name__ == "__main__":
    main()
