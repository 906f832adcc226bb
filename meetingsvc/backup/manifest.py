"""A backup folder's layout and its manifest, and copying files with their hash checked.

A complete backup is a folder holding ``manifest.json`` and ``data/``, as a BagIt bag
holds its manifest and payload. ``create`` writes everything into ``.partial-…`` first,
renames that to ``data`` and writes the manifest last (fsync, atomic rename): a folder
without ``manifest.json`` is an interrupted backup, whatever else it holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DATA_DIR", "FORMAT", "MANIFEST_NAME", "PARTIAL_PREFIX", "BackupError", "FileEntry",
           "Manifest", "copy_hashed", "fsync_path", "read_manifest",
           "sha256_of", "write_manifest"]

FORMAT = "meetingsvc-backup/1"
MANIFEST_NAME = "manifest.json"
DATA_DIR = "data"
PARTIAL_PREFIX = ".partial-"
CHUNK_SIZE = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made, checked or restored; the message says why in both languages."""

    def __init__(self, vietnamese: str, english: str) -> None:
        super().__init__(f"{vietnamese}\n{english}")
        self.vietnamese = vietnamese
        self.english = english


@dataclass(frozen=True)
class FileEntry:
    """One file of ``data/``: its path there, SHA-256, size and permission bits."""

    path: str
    sha256: str
    size: int
    #: Permission bits as stored (``0o600`` for a key), restored as they were.
    mode: int = 0o644


@dataclass
class Manifest:
    """What a backup holds and where it came from; written last, it marks the backup complete."""

    created_at: str
    app_version: str
    #: The Alembic revision of the database; ``None`` for a schema made without Alembic.
    schema_revision: str | None
    #: ``sqlite`` or ``postgresql``.
    database_kind: str
    #: The database's file inside ``data/``: a SQLite file or a plain-SQL ``pg_dump``.
    database_file: str
    #: PostgreSQL: the server's version and the ``pg_dump`` that read it.
    database_details: dict[str, str] = field(default_factory=dict)
    #: The audit log at the snapshot: rows, last row id and hash, checkpoints.
    audit: dict[str, Any] = field(default_factory=dict)
    files: list[FileEntry] = field(default_factory=list)
    format: str = FORMAT

    def count(self, top: str) -> int:
        """How many files lie under ``top`` (``blobs``, ``pki``, ``checkpoints``)."""
        return sum(1 for entry in self.files if entry.path.startswith(top + "/"))

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.files)


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_hashed(source: Path, target: Path, mode: int = 0o644, *,
                sync: bool = True) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (a new file), hashing what was written; fsync it unless
    the caller makes many copies and syncs them at once (``os.sync``: one flush, not one
    journal commit a file).

    The hash is of the bytes written, read once: a file changed while it was read cannot
    pass for the file its name or the manifest promises.
    """
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
        while chunk := reader.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        if sync:
            os.fsync(writer.fileno())
    os.chmod(target, mode)  # the umask may have narrowed it
    return digest.hexdigest(), size


def fsync_path(path: Path) -> None:
    """fsync a file's content or a folder's entries (names added, renamed)."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_manifest(backup: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically; after this the backup is complete."""
    data = asdict(manifest)
    data["files"] = [dict(asdict(entry), mode=f"{entry.mode:04o}") for entry in manifest.files]
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    partial = backup / (MANIFEST_NAME + ".partial")
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    final = backup / MANIFEST_NAME
    os.replace(partial, final)
    fsync_path(backup)
    return final


def read_manifest(backup: Path) -> Manifest:
    """The backup's manifest; a folder without one is an interrupted backup or none at all."""
    if not backup.is_dir():
        raise BackupError(f"Không có thư mục sao lưu {backup}.",
                          f"There is no backup folder {backup}.")
    path = backup / MANIFEST_NAME
    if not path.is_file():
        leftovers = sorted(p.name for p in backup.iterdir())
        if leftovers:
            raise BackupError(
                f"Bản sao lưu {backup} CHƯA HOÀN TẤT: việc tạo đã bị ngắt giữa chừng (không có "
                f"{MANIFEST_NAME}; có {', '.join(leftovers[:5])}). Không được dùng bản này; "
                "hãy xóa nó và tạo bản mới.",
                f"The backup {backup} is INCOMPLETE: making it was interrupted (no "
                f"{MANIFEST_NAME}; found {', '.join(leftovers[:5])}). It must not be used; "
                "delete it and make a new one.")
        raise BackupError(f"{backup} không phải bản sao lưu (thư mục trống).",
                          f"{backup} is not a backup (the folder is empty).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT!r}")
        files = [FileEntry(str(f["path"]), str(f["sha256"]), int(f["size"]), int(f["mode"], 8))
                 for f in data.pop("files")]
        return Manifest(**data, files=files)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"Tệp {path} hỏng hoặc không đọc được: {error}.",
                          f"{path} is damaged or unreadable: {error}.") from None
