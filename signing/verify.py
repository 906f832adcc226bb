"""Verify any PDF and get a report, within a time and memory bound.

``verify_pdf(data, trust)`` always returns a :class:`~signing.report.VerificationReport`,
whatever the bytes: it never raises, hangs or crashes for a bad file.

The bounds (see :class:`~signing.settings.TrustSettings`): files above
``max_file_bytes`` (100 MiB) are refused unread; the parse and validation run
in a child process (``forkserver``, so a web server's threads are not forked)
whose address space is capped at ``memory_limit_bytes`` (1 GiB, RLIMIT_AS) and
whose CPU time is capped near ``timeout_seconds`` (RLIMIT_CPU); the parent
kills it after ``timeout_seconds`` of wall time (30 s). Any of these ends in a
``FORMAT_FAILURE`` report naming the bound. ``TrustSettings(isolate=False)``
runs in-process (no hang or memory bound then, only the size cap).

A script that verifies at import time must guard its entry point with
``if __name__ == "__main__":``, as for any ``multiprocessing`` user.

Usage::

    trust = TrustSettings.from_files(Path("root-ca.crt"))
    report = verify_pdf(Path("copy.pdf").read_bytes(), trust)
    print(report.indication.value, report.explanation_vi)
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import resource
from multiprocessing.connection import Connection

from .examine import examine_pdf, format_failure
from .report import VerificationReport
from .settings import TrustSettings

__all__ = ["verify_pdf"]


def verify_pdf(data: bytes, trust: TrustSettings | None = None) -> VerificationReport:
    """Verify every signature of ``data`` against ``trust`` and judge the file."""
    trust = trust or TrustSettings()
    data = bytes(data)
    if len(data) > trust.max_file_bytes:
        return format_failure(data, f"file larger than {trust.max_file_bytes} bytes")
    if not trust.isolate:
        return _examine_safely(data, trust)
    return _examine_in_child(data, trust)


def _examine_safely(data: bytes, trust: TrustSettings) -> VerificationReport:
    try:
        return examine_pdf(data, trust)
    except BaseException as exc:  # RecursionError, MemoryError: still a report
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return format_failure(data, f"{type(exc).__name__}: {exc}")


def _child_main(conn: Connection, data: bytes, trust: TrustSettings) -> None:
    # what pyHanko logs about a file (tracebacks of failed path building) is in the report
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    memory = trust.memory_limit_bytes
    cpu = math.ceil(trust.timeout_seconds) + 1
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit is kept as it is
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    report = _examine_safely(data, trust)
    try:
        conn.send(report)
    except Exception as exc:  # e.g. MemoryError while pickling
        conn.send(format_failure(data, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _examine_in_child(data: bytes, trust: TrustSettings) -> VerificationReport:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["signing.examine"])
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, data, trust), daemon=True,
                            name="verify-pdf")
    child.start()
    sender.close()
    try:
        if receiver.poll(trust.timeout_seconds):
            try:
                report: VerificationReport = receiver.recv()
                return report
            except (EOFError, OSError):
                pass  # the child died before answering: judged below
            child.join(1)
            return format_failure(data, f"the verifier process died (exit code "
                                        f"{child.exitcode}; memory bound "
                                        f"{trust.memory_limit_bytes} bytes)")
        return format_failure(data, f"verification exceeded the time bound of "
                                    f"{trust.timeout_seconds} s")
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
