"""Issue a whole meeting, as the secretariat's "Issue" button does, and measure it.

Run from the repository root::

    .venv/bin/python bench/issue_packets.py --scenario standing     # 15 × 10
    .venv/bin/python bench/issue_packets.py --scenario executive    # 55 × 20
    .venv/bin/python bench/issue_packets.py --scenario congress     # 400 × 30
    .venv/bin/python bench/issue_packets.py --scenario executive --celery --out /some/dir

Each document is a generated 20-page Vietnamese PDF. The meeting is planned with
``start_issuance``; then the embedded runner (a process pool, one worker per
core) or one Celery worker with two processes on the local Redis makes every
delegate's copies and packet: personalised, signed (PAdES B-T, a local RFC 3161
TSA, visible stamp with QR code) and stored. Memory is sampled over the whole
process tree (this process, the pool or the Celery worker) every 0.2 s:
``peak_rss_mb`` is the tree's summed proportional set size (shared pages counted
once), and the largest single process's RSS is printed beside it.

For a ratio, the same process then times the obvious per-copy pipeline on a
few copies: a reportlab overlay merged with pikepdf, then pyHanko's
``sign_pdf`` with the key loaded per document (its documented use).

The issued files stay under ``--out`` (``instance/blobs``, listed in
``copies.csv``). The last line is
``scenario=<name> copies=<n> seconds=<s> copies_per_s=<r> peak_rss_mb=<m>``.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
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
from meetingsvc.issuance.dispatcher import EmbeddedRunner  # noqa: E402
from meetingsvc.issuance.models import IssuanceJob, IssuedCopy  # noqa: E402
from meetingsvc.issuance.planning import start_issuance  # noqa: E402
from meetingsvc.meetings.services import MeetingDetails, add_agenda_item, create_meeting  # noqa: E402
from signing import LocalTsaServer, TimestampAuthority, create_dev_pki  # noqa: E402

SCENARIOS = {"standing": (15, 10), "executive": (55, 20), "congress": (400, 30)}
PAGES = 20
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
GIVEN = ["Văn Thắng", "Thị Thu Hằng", "Quang Minh", "Đức Hùng", "Thị Ngọc Lan", "Hữu Đạo",
         "Minh Trí", "Thị Hồng Nhung", "Quốc Việt", "Thanh Tùng", "Thị Mai", "Sĩ Dũng"]
POLICY = {"none": "download", "mat": "download", "toi_mat": "download", "tuyet_mat": "download"}
ACTOR = Actor(username="bench")


class MemorySampler(threading.Thread):
    """Peak memory of this process and all its descendants, every 0.2 s.

    ``total``: the tree's proportional set size (PSS) summed — pages shared between
    the pool's processes counted once, so it is what the job costs the machine;
    ``largest``: the largest single process's resident set (RSS).
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_total_kib = 0
        self.peak_largest_kib = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self.sample()

    def sample(self) -> None:
        readings = [memory_kib(pid) for pid in process_tree(os.getpid())]
        self.peak_total_kib = max(self.peak_total_kib, sum(pss for pss, _ in readings))
        self.peak_largest_kib = max(self.peak_largest_kib, max(r for _, r in readings))

    def stop(self) -> tuple[float, float]:
        self._halt.set()
        self.join()
        self.sample()
        return self.peak_total_kib / 1024, self.peak_largest_kib / 1024


def process_tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


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
    from datetime import UTC, datetime, timedelta

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


