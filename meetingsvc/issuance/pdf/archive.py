"""A delegate's copies as a ZIP, with a manifest anyone can check with ``sha256sum``.

Written entry by entry to a file (or any seekable stream), so a 30-document
packet is never held in memory twice. Each file's SHA-256 is computed while it
is written and, when the caller already knows it (blobs are stored by hash),
checked against it. ``manifest.json`` and ``manifest.csv`` (UTF-8 with a BOM, so
spreadsheet programs show the Vietnamese titles right) list name, SHA-256, size,
copy number, symbol and title of every file. Names inside the ZIP are ASCII and
unique, ignoring case, because unzip tools on Windows mangle anything else.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ...exports_safe import safe_row

__all__ = [
    "ManifestRow",
    "ZipEntry",
    "ascii_slug",
    "build_zip",
    "copy_file_name",
    "write_zip",
]

MANIFEST_FORMAT = "meetingsvc.copies-zip/1"
_RESERVED = {"manifest.json", "manifest.csv"}
_CHUNK = 1 << 20
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ZipEntry:
    """One file for the ZIP: its content (bytes, or a path read in chunks) and what the
    manifest says about it."""

    name: str
    """Wanted file name; made ASCII-safe and unique on writing."""
    source: bytes | Path
    sha256: str | None
    """Expected SHA-256 in hex, checked while writing; ``None`` to just compute it."""
    copy_number: int
    symbol: str
    title: str


@dataclass(frozen=True)
class ManifestRow:
    """What the manifest records for a file, as written."""

    name: str
    sha256: str
    size: int
    copy_number: int
    symbol: str
    title: str


def ascii_slug(text: str, *, lower: bool = True) -> str:
    """``text`` without diacritics (đ → d), other characters as single hyphens:
    "Nghị quyết 15-NQ/TƯ" → "nghi-quyet-15-nq-tu"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text.lower() if lower else text


def copy_file_name(order: int, symbol: str, copy_number: int, copy_total: int, *,
                   title: str = "") -> str:
    """ "01_15-NQ-TU_ban-so-07.pdf": agenda order, symbol (or the title when there is
    none), copy number padded like the stamp's "Bản số"."""
    width = max(2, len(str(copy_total)))
    what = ascii_slug(symbol, lower=False) or ascii_slug(title)[:60].strip("-") or "tai-lieu"
    return f"{order:02d}_{what}_ban-so-{copy_number:0{width}d}.pdf"


def _safe_name(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = re.sub(r"-*_-*", "_", "_".join(ascii_slug(part, lower=False)
                                          for part in stem.split("_"))).strip("_-")
    extension = ascii_slug(extension)
    return (stem or "tep") + (f".{extension}" if extension else "")


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, counter = name, 1
    while candidate.lower() in taken or candidate.lower() in _RESERVED:
        counter += 1
        candidate = f"{stem}-{counter}" + (f".{extension}" if extension else "")
    taken.add(candidate.lower())
    return candidate


def _info(name: str, date_time: tuple[int, int, int, int, int, int], compress: bool
          ) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _copy_into(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: ZipEntry
               ) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=True) as target:
        if isinstance(entry.source, Path):
            with entry.source.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
                    size += len(chunk)
        else:
            digest.update(entry.source)
            target.write(entry.source)
            size = len(entry.source)
    return digest.hexdigest(), size


def write_zip(
    target: Path | BinaryIO,
    entries: Sequence[ZipEntry],
    manifest_extra: Mapping[str, str] | None = None,
    *,
    timestamp: datetime | None = None,
) -> list[ManifestRow]:
    """Write ``entries`` and the two manifests to ``target``; return the manifest rows.

    ``manifest_extra`` (meeting, delegate, …) goes under ``"packet"`` in
    ``manifest.json``. ``timestamp`` dates the entries (default 1980-01-01, so the
    same copies always make the same ZIP). A SHA-256 that does not match raises
    ``ValueError``: a blob was damaged, and the ZIP must not be handed out.
    """
    date_time = _EPOCH if timestamp is None else (
        timestamp.year, timestamp.month, timestamp.day,
        timestamp.hour, timestamp.minute, timestamp.second)
    rows: list[ManifestRow] = []
    taken: set[str] = set()
    with zipfile.ZipFile(target, "w") as archive:
        for entry in entries:
            name = _unique(_safe_name(entry.name), taken)
            compress = not name.lower().endswith(".pdf")  # PDFs are compressed already
            sha256, size = _copy_into(archive, _info(name, date_time, compress), entry)
            if entry.sha256 is not None and entry.sha256.lower() != sha256:
                raise ValueError(f"{entry.name}: SHA-256 is {sha256}, expected {entry.sha256}")
            rows.append(ManifestRow(name, sha256, size, entry.copy_number, entry.symbol,
                                    entry.title))
        manifest = {
            "format": MANIFEST_FORMAT,
            "packet": dict(manifest_extra or {}),
            "files": [asdict(row) for row in rows],
        }
        archive.writestr(_info("manifest.json", date_time, True),
                         json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["name", "sha256", "size", "copy_number", "symbol", "title"])
        for row in rows:
            writer.writerow(safe_row([row.name, row.sha256, row.size, row.copy_number,
                                      row.symbol, row.title]))
        archive.writestr(_info("manifest.csv", date_time, True),
                         text.getvalue().encode("utf-8-sig"))
    return rows


def build_zip(entries: Sequence[ZipEntry], manifest_extra: Mapping[str, str] | None = None
              ) -> bytes:
    """:func:`write_zip` into memory, for small packets and tests."""
    buffer = io.BytesIO()
    write_zip(buffer, entries, manifest_extra)
    return buffer.getvalue()
