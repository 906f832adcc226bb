"""The auditors' command line: ``python -m signing verify FILE... [--trust CERT] [--json]``.

Exit status: 0 every file TOTAL_PASSED, 1 some file TOTAL_FAILED, 2 otherwise
some file INDETERMINATE (the worst over the files decides).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .report import Indication, VerificationReport
from .settings import TrustSettings
from .verify import verify_pdf

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m signing",
                                     description="Verify digitally signed PDF documents.")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify the signatures of PDF files")
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE")
    verify.add_argument("--trust", action="append", type=Path, default=[], metavar="CERT",
                        help="a trusted root certificate (PEM or DER); repeatable")
    verify.add_argument("--json", action="store_true", help="print JSON reports")
    verify.add_argument("--timeout", type=float, default=30.0,
                        help="seconds allowed per file (default 30)")
    return parser


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""  # reported as a format failure, with the error below


def _print_text(path: Path, report: VerificationReport) -> None:
    sub = f" / {report.sub_indication.value}" if report.sub_indication else ""
    print(f"{path}: {report.indication.value}{sub}")
    print(f"  {report.explanation_vi}")
    print(f"  {report.explanation_en}")
    for sig in report.signatures:
        ts = sig.timestamp.time if sig.timestamp else "-"
        print(f"  - {sig.kind} {sig.field_name}: {sig.indication.value} "
              f"profile={sig.profile or '-'} coverage={sig.coverage} "
              f"changes={sig.modification_level} timestamp={ts}")
        print(f"    signer: {sig.signer}")
    for key, value in sorted(report.copy_metadata.items()):
        print(f"  {key}: {value}")
    if report.detail:
        print(f"  detail: {report.detail}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # pyHanko logs chain failures as errors
    try:
        roots = tuple(p.read_bytes() for p in args.trust)
    except OSError as exc:
        print(f"cannot read trust certificate: {exc}", file=sys.stderr)
        return 2
    trust = TrustSettings(trust_roots=roots, timeout_seconds=args.timeout)
    worst = Indication.TOTAL_PASSED
    results = []
    for path in args.files:
        report = verify_pdf(_read(path), trust)
        if not path.is_file():
            report = _missing(path, report)
        results.append({"file": str(path), **report.to_dict()})
        if not args.json:
            _print_text(path, report)
        if report.indication.severity > worst.severity:
            worst = report.indication
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False,
                         indent=2))
    return worst.exit_code


def _missing(path: Path, report: VerificationReport) -> VerificationReport:
    from dataclasses import replace
    return replace(report, detail=f"cannot read {path}")