def run_celery(app, job_id: int) -> None:
    from meetingsvc.jobs import enqueue_claimable_units

    env = os.environ | {f"MEETINGSVC_{key}": str(app.config[key]) for key in (
        "SECRET_KEY", "DATABASE_URL", "BLOB_DIR", "PKI_DIR", "DEV_PKI_PASSPHRASE",
        "TSA_URL", "CELERY_BROKER_URL")} | {"MEETINGSVC_INSTANCE_PATH": app.instance_path}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "meetingsvc.jobs", "worker", "--concurrency",
         "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        enqueue_claimable_units()
        while db.session.get(IssuanceJob, job_id, populate_existing=True).status == "running":
            db.session.commit()
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=SCENARIOS, default="standing")
    parser.add_argument("--celery", action="store_true", help="one Celery worker, 2 processes")
    parser.add_argument("--out", type=Path, help="where the instance and issued files stay")
    parser.add_argument("--database", help="database URL (default: SQLite under --out)")
    args = parser.parse_args()
    delegates, documents = SCENARIOS[args.scenario]
    out = (args.out or Path(tempfile.mkdtemp(prefix="issue-packets-"))).resolve()
    instance = out / "instance"
    instance.mkdir(parents=True, exist_ok=True)

    print(f"scenario {args.scenario}: {delegates} delegates × {documents} documents × "
          f"{PAGES} pages, {'Celery (1 worker × 2 processes)' if args.celery else 'embedded pool'}")
    pki = create_dev_pki(instance / "pki", office_name="Văn phòng Tỉnh ủy",
                         passphrase=PASSPHRASE)
    with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as tsa:
        config = {
            "SECRET_KEY": "bench-" + "x" * 40, "INSTANCE_PATH": str(instance),
            "DATABASE_URL": args.database or f"sqlite:///{instance / 'bench.sqlite3'}",
            "PKI_DIR": str(instance / "pki"), "DEV_PKI_PASSPHRASE": PASSPHRASE.decode(),
            "TSA_URL": tsa.url, "ISSUANCE_POLICY": POLICY,
            "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024,
        }
        if args.celery:
            import redis

            config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/14"
            redis.Redis.from_url(config["CELERY_BROKER_URL"]).flushdb()
        app = create_app(config)
        with app.app_context():
            Base.metadata.drop_all(db.engine)
            Base.metadata.create_all(db.engine)
            meeting_id = seed(app, delegates, documents)
            sampler = MemorySampler()
            sampler.start()
            started = time.perf_counter()
            from meetingsvc.meetings.models import Meeting

            job = start_issuance(db.session, db.session.get(Meeting, meeting_id), ACTOR, POLICY)
            db.session.commit()
            if args.celery:
                run_celery(app, job.id)
            else:
                runner = EmbeddedRunner(app)
                runner.wake()
                runner.join()
            seconds = time.perf_counter() - started
            peak_mb, largest_mb = sampler.stop()

            db.session.expire_all()
            status = db.session.get(IssuanceJob, job.id).status
            copies = db.session.scalars(select(IssuedCopy).order_by(IssuedCopy.id)).all()
            signed = sum(1 for c in copies if c.blob_sha256)
            items = db.session.scalar(select(func.count()).select_from(IssuedCopy)
                                      .where(IssuedCopy.kind == "item"))
            store = BlobStore(Path(app.config["BLOB_DIR"]))
            with (out / "copies.csv").open("w", newline="", encoding="utf-8") as listing:
                writer = csv.writer(listing)
                writer.writerow(["copy_id", "kind", "user_id", "series", "copy_number", "file"])
                for c in copies:
                    writer.writerow([c.id, c.kind, c.user_id, c.series, c.copy_number,
                                     store.path_for(c.blob_sha256) if c.blob_sha256 else ""])
            # Timed after the job, so its imports do not count in the job's memory.
            baseline = baseline_copies_per_s(instance / "pki", tsa.url,
                                             Path(app.config["PDF_FONT_DIR"]))
            print(f"baseline (obvious pipeline, 1 core): {baseline:.2f} copies/s")
        rate = signed / seconds
        print(f"job {status}: {signed} signed files ({items} item copies, "
              f"{signed - items} packets) in {seconds:.1f} s")
        print(f"ours: {rate:.1f} copies/s, {rate / baseline:.1f}× the obvious pipeline")
        print(f"peak memory of the process tree: {peak_mb:.0f} MB (PSS summed), largest "
              f"process {largest_mb:.0f} MB RSS; files listed in {out / 'copies.csv'}")
        print(f"scenario={args.scenario} copies={signed} seconds={seconds:.1f} "
              f"copies_per_s={rate:.1f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
