"""The evidence ZIP checks out offline, by the very commands its README gives."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from sqlalchemy import select

from meetingsvc.audit.models import AuditEvent

REPO = Path(__file__).resolve().parents[2]


def readme_commands(readme: str) -> list[str]:
    """The shell commands of the README's steps: lines indented by five spaces, with their
    backslash continuations."""
    commands, current = [], ""
    for line in readme.split("ENGLISH")[0].splitlines():
        if current:
            current += " " + line.strip()
        elif line.startswith("     ") and not line.startswith("      "):
            current = line.strip()
        else:
            continue
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        commands.append(current)
        current = ""
    return commands


def run(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """A README command as an auditor runs it: a shell, the folder, python with the library."""
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                        "PYTHONPATH": str(REPO)}
    return subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=180, check=False)


def export(client, meeting_id: int, folder: Path) -> list[str]:
    with client.post(f"/audit/meetings/{meeting_id}/evidence") as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "application/zip"
        data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
        return archive.namelist()


def test_the_evidence_zip_verifies_offline_by_its_own_readme(
        session, client, sign_in, auditor, small_issue, tmp_path):
    sign_in(auditor)
    folder = tmp_path / "ho-so"
    names = export(client, small_issue.meeting.id, folder)
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert len(pdfs) == 4 + 1  # two items, two packets, the summary

    commands = readme_commands((folder / "README.txt").read_text(encoding="utf-8"))
    tools = [command.split()[0] for command in commands]
    assert tools == ["sha256sum", "openssl", "for", "python3", "pdfsig", "for", "python"]
    outputs = []
    for command in commands:
        result = run(command, folder)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        assert "SAI:" not in result.stdout and "FAILED" not in result.stdout, command
        outputs.append(result.stdout + result.stderr)
    assert outputs[0].count(": OK") == len(names) - 2  # all but SHA256SUMS and its signature
    assert "Verification successful" in outputs[1]
    assert "OK:" in outputs[3] and "chain intact" in outputs[3]
    signed_whole = outputs[4] + outputs[5]
    assert signed_whole.count("Signature is Valid.") == len(pdfs)
    assert signed_whole.count("Total document signed") == len(pdfs)
    verdicts = [line for line in outputs[6].splitlines() if not line.startswith(" ")]
    assert len(verdicts) == len(pdfs)  # one unindented line per file, its signatures below
    assert all(line.endswith(": TOTAL_PASSED") for line in verdicts)

    # What it holds: every copy, whose, which file, which token; the events; the log rows.
    manifest = list(csv.DictReader(io.StringIO((folder / "manifest.csv").read_text())))
    copy = small_issue.copies["ttthang"]
    row = next(r for r in manifest if r["copy_id"] == str(copy.id))
    assert (row["delegate_name"], row["document_symbol"], row["version"]) == (
        "Trần Thị Thu Hằng", "212-BC/TU", "1")
    assert (row["sha256"], row["verification_token"]) == (copy.blob_sha256,
                                                          copy.verification_token)
    digest = run(f"openssl dgst -sha256 {row['file']}", folder).stdout
    assert digest.strip().endswith(copy.blob_sha256)
    events = (folder / "delivery_events.csv").read_text()
    assert events.count(",delivered,") == 4 and "ttthang" in events
    rows = [json.loads(line) for line in (folder / "audit_log.jsonl").read_text().splitlines()]
    assert rows[-1]["action"] == "audit.evidence_exported" and rows[-1]["in_meeting"]
    assert any(r["action"] == "issuance.delivered" for r in rows)
    summary = run("pdftotext -enc UTF-8 summary.pdf -", folder).stdout
    assert "Hội nghị Ban Chấp hành lần thứ 12" in summary and "Nguyễn Khắc Thắng" in summary
    assert session.scalar(select(AuditEvent.meeting_id).where(
        AuditEvent.action == "audit.evidence_exported")) == small_issue.meeting.id

    # The same steps catch a changed copy, an edited log row and a log cut short.
    copy_file = folder / row["file"]
    data = bytearray(copy_file.read_bytes())
    data[len(data) // 2] ^= 1
    copy_file.write_bytes(bytes(data))
    assert run(commands[0], folder).returncode != 0
    log = folder / "audit_log.jsonl"
    lines = log.read_text().splitlines()
    edited = json.loads(lines[0]) | {"actor_name": "someone else"}
    log.write_text("\n".join([json.dumps(edited, ensure_ascii=False), *lines[1:]]) + "\n")
    assert "was edited" in run(commands[3], folder).stdout
    log.write_text("\n".join(lines[:-1]) + "\n")
    cut = run(commands[3], folder)
    assert cut.returncode == 1 and "export ends at row" in cut.stdout
