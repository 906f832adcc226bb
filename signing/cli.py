"""The auditors' command line: ``python -m signing verify FILE... [--trust CERT] [--json]``.

Exit status is the verdict and nothing else: 0 every file TOTAL_PASSED, 1 some
file TOTAL_FAILED, 2 otherwise some file INDETERMINATE (the worst over the files
decides). A usage error (bad arguments, a file or trust certificate that cannot
be read) exits 64 (``EX_USAGE``) before anything is verified, so a script never
mistakes it for a verdict. The text output says in Vietnamese, then English,
the same facts the JSON carries.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .report import Indication, VerificationReport
from .settings import TrustSettings
from .verify import verify_pdf

__all__ = ["main", "USAGE_ERROR"]

USAGE_ERROR = 64
"""Exit status of a usage error (``EX_USAGE`` of sysexits.h), never a verdict."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: lỗi / error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m signing",
                     description="Kiểm tra chữ ký số của tệp PDF / Verify digitally signed PDFs.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    verify = commands.add_parser("verify", help="verify the signatures of PDF files")
    verify.add_argument("files", nargs="+", type=Path, metavar="FILE")
    verify.add_argument("--trust", action="append", type=Path, default=[], metavar="CERT",
                        help="a trusted root certificate (PEM or DER); repeatable")
    verify.add_argument("--json", action="store_true", help="print JSON reports")
    verify.add_argument("--timeout", type=float, default=30.0,
                        help="seconds allowed per file (default 30)")
    return parser


_YES_NO = {True: ("có", "yes"), False: ("không", "no"), None: ("không rõ", "unknown")}


def _region(box: tuple[float, float, float, float]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in box) + ")"


def _print_text(path: Path, report: VerificationReport) -> None:
    sub = f" / {report.sub_indication.value}" if report.sub_indication else ""
    print(f"{path}: {report.indication.value}{sub}")
    print(f"  {report.explanation_vi}")
    print(f"  {report.explanation_en}")
    print(f"  SHA-256: {report.file_sha256}  ({report.file_size} byte / bytes, "
          f"{report.revisions} phiên bản / revisions)")
    if report.encrypted:
        print("  Tệp được mã hóa, mở bằng mật khẩu người dùng rỗng. / "
              "Encrypted; opened with the empty user password.")
    for sig in report.signatures:
        kind_vi = "dấu thời gian tài liệu" if sig.kind == "document_timestamp" else "chữ ký"
        ts = sig.timestamp.time if sig.timestamp else "-"
        sub_sig = f" / {sig.sub_indication.value}" if sig.sub_indication else ""
        print(f"  - {kind_vi} / {sig.kind} {sig.field_name}: {sig.indication.value}{sub_sig}")
        print(f"    người ký / signer: {sig.signer}")
        print(f"    chuẩn / sub-filter: {sig.sub_filter or '-'}; mức / profile: "
              f"{sig.profile or '-'}; phạm vi / coverage: {sig.coverage}; "
              f"thay đổi sau / later changes: {sig.modification_level or '-'}")
        vi, en = _YES_NO[sig.trusted]
        ivi, ien = _YES_NO[sig.intact]
        print(f"    nguyên vẹn / intact: {ivi} / {ien}; tin cậy / trusted: {vi} / {en}; "
              f"dấu thời gian / timestamp: {ts}")
        if sig.modification_details:
            print(f"    chi tiết thay đổi / change details: {sig.modification_details}")
        if sig.problem:
            print(f"    không đọc được hoặc không chấp nhận / not read or not accepted: "
                  f"{sig.problem}")
    if report.pages_compared:
        print(f"  So sánh hình ảnh: {report.pages_compared} trang. / "
              f"Visual comparison: {report.pages_compared} pages.")
    for change in report.visual_changes:
        regions = ", ".join(_region(r) for r in change.regions)
        cover_vi = " (trường biểu mẫu che nội dung đã ký)" if change.covers_signed_content else ""
        cover_en = " (a form field hides signed content)" if change.covers_signed_content else ""
        print(f"  Trang {change.page} khác với bản đã ký bởi {change.signature}{cover_vi}: "
              f"vùng {regions}")
        print(f"  Page {change.page} differs from the revision signed by {change.signature}"
              f"{cover_en}: regions {regions}")
    for key, value in sorted(report.copy_metadata.items()):
        print(f"  {key}: {value}")
    if report.detail:
        print(f"  chi tiết / detail: {report.detail}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help exits 0; errors exit USAGE_ERROR
        return int(exc.code or 0)
    logging.basicConfig(level=logging.CRITICAL)  # pyHanko logs chain failures as errors
    try:
        roots = tuple(p.read_bytes() for p in args.trust)
        contents = [p.read_bytes() for p in args.files]
    except OSError as exc:
        print(f"không đọc được tệp / cannot read: {exc.filename}: {exc.strerror}",
              file=sys.stderr)
        return USAGE_ERROR
    trust = TrustSettings(trust_roots=roots, timeout_seconds=args.timeout)
    worst = Indication.TOTAL_PASSED
    results = []
    for path, data in zip(args.files, contents, strict=True):
        report = verify_pdf(data, trust)
        results.append({"file": str(path), **report.to_dict()})
        if not args.json:
            _print_text(path, report)
        if report.indication.severity > worst.severity:
            worst = report.indication
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], ensure_ascii=False,
                         indent=2))
    return worst.exit_code
