"""The ZIP of single copies: safe names, and a manifest that proves every file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetingsvc.issuance.pdf import ZipEntry, ascii_slug, build_zip, copy_file_name, write_zip


def test_names_are_ascii_transliterations() -> None:
    assert ascii_slug("Nghị quyết về Đảng bộ tỉnh Sơn Hà") == "nghi-quyet-ve-dang-bo-tinh-son-ha"
    assert ascii_slug("43-TB/TƯ", lower=False) == "43-TB-TU"
    assert copy_file_name(1, "15-NQ/TU", 7, 55) == "01_15-NQ-TU_ban-so-07.pdf"
    assert copy_file_name(12, "", 7, 400, title="Tài liệu tham khảo") == \
        "12_tai-lieu-tham-khao_ban-so-007.pdf"
    assert copy_file_name(3, "08-ĐA/TU", 1, 9) == "03_08-DA-TU_ban-so-01.pdf"


def _entries(tmp_path: Path) -> list[ZipEntry]:
    on_disk = tmp_path / "blob"
    on_disk.write_bytes(b"%PDF-1.7 on disk" * 1000)
    data = b"%PDF-1.7 in memory"
    return [
        ZipEntry(copy_file_name(1, "15-NQ/TU", 7, 55), data,
                 hashlib.sha256(data).hexdigest(), 7, "15-NQ/TU", "Nghị quyết về kinh tế"),
        ZipEntry(copy_file_name(2, "43-TB/TƯ", 7, 55), on_disk, None, 7, "43-TB/TƯ",
                 "Thông báo kết luận"),
        # The same name again, differently cased and with Vietnamese letters.
        ZipEntry("01_15-nq-tu_BẢN-SỐ-07.pdf", data, None, 7, "15-NQ/TU", "Bản trùng tên"),
        ZipEntry("manifest.json", data, None, 7, "", "Một tệp mang tên dành riêng"),
    ]


def test_manifest_matches_the_files(tmp_path: Path) -> None:
    archive = zipfile.ZipFile(io.BytesIO(build_zip(_entries(tmp_path),
                                                   {"meeting": "Hội nghị lần thứ 12"})))
    names = archive.namelist()
    assert names[:2] == ["01_15-NQ-TU_ban-so-07.pdf", "02_43-TB-TU_ban-so-07.pdf"]
    assert all(name.isascii() for name in names)
    assert len({name.lower() for name in names}) == len(names)
    assert names.count("manifest.json") == 1 and "manifest.csv" in names

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["packet"] == {"meeting": "Hội nghị lần thứ 12"}
    files = manifest["files"]
    assert [f["name"] for f in files] == names[:4]
    for entry in files:
        content = archive.read(entry["name"])
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)
    assert files[1]["symbol"] == "43-TB/TƯ" and files[0]["title"] == "Nghị quyết về kinh tế"

    raw = archive.read("manifest.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the Vietnamese right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["name"], r["sha256"], int(r["size"]), int(r["copy_number"])) for r in rows] == \
        [(f["name"], f["sha256"], f["size"], f["copy_number"]) for f in files]


def test_streams_to_a_file_reproducibly(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    rows = write_zip(first, _entries(tmp_path))
    write_zip(second, _entries(tmp_path))
    assert first.read_bytes() == second.read_bytes()
    assert rows[1].size == 16000


def test_a_damaged_blob_is_refused(tmp_path: Path) -> None:
    entry = ZipEntry("a.pdf", b"tampered", "0" * 64, 1, "1-NQ/TU", "x")
    with pytest.raises(ValueError, match="SHA-256"):
        build_zip([entry])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=8))
def test_any_names_become_safe_and_unique(names: list[str]) -> None:
    entries = [ZipEntry(name, b"x", None, 1, "", "") for name in names]
    archive = zipfile.ZipFile(io.BytesIO(build_zip(entries)))
    written = archive.namelist()
    assert len(written) == len(names) + 2
    assert len({name.lower() for name in written}) == len(written)
    for name in written:
        assert name.isascii() and name.isprintable() and "/" not in name and "\\" not in name
        assert not name.startswith((".", "-"))
