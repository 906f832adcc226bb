"""The CPU one packet download costs the app, in-process, beside any signed-in request.

Run from the repository root (about 2 minutes the first time, most of it issuing the
packets; ``--out DIR`` keeps the issued instance, as ``download_load.py`` does, and
both scripts can share it)::

    .venv/bin/python bench/download_cpu.py
    .venv/bin/python bench/download_cpu.py --out /srv/bench

``download_load.py`` measures what 200 delegates see at once, which on two shared
cores is mostly a sum of everyone's CPU and moves with the machine's mood. This
script measures the app's part alone, one request after another through Flask's test
client, as ``FILE_SENDING = "x-accel"`` deploys it: the session's account, the access
check, the ``downloaded`` event and its audit row committed, the ``X-Accel-Redirect``
answer. The baseline, in the same process with the same cookie, is ``/healthz``: a
request through the same app, hooks and session cookie that does nothing of its own.

It prints the process CPU per request (``time.process_time``), the best and the
median of ``--repeats`` batches of ``--requests`` for each, the two kinds of batch
taken in turn; the last line is ``download_cpu_ms=<best> healthz_cpu_ms=<best>
ratio=<median of download/healthz, batch by batch>``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from download_load import (  # noqa: E402
    PASSWORD,
    USER_AGENT,
    X_ACCEL_PREFIX,
    bench_folder,
    prepare,
)

from meetingsvc import create_app  # noqa: E402


def cpu_ms(send: Callable[[], int], requests: int) -> float:
    """Milliseconds of this process's CPU per request, over ``requests`` of them."""
    started = time.process_time()
    for _ in range(requests):
        send()
    return (time.process_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # Small batches, many of them: the machine's speed changes within a second, and
    # with batches of 200 the ratio moved between 3.1 and 4.8 for the same code.
    parser.add_argument("--requests", type=int, default=40, help="requests per batch")
    parser.add_argument("--repeats", type=int, default=31, help="batches of each")
    parser.add_argument("--out", type=Path, help="where the instance stays (default: a temp dir)")
    args = parser.parse_args()
    with bench_folder(args.out, "download-cpu-") as out:
        measure(out, args.requests, args.repeats)


def measure(out: Path, requests: int, repeats: int) -> None:
    (out / "instance").mkdir(parents=True, exist_ok=True)
    prepared = prepare(out / "instance", delegates=200, documents=13)
    app = create_app(prepared.settings | {"FILE_SENDING": "x-accel",
                                          "X_ACCEL_PREFIX": X_ACCEL_PREFIX,
                                          "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    headers = {"User-Agent": USER_AGENT}
    username = sorted(prepared.packets)[0]
    signed_in = client.post("/sign-in", data={"username": username, "password": PASSWORD},
                            headers=headers)
    if signed_in.status_code != 302:
        raise SystemExit(f"sign-in failed: HTTP {signed_in.status_code}")
    packet = f"/meetings/{prepared.meeting_id}/my/packet.pdf"

    def download() -> int:
        response = client.get(packet, headers=headers)
        if response.status_code != 200 or "X-Accel-Redirect" not in response.headers:
            raise SystemExit(f"download failed: HTTP {response.status_code}")
        return response.status_code

    def healthz() -> int:
        return client.get("/healthz", headers=headers).status_code

    for send in (download, healthz):  # warm: statements compiled, caches filled
        cpu_ms(send, requests // 4)
    # Batch by batch in turn, so a change in the machine's speed moves both alike.
    pairs = [(cpu_ms(download, requests), cpu_ms(healthz, requests)) for _ in range(repeats)]
    downloads, baselines = zip(*pairs, strict=True)
    ratios = [d / h for d, h in pairs]
    for label, batches in (("download", downloads), ("healthz", baselines)):
        print(f"{label}: best {min(batches):.2f} ms, median {statistics.median(batches):.2f} ms "
              f"of CPU per request ({repeats} batches of {requests})")
    print(f"download_cpu_ms={min(downloads):.2f} healthz_cpu_ms={min(baselines):.2f} "
          f"ratio={statistics.median(ratios):.1f}")

if __name__ == "__main__":
    main()
