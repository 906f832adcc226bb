"""``python -m signing verify``: text and JSON output, exit status by the worst file;
usage errors exit 64, never a verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from signing.pki import DevPki
from signing.settings import PadesProfile

WritePdf = Callable[[bytes, str], Path]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "signing", "verify", *args],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])


def test_passed_file_exits_0_with_a_vietnamese_explanation(
        signed: dict[PadesProfile, bytes], pki: DevPki, write_pdf: WritePdf) -> None:
    path = write_pdf(signed[PadesProfile.B_LT], "ok.pdf")
    result = _run(str(path), "--trust", str(pki.directory / "root-ca.crt"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TOTAL_PASSED" in result.stdout
    assert "Tài liệu được ký số hợp lệ" in result.stdout
    assert "copy_id: C-0007" in result.stdout


def test_json_report_and_worst_status_over_files(signed: dict[PadesProfile, bytes],
                                                 pki: DevPki, write_pdf: WritePdf) -> None:
    good = write_pdf(signed[PadesProfile.B_T], "good.pdf")
    bad = write_pdf(b"not a pdf", "bad.pdf")
    result = _run(str(good), str(bad), "--trust", str(pki.directory / "root-ca.crt"), "--json")
    assert result.returncode == 1
    reports = json.loads(result.stdout)
    assert [r["indication"] for r in reports] == ["TOTAL_PASSED", "TOTAL_FAILED"]
    assert reports[1]["sub_indication"] == "FORMAT_FAILURE"
    assert reports[0]["signatures"][0]["profile"] == "B-T"


def test_untrusted_file_exits_2(signed: dict[PadesProfile, bytes], write_pdf: WritePdf) -> None:
    result = _run(str(write_pdf(signed[PadesProfile.B_B], "doc.pdf")))
    assert result.returncode == 2
    assert "NO_CERTIFICATE_CHAIN_FOUND" in result.stdout
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_usage_error_not_a_verdict(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "missing.pdf"))
    assert result.returncode == 64
    assert "cannot read" in result.stderr and "missing.pdf" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_arguments_and_unreadable_trust_are_usage_errors(
        signed: dict[PadesProfile, bytes], tmp_path: Path, write_pdf: WritePdf) -> None:
    path = write_pdf(signed[PadesProfile.B_T], "ok.pdf")
    assert _run(str(path), "--no-such-option").returncode == 64
    assert _run(str(path), "--timeout", "soon").returncode == 64
    assert _run(str(path), "--trust", str(tmp_path / "none.crt")).returncode == 64
    assert _run().returncode == 64  # no file at all


def test_text_and_json_carry_the_same_facts_in_both_languages(
        signed: dict[PadesProfile, bytes], pki: DevPki, write_pdf: WritePdf) -> None:
    path = write_pdf(signed[PadesProfile.B_LTA], "lta.pdf")
    root = str(pki.directory / "root-ca.crt")
    text = _run(str(path), "--trust", root).stdout
    report = json.loads(_run(str(path), "--trust", root, "--json").stdout)
    assert report["explanation_vi"] in text and report["explanation_en"] in text
    assert text.index(report["explanation_vi"]) < text.index(report["explanation_en"])
    assert report["file_sha256"] in text
    for sig in report["signatures"]:
        assert sig["field_name"] in text and sig["sub_filter"] in text
        assert f"thay đổi sau / later changes: {sig['modification_level']}" in text
    assert "người ký / signer" in text
