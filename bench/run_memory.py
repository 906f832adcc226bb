"""The whole `make run` deployment's memory while it issues the demo.

Run from the repository root (about 3 minutes on 2 cores)::

    .venv/bin/python bench/run_memory.py              # a fresh instance in a temporary folder
    .venv/bin/python bench/run_memory.py --port 5078

It runs `make run` on a fresh instance (honcho, gunicorn with ``WORKERS`` web processes,
the one issuance worker and its signing pool), waits until the demo's consultation
drafts are issued, then signs in as the demo's secretariat and issues every demo
meeting that has papers, as a person would (each confirmation page, then its form).
Meanwhile it reads every process of the tree under `make` five times a second:
``/proc/<pid>/smaps_rollup``.

The last line is ``peak_pss_mb=<m> largest_rss_mb=<r> processes=<n> jobs=<j> seconds=<s>``:
the peak of the tree's summed PSS (proportional set size: a page shared by k processes
counts 1/k in each, so the sum is the memory the deployment really holds), the largest
single process's RSS (resident set size, shared pages counted whole), the most processes
seen at once, the jobs issued and how long issuing took. The target is a peak below
500 MB PSS. As a baseline in the same run, ``idle_pss_mb`` is the tree before issuing.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from issue_packets import memory_kib, process_tree  # noqa: E402

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')


def command(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(w.decode(errors="replace") for w in words[:6])[:60]


class Sampler(threading.Thread):
    """Reads the tree's memory five times a second until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.done = root, threading.Event()
        self.peak_pss = self.largest_rss = self.most_processes = 0
        self.last_pss = 0
        self.at_peak: list[tuple[int, str]] = []

    def run(self) -> None:
        while not self.done.wait(0.2):
            pids = [pid for pid, _depth in process_tree(self.root)]
            readings = [memory_kib(pid) for pid in pids]
            self.last_pss = sum(pss for pss, _ in readings)
            if self.last_pss > self.peak_pss:
                self.at_peak = [(pss // 1024, command(pid))
                                for pid, (pss, _) in zip(pids, readings, strict=True)]
            self.peak_pss = max(self.peak_pss, self.last_pss)
            self.largest_rss = max([self.largest_rss, *(rss for _, rss in readings)])
            self.most_processes = max(self.most_processes, len(readings))


class Browser:
    """A person's browser without JavaScript: cookies, forms with their hidden fields."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as answer:
            return str(answer.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> str:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=120) as answer:
            return str(answer.read().decode())

    def submit(self, path: str, **fields: str) -> str:
        """Post the form found at ``path`` with its hidden fields (CSRF token too)."""
        page = self.get(path)
        hidden = {}
        for tag in HIDDEN.findall(page):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name:
                hidden[name.group(1)] = html.unescape(value.group(1)) if value else ""
        return self.post(path, hidden | fields)


def wait_until_up(base: str, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(base + "/sign-in", timeout=5).close()  # noqa: S310 - http://127.0.0.1 only
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the service did not come up") from None
            time.sleep(1)


def wait_for_jobs(instance: Path, deadline: float) -> int:
    """Until no issuance job of the instance's database is running; the count of jobs."""
    env = os.environ | {"MEETINGSVC_INSTANCE_PATH": str(instance)}
    query = ("from meetingsvc import create_app\n"
             "from meetingsvc.extensions import db\n"
             "from meetingsvc.issuance.models import IssuanceJob\n"
             "from sqlalchemy import select\n"
             "with create_app().app_context():\n"
             "    print(','.join(db.session.scalars(select(IssuanceJob.status))))\n")
    while True:
        out = subprocess.run([sys.executable, "-c", query], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1:]
        statuses = out[0].split(",") if out and out[0] else []
        if statuses and "running" not in statuses:
            return len(statuses)
        if time.monotonic() > deadline:
            raise SystemExit(f"issuance did not finish: {statuses}")
        time.sleep(2)


def scraped_units(base: str) -> float:
    """Issuance units the worker process timed, read from a scrape of the web's /metrics:
    more than none only if every process of the tree shares the Prometheus folder."""
    with urllib.request.urlopen(base + "/metrics", timeout=30) as answer:  # noqa: S310 - http://127.0.0.1 only
        text = answer.read().decode()
    found = re.search(r"^meetingsvc_issuance_unit_duration_seconds_count(?:\{[^}]*\})? (\S+)$",
                      text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5079)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="meetingsvc-run-") as folder:
        instance = Path(folder) / "instance"
        env = os.environ | {"MEETINGSVC_INSTANCE_PATH": str(instance), "PORT": str(args.port),
                            "MEETINGSVC_PUBLIC_BASE_URL": base}
        service = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                   start_new_session=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + args.timeout
            sampler = Sampler(service.pid)
            sampler.start()
            wait_until_up(base, deadline)
            wait_for_jobs(instance, deadline)  # the consultation's drafts, issued at start
            idle = sampler.last_pss
            browser = Browser(base)
            browser.submit("/sign-in", username="thuky", password="demo-thuky-2026")  # noqa: S106
            meetings = sorted(set(re.findall(r'href="/meetings/(\d+)"',
                                             browser.get("/meetings/"))))
            started = time.monotonic()
            for meeting in meetings:
                try:
                    browser.submit(f"/meetings/{meeting}/issue")
                except urllib.error.HTTPError as error:  # nothing to issue there
                    print(f"meeting {meeting}: {error.code}", file=sys.stderr)
            jobs = wait_for_jobs(instance, deadline)
            seconds = time.monotonic() - started
            sampler.done.set()
            sampler.join()
            units_timed = scraped_units(base)
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(60)
    print(json.dumps({"meetings": meetings, "idle_pss_mb": round(idle / 1024),
                      "pss_mb_at_peak": sorted(sampler.at_peak, reverse=True)},
                     ensure_ascii=False, indent=1))
    print(f"units timed by the issuance worker, as gunicorn's /metrics shows them: "
          f"{units_timed:.0f}")
    print(f"peak_pss_mb={sampler.peak_pss / 1024:.0f} largest_rss_mb="
          f"{sampler.largest_rss / 1024:.0f} processes={sampler.most_processes} jobs={jobs} "
          f"seconds={seconds:.0f}")


if __name__ == "__main__":
    main()
