"""Rounds of 200 downloads at once on one running deployment, beside /healthz and the floor.

Run from the repository root (about 2 minutes the first time, most of it issuing the
packets; ``--out DIR`` keeps the instance, shared with ``download_load.py`` and
``download_cpu.py``)::

    .venv/bin/python bench/download_rounds.py
    .venv/bin/python bench/download_rounds.py --rounds 9 --out /srv/bench

``download_load.py`` measures one cold round per server, and its p99 is mostly a sum
of every process's CPU on two shared cores. This script says whose CPU. It starts
the deployed pair once (gunicorn as the deployment guide runs it, Debian's nginx
with ``deploy/nginx/meetingsvc.conf``, and the floor's server beside), signs the
delegates in once, then runs three kinds of round in turn, ``--rounds`` of each,
with the same libcurl client as ``download_load.py``:

- ``packet``: every delegate's packet through nginx and the app (``X-Accel-Redirect``),
  as ``download_load.py``'s nginx run;
- ``healthz``: every delegate asks for ``/healthz`` through nginx and the app instead,
  a signed-in request that does nothing of its own and sends no file: what the app
  costs for any request, and the p99 of 200 requests with no file at all;
- ``floor``: every packet file straight from nginx, no app.

For each run (the warm-up request excluded) it reads from ``/proc`` the CPU that
gunicorn's workers, nginx's workers and this process (the client) used, and the
share of the run the cores sat idle. The last line is ``packet_p99_ms=<a>
healthz_p99_ms=<b> floor_p99_ms=<c> app_cpu_ms_per_download=<d>
app_cpu_ms_per_healthz=<e> ratio=<f>``: medians over the rounds, and the median of
the download's app CPU over the healthz's, round by round.

Afterwards every packet must hold exactly one more ``downloaded`` event per packet
round, as many audit rows, and the audit chain must verify intact; a failed check or
a failed transfer makes the script exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from download_load import (  # noqa: E402
    FLOOR_PREFIX,
    Downloads,
    Prepared,
    Run,
    all_at_once,
    bench_folder,
    chain_verdict,
    deployed,
    downloads,
    percentile,
    prepare,
    served_instance,
    signed_in,
)
from issue_packets import process_tree  # noqa: E402

KINDS = ("packet", "healthz", "floor")


def workers(pid: int) -> list[int]:
    """The processes ``pid`` started (gunicorn's or nginx's workers)."""
    return [child for child, depth in process_tree(pid) if depth == 1]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (``/proc/<pid>/stat``)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Reading:
    """CPU seconds used so far by each party, and the machine's idle and total ticks."""

    app: float
    nginx: float
    client: float
    idle: int
    total: int


@dataclass(frozen=True)
class Parties:
    app: list[int]
    nginx: list[int]

    def read(self) -> Reading:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return Reading(cpu_seconds(self.app), cpu_seconds(self.nginx), time.process_time(),
                       ticks[3] + ticks[4], sum(ticks))


@dataclass(frozen=True)
class Round:
    kind: str
    run: Run
    app_s: float
    nginx_s: float
    client_s: float
    idle_share: float

    @property
    def p99_ms(self) -> float:
        return percentile(self.run.latencies_ms, 0.99)

    def line(self, number: int) -> str:
        return (f"round {number} {self.kind}: {self.run.figures()} "
                f"app_cpu_s={self.app_s:.2f} nginx_cpu_s={self.nginx_s:.2f} "
                f"client_cpu_s={self.client_s:.2f} idle={self.idle_share:.0%}")


