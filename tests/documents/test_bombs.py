"""Decompression and object-count bombs are refused in bounded memory and leave nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.models import Blob, Document
from meetingsvc.documents.pdfcheck import InvalidPdf, PdfLimits, check_pdf
from tests.documents import bomb_pdfs
from tests.documents.test_uploads import stored_files, upload

BOMB_MESSAGE = "Tệp PDF khi giải nén vượt quá 512 MB"
OBJECTS_MESSAGE = "Tệp PDF có hơn 500000 đối tượng"
#: Each bomb, the refusal it must get (in Vietnamese) and its reason code.
BOMBS = {
    "flate-2gb": (bomb_pdfs.flate_bomb, BOMB_MESSAGE, "decompression_bomb"),
    "flate-of-flate-2gb": (bomb_pdfs.nested_flate_bomb, BOMB_MESSAGE, "decompression_bomb"),
    "object-stream-1m": (bomb_pdfs.object_stream_bomb, OBJECTS_MESSAGE, "too_many_objects"),
    "object-stream-1m-small-size": (lambda: bomb_pdfs.object_stream_bomb(honest_size=False),
                                    OBJECTS_MESSAGE, "too_many_objects"),
}


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("bombs")
    files = {}
    for name, (build, _, _) in BOMBS.items():
        files[name] = directory / f"{name}.pdf"
        files[name].write_bytes(build())
    return files


@pytest.fixture
def app_config(app_config):
    """Room for the bombs (up to 4.3 MB) under the upload limit."""
    return app_config | {"MAX_UPLOAD_BYTES": 8 * 1024 * 1024}


@pytest.mark.parametrize("name", BOMBS)
def test_a_bomb_is_refused_with_the_reason(bomb_files, name):
    _, _, reason = BOMBS[name]
    with pytest.raises(InvalidPdf) as refused:
        check_pdf(bomb_files[name])
    assert refused.value.reason == reason


@pytest.mark.parametrize("name", BOMBS)
def test_an_uploaded_bomb_is_refused_and_leaves_nothing(app, client, session, item, bomb_files,
                                                        name):
    _, message, _ = BOMBS[name]
    response = upload(client, item, bomb_files[name].read_bytes())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Blob)) == 0
    assert stored_files(app) == []
    refused = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.upload_refused")).all()
    assert len(refused) == 1 and "PDF" in json.loads(refused[0].details)["reason"]


def test_the_budget_is_a_setting(tmp_path, bomb_files):
    """A budget above what the bomb inflates to lets the measure run to its end."""
    small = tmp_path / "small.pdf"
    small.write_bytes(bomb_pdfs.flate_bomb(64 * 1024 * 1024))
    with pytest.raises(InvalidPdf, match="more than 32 MB"):
        check_pdf(small, PdfLimits(max_decompressed_bytes=32 * 1024 * 1024))
    assert check_pdf(small, PdfLimits(max_decompressed_bytes=65 * 1024 * 1024)).page_count == 1


_MEASURE = """
import re, sys, tracemalloc
from pathlib import Path
from meetingsvc.documents.pdfcheck import InvalidPdf, check_pdf

def high_water_mark():  # getrusage's maxrss would include the forking parent's
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) * 1024

baseline = high_water_mark()
tracemalloc.start()
try:
    check_pdf(Path(sys.argv[1]))
    reason = "accepted"
except InvalidPdf as error:
    reason = error.reason
peak = tracemalloc.get_traced_memory()[1]
print(reason, baseline, high_water_mark(), peak)
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["flate-2gb", "flate-of-flate-2gb"])
def test_refusing_a_2gb_bomb_stays_in_bounded_memory(bomb_files, name):
    """Measured in a child process: its peak resident size stays far below 256 MB."""
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(bomb_files[name])],
                            capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parents[2])
    reason, baseline, peak_rss, peak_python = result.stdout.split()
    assert reason == "decompression_bomb"
    assert int(peak_rss) < 256 * 1024 * 1024
    assert int(peak_rss) - int(baseline) < 32 * 1024 * 1024
    assert int(peak_python) < 16 * 1024 * 1024