def measured(kind: str, parties: Parties, cookies: dict[str, str], warm_url: str,
             urls: dict[str, str], cafile: Path, timeout: float) -> Round:
    """One run of every delegate at once, with each party's CPU during the run alone."""
    start: list[Reading] = []
    run = all_at_once(kind, cookies, warm_url, urls, cafile, timeout,
                      warmed=lambda: start.append(parties.read()))
    end, begin = parties.read(), start[0]
    return Round(kind, run, end.app - begin.app, end.nginx - begin.nginx,
                 end.client - begin.client,
                 (end.idle - begin.idle) / max(1, end.total - begin.total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each kind")
    parser.add_argument("--timeout", type=float, default=120, help="seconds for each run")
    parser.add_argument("--out", type=Path, help="where the instance stays (default: a temp dir)")
    args = parser.parse_args()
    with bench_folder(args.out, "download-rounds-") as out:
        prepared = prepare(served_instance(out), delegates=200, documents=13)
        before = downloads(prepared.settings, prepared.meeting_id)
        rounds = run_rounds(prepared, args.rounds, args.timeout)
        failures = checks(prepared, rounds, before)
    print(summary(rounds))
    if failures:
        raise SystemExit("; ".join(failures))


def run_rounds(prepared: Prepared, count: int, timeout: float) -> list[Round]:
    rounds: list[Round] = []
    with deployed(prepared) as (front, floor_base, service):
        names = sorted(prepared.packets)
        cookies = asyncio.run(signed_in(front.base, front.ssl_context(), names))
        nginx_master = int((front.prefix / "nginx.pid").read_text())
        parties = Parties(workers(service.pid), workers(nginx_master))
        packet = f"{front.base}/meetings/{prepared.meeting_id}/my/packet.pdf"
        urls = {
            "packet": dict.fromkeys(names, packet),
            "healthz": dict.fromkeys(names, f"{front.base}/healthz"),
            "floor": {n: f"{floor_base}{FLOOR_PREFIX}{prepared.packets[n]}" for n in names},
        }
        warm = {"packet": f"{front.base}/healthz", "healthz": f"{front.base}/healthz",
                "floor": f"{floor_base}/"}
        for number in range(1, count + 1):
            for kind in KINDS:  # in turn, so a change in the machine's speed moves all alike
                done = measured(kind, parties, cookies, warm[kind], urls[kind],
                                front.certificate, timeout)
                print(done.line(number), flush=True)
                rounds.append(done)
    return rounds


def checks(prepared: Prepared, rounds: list[Round], before: Downloads) -> list[str]:
    """Every transfer whole; one event and one audit row per packet download; the chain."""
    failures = [f"{r.kind}: {error}" for r in rounds for error in r.run.errors[:3]]
    packet_rounds = sum(1 for r in rounds if r.kind == "packet")
    per_packet, audited = downloads(prepared.settings, prepared.meeting_id).since(before)
    exact = sum(1 for count in per_packet.values() if count == packet_rounds)
    print(f"events: {exact}/{len(prepared.packets)} packets downloaded exactly "
          f"{packet_rounds} times; {audited} audit entries")
    if exact != len(prepared.packets) or audited != packet_rounds * len(prepared.packets):
        failures.append("download events not recorded exactly once per download")
    intact, verdict = chain_verdict(prepared.settings)
    print(verdict)
    if not intact:
        failures.append(verdict)
    return failures


def summary(rounds: list[Round]) -> str:
    """Medians over the rounds of each kind; the app's CPU per request of each kind."""
    def of(kind: str) -> list[Round]:
        return [r for r in rounds if r.kind == kind]

    def per_request_ms(done: Round) -> float:
        return done.app_s / max(1, len(done.run.latencies_ms)) * 1000

    ratios = [per_request_ms(p) / per_request_ms(h)
              for p, h in zip(of("packet"), of("healthz"), strict=True) if h.app_s > 0]
    for kind in KINDS:
        done = of(kind)
        print(f"{kind}: p99 median {statistics.median(r.p99_ms for r in done):.0f} ms; "
              f"CPU per round, median: app {statistics.median(r.app_s for r in done):.2f} s, "
              f"nginx {statistics.median(r.nginx_s for r in done):.2f} s, "
              f"client {statistics.median(r.client_s for r in done):.2f} s")
    return (f"packet_p99_ms={statistics.median(r.p99_ms for r in of('packet')):.0f} "
            f"healthz_p99_ms={statistics.median(r.p99_ms for r in of('healthz')):.0f} "
            f"floor_p99_ms={statistics.median(r.p99_ms for r in of('floor')):.0f} "
            f"app_cpu_ms_per_download="
            f"{statistics.median(per_request_ms(r) for r in of('packet')):.2f} "
            f"app_cpu_ms_per_healthz="
            f"{statistics.median(per_request_ms(r) for r in of('healthz')):.2f} "
            f"ratio={statistics.median(ratios) if ratios else float('nan'):.1f}")


if __name__ == "__main__":
    main()
