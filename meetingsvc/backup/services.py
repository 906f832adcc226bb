"""Make, check and restore a backup of one instance: database, stored files, PKI, checkpoints.

``create_backup`` takes the database's snapshot first and then copies every file that
snapshot references (files are never changed or deleted once stored, so the copy is
consistent with it), plus whatever else lies in the store. ``verify_backup`` checks every
hash, that nothing is missing or extra, and the audit chain inside the snapshot.
``restore_backup`` checks first, then fills an empty instance.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from signing import TrustSettings

from ..audit.services import Actor, AuditReport, record, verify_log
from ..documents.blobs import BlobStore
from ..issuance.keys import pki_dir, trust_settings
from ..models_common import utcnow
from .database import (
    existing_tables,
    opened,
    read_facts,
    restore_postgresql,
    restore_sqlite,
    snapshot_database,
)
from .manifest import (
    DATA_DIR,
    MANIFEST_NAME,
    PARTIAL_PREFIX,
    BackupError,
    FileEntry,
    Manifest,
    copy_hashed,
    file_mode,
    fsync_path,
    read_manifest,
    sha256_of,
    write_manifest,
)

__all__ = ["InstancePlaces", "Progress", "RestoreOutcome", "VerifyReport", "create_backup",
           "places_of", "record_backup", "record_restore", "restore_backup", "verify_backup"]

ROOT = Path(__file__).resolve().parents[2]
#: The tops of ``data/`` a manifest may name; anything else is refused before restoring.
_PARTS = ("database", "blobs", "pki", "checkpoints")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)

#: Told how far a long step is: (step, files done, files in the step).
Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class InstancePlaces:
    """Where an instance keeps what a backup holds."""

    instance_path: Path
    database_url: str
    blob_dir: Path
    pki_dir: Path


def places_of(config: Mapping[str, Any], instance_path: str) -> InstancePlaces:
    return InstancePlaces(Path(instance_path), config["DATABASE_URL"],
                          Path(config["BLOB_DIR"]), pki_dir(config, instance_path))


# --- create --------------------------------------------------------------------------


def create_backup(target: Path, places: InstancePlaces, *, progress: Progress = _quiet,
                  now: Callable[[], datetime] = utcnow) -> Manifest:
    """Back the instance up into ``target`` (absent or empty) while the service runs."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} đã có nội dung: hãy chọn thư mục mới hoặc trống.",
                          f"{target} is not empty: choose a new or empty folder.")
    started = now()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = target / f"{PARTIAL_PREFIX}{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    staging.mkdir(mode=0o700)
    try:
        manifest = _fill(staging, target, places, started, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a SIGKILL leaves it: verify refuses it
        raise
    write_manifest(target, manifest)
    return manifest


def _fill(staging: Path, target: Path, places: InstancePlaces, started: datetime,
          progress: Progress) -> Manifest:
    """Copy everything into ``staging``, rename it to ``target/data``; the manifest to write."""
    (staging / "database").mkdir(mode=0o700)
    progress("database", 0, 1)
    snapshot = snapshot_database(places.database_url, staging / "database")
    database_file = f"database/{snapshot.file_name}"
    os.chmod(staging / database_file, 0o600)  # pg_dump's file follows the umask
    fsync_path(staging / database_file)
    sha, size = sha256_of(staging / database_file)
    files = [FileEntry(database_file, sha, size, 0o600)]
    progress("database", 1, 1)

    with opened(snapshot.kind, staging / database_file) as session:
        facts = read_facts(session)
    files += _copy_blobs(places.blob_dir, facts.blobs, staging / "blobs", progress)
    files += _copy_pki(places.pki_dir, staging / "pki", progress)
    files += _write_checkpoints(facts.checkpoints, staging / "checkpoints")

    os.sync()  # every copy and folder on disk before the backup can look complete
    os.rename(staging, target / DATA_DIR)
    fsync_path(target)
    return Manifest(
        created_at=started.isoformat(timespec="seconds"), app_version=app_version(),
        schema_revision=facts.schema_revision, database_kind=snapshot.kind,
        database_file=database_file, database_details=snapshot.details,
        audit={"rows": facts.audit_rows, "last_row_id": facts.last_row_id,
               "last_row_hash": facts.last_row_hash, "checkpoints": len(facts.checkpoints)},
        files=sorted(files, key=lambda entry: entry.path))


def _stored_hashes(blob_dir: Path) -> Iterator[str]:
    """The SHA-256 of every file in the store's ``aa/bb/<sha256>`` layout (not ``staging``)."""
    for path in blob_dir.glob("??/??/*"):
        name = path.name
        if (_SHA256.fullmatch(name) and path.parent.name == name[2:4]
                and path.parent.parent.name == name[:2] and path.is_file()):
            yield name


def _copy_blobs(blob_dir: Path, referenced: dict[str, int], out: Path,
                progress: Progress) -> list[FileEntry]:
    store = BlobStore(blob_dir)
    stored = set(_stored_hashes(blob_dir)) if blob_dir.is_dir() else set()
    missing = sorted(set(referenced) - stored)
    if missing:
        raise BackupError(
            f"Kho tệp thiếu {len(missing)} tệp mà cơ sở dữ liệu cần, ví dụ {missing[0]}: "
            "kho đã hỏng, cần xử lý trước khi sao lưu.",
            f"The file store lacks {len(missing)} files the database references, e.g. "
            f"{missing[0]}: the store is damaged and must be repaired before a backup.")
    wanted = sorted(set(referenced) | stored)
    entries: list[FileEntry] = []
    for done, sha in enumerate(wanted, start=1):
        source = store.path_for(sha)
        relative = source.relative_to(blob_dir).as_posix()
        try:
            mode = file_mode(source)
            digest, size = copy_hashed(source, out / relative, mode, sync=False)
        except FileNotFoundError:
            if sha in referenced:
                raise
            continue  # gone since it was listed, and nothing references it
        if digest != sha or referenced.get(sha, size) != size:
            raise BackupError(
                f"Tệp {sha} trong kho đã hỏng (SHA-256 đọc được {digest}, {size} byte).",
                f"The stored file {sha} is damaged (its SHA-256 reads {digest}, {size} bytes).")
        entries.append(FileEntry(f"blobs/{relative}", sha, size, mode))
        progress("blobs", done, len(wanted))
    return entries


def _copy_pki(directory: Path, out: Path, progress: Progress) -> list[FileEntry]:
    """Every file of the PKI folder as stored (keys stay encrypted), with its mode."""
    if not directory.is_dir():
        return []
    sources = sorted(path for path in directory.rglob("*") if path.is_file())
    entries = []
    for done, source in enumerate(sources, start=1):
        relative = source.relative_to(directory).as_posix()
        mode = file_mode(source)
        digest, size = copy_hashed(source, out / relative, mode, sync=False)
        entries.append(FileEntry(f"pki/{relative}", digest, size, mode))
        progress("pki", done, len(sources))
    return entries


def _write_checkpoints(checkpoints: list[tuple[int, str, bytes]], out: Path) -> list[FileEntry]:
    """The signed checkpoints as files, as in an evidence export: ``openssl cms -verify``
    checks each ``NNNNNN.p7s`` over its ``NNNNNN.json`` without this service."""
    entries = []
    for seq, payload, signature in checkpoints:
        for name, data in ((f"{seq:06d}.json", payload.encode()), (f"{seq:06d}.p7s", signature)):
            entries.append(_write_new(out / name, data, f"checkpoints/{name}"))
    return entries


def _write_new(path: Path, data: bytes, relative: str) -> FileEntry:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return FileEntry(relative, hashlib.sha256(data).hexdigest(), len(data), 0o644)


def app_version() -> str:
    """The version in pyproject.toml, and the git commit when the code is a checkout."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    if (ROOT / ".git").exists():
        try:
            commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True, timeout=10, check=True)
            return f"{version} ({commit.stdout.strip()})"
        except (OSError, subprocess.SubprocessError):
            pass
    return str(version)


# --- verify --------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyReport:
    manifest: Manifest
    #: Every problem found, each in Vietnamese and English.
    problems: tuple[str, ...]
    #: The audit log inside the backup; ``None`` when its database could not be read.
    audit: AuditReport | None

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_backup(backup: Path, config: Mapping[str, Any], instance_path: str, *,
                  progress: Progress = _quiet) -> VerifyReport:
    """Check every file against the manifest, then the audit log inside the database.

    A backup whose making was interrupted has no manifest: ``BackupError`` says so.
    """
    manifest = read_manifest(backup)
    problems = [f"đường dẫn không hợp lệ / unsafe path in the manifest: {entry.path}"
                for entry in manifest.files if not _safe(entry.path)]
    if problems:
        return VerifyReport(manifest, tuple(problems), None)
    expected = {f"{DATA_DIR}/{entry.path}": entry for entry in manifest.files}
    present = set(_files_under(backup))
    problems += [f"tệp thừa / extra file: {name}"
                 for name in sorted(present - set(expected) - {MANIFEST_NAME})]
    damaged: set[str] = set()
    for done, (name, entry) in enumerate(sorted(expected.items()), start=1):
        if name not in present:
            problems.append(f"thiếu tệp / missing file: {name}")
            damaged.add(entry.path)
        else:
            sha, size = sha256_of(backup / name)
            if (sha, size) != (entry.sha256, entry.size):
                problems.append(f"tệp bị thay đổi / changed file: {name} (SHA-256 {sha}, "
                                f"{size} byte(s); manifest: {entry.sha256}, {entry.size})")
                damaged.add(entry.path)
        progress("verify", done, len(expected))
    if manifest.database_file in damaged or manifest.database_file not in {
            entry.path for entry in manifest.files}:
        problems.append("không kiểm tra được nhật ký kiểm tra / the audit log cannot be "
                        "checked: the database file is missing or changed")
        return VerifyReport(manifest, tuple(problems), None)
    data = backup / DATA_DIR
    trust = _trust(config, instance_path, data / "pki")
    with opened(manifest.database_kind, data / manifest.database_file) as session:
        facts = read_facts(session)
        audit = verify_log(session, trust)
    problems += _audit_problems(audit)
    problems += _snapshot_problems(manifest, facts)
    return VerifyReport(manifest, tuple(problems), audit)


def _safe(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return (len(parts) >= 2 and parts[0] in _PARTS and ".." not in parts
            and not path.startswith("/") and "\\" not in path)


def _files_under(backup: Path) -> Iterator[str]:
    """Every file and link under ``backup``, as a POSIX path relative to it."""
    for folder, dirs, names in os.walk(backup):
        for name in names + [d for d in dirs if (Path(folder) / d).is_symlink()]:
            yield (Path(folder) / name).relative_to(backup).as_posix()


def _trust(config: Mapping[str, Any], instance_path: str, backup_pki: Path) -> TrustSettings:
    """This instance's trust roots when it has any; an empty one (a restore) the backup's."""
    trust = trust_settings(config, instance_path)
    if trust.trust_roots or not backup_pki.is_dir():
        return trust
    return trust_settings({**config, "PKI_DIR": str(backup_pki)}, instance_path)


def _audit_problems(audit: AuditReport) -> list[str]:
    problems = []
    chain = audit.chain
    if not chain.intact:
        problems.append(f"nhật ký kiểm tra bị phá vỡ ở dòng {chain.first_broken_id} / the audit "
                        f"log is BROKEN at row {chain.first_broken_id}: {chain.reason}")
    problems += [f"điểm kiểm soát sai / checkpoint problem: {problem}"
                 for problem in audit.checkpoints.problems]
    return problems


def _snapshot_problems(manifest: Manifest, facts: Any) -> list[str]:
    """The database, the files and the manifest must tell the same story."""
    problems = []
    files = {entry.path: entry for entry in manifest.files}
    for sha, size in sorted(facts.blobs.items()):
        entry = files.get(f"blobs/{sha[:2]}/{sha[2:4]}/{sha}")
        if entry is None or entry.size != size:
            problems.append(f"thiếu tệp cơ sở dữ liệu cần / a file the database references is "
                            f"not in the backup: {sha}")
    for seq, payload, signature in facts.checkpoints:
        for name, data in ((f"{seq:06d}.json", payload.encode()), (f"{seq:06d}.p7s", signature)):
            entry = files.get(f"checkpoints/{name}")
            if entry is None or entry.sha256 != hashlib.sha256(data).hexdigest():
                problems.append(f"tệp điểm kiểm soát khác cơ sở dữ liệu / checkpoint file "
                                f"differs from the database: checkpoints/{name}")
    head = {"rows": facts.audit_rows, "last_row_id": facts.last_row_id,
            "last_row_hash": facts.last_row_hash, "checkpoints": len(facts.checkpoints)}
    if head != manifest.audit:
        problems.append(f"nhật ký trong cơ sở dữ liệu khác manifest / the database's audit log "
                        f"differs from the manifest: {head} != {manifest.audit}")
    return problems


# --- restore -------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreOutcome:
    manifest: Manifest
    blobs: int
    pki_files: int
    #: The ``psql`` that loaded a PostgreSQL dump.
    loader: str | None = None


def instance_contents(places: InstancePlaces) -> list[str]:
    """What the instance already holds, in words; empty for an instance ready to restore."""
    found = []
    tables = existing_tables(places.database_url)
    if tables:
        found.append(f"cơ sở dữ liệu có {len(tables)} bảng / the database has {len(tables)} "
                     f"tables ({', '.join(tables[:3])}…)")
    if places.blob_dir.is_dir() and any(path.is_file() for path in places.blob_dir.rglob("*")
                                        if "staging" not in path.parts):
        found.append(f"kho tệp có tệp / the file store has files: {places.blob_dir}")
    if places.pki_dir.is_dir() and any(path.is_file() for path in places.pki_dir.rglob("*")):
        found.append(f"thư mục PKI có tệp / the PKI folder has files: {places.pki_dir}")
    return found


def restore_backup(backup: Path, places: InstancePlaces, config: Mapping[str, Any],
                   engine: Engine, *, progress: Progress = _quiet) -> RestoreOutcome:
    """Verify ``backup``, then restore it into the instance, which must be empty.

    The database comes last, so a failure before it leaves an instance without data;
    the files this call wrote are then removed again.
    """
    occupied = instance_contents(places)
    if occupied:
        raise BackupError(
            "Không khôi phục vào instance đã có dữ liệu (" + "; ".join(occupied) + "). "
            "Hãy chỉ định instance trống bằng MEETINGSVC_INSTANCE_PATH.",
            "Refusing to restore into an instance that holds data (see above). Name an "
            "empty one with MEETINGSVC_INSTANCE_PATH.")
    report = verify_backup(backup, config, str(places.instance_path), progress=progress)
    if not report.intact:
        raise BackupError(
            "Bản sao lưu không qua kiểm tra, không khôi phục: " + "; ".join(report.problems[:5]),
            f"The backup fails verification ({len(report.problems)} problems); nothing "
            "was restored.")
    manifest = report.manifest
    _refuse_other_database(manifest, places.database_url)
    _refuse_unknown_schema(manifest.schema_revision)
    data = backup / DATA_DIR
    written: list[Path] = []
    try:
        blobs = _restore_files(manifest, "blobs", data, places.blob_dir, written, progress)
        pki = _restore_files(manifest, "pki", data, places.pki_dir, written, progress)
        os.sync()  # the files on disk before the database that names them
        progress("database", 0, 1)
        engine.dispose()  # no pooled connection may keep the empty database's file open
        loader = None
        if manifest.database_kind == "sqlite":
            restore_sqlite(places.database_url, data / manifest.database_file)
        else:
            loader = restore_postgresql(places.database_url, data / manifest.database_file)
        engine.dispose()
        progress("database", 1, 1)
    except BaseException:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise
    return RestoreOutcome(manifest, blobs, pki, loader)


def _refuse_other_database(manifest: Manifest, url: str) -> None:
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if manifest.database_kind != kind:
        raise BackupError(
            f"Bản sao lưu là của {manifest.database_kind}, instance dùng {kind}: không chuyển "
            "đổi được khi khôi phục.",
            f"The backup holds a {manifest.database_kind} database and the instance uses "
            f"{kind}: a restore does not convert between them.")


def _refuse_unknown_schema(revision: str | None) -> None:
    """A backup made by a newer version has a revision this code does not know."""
    if revision is None:
        return
    from ..migrate import MIGRATIONS_DIR

    known = {found.group(1) for path in (MIGRATIONS_DIR / "versions").glob("*.py")
             if (found := _REVISION.search(path.read_text(encoding="utf-8")))}
    if revision not in known:
        raise BackupError(
            f"Bản sao lưu có lược đồ {revision}, phiên bản phần mềm này không biết: hãy cài "
            "phiên bản đã tạo ra nó (hoặc mới hơn) rồi khôi phục.",
            f"The backup's schema is {revision}, which this version does not know: install "
            "the version that made it (or a newer one), then restore.")


def _restore_files(manifest: Manifest, top: str, data: Path, destination: Path,
                   written: list[Path], progress: Progress) -> int:
    entries = [entry for entry in manifest.files if entry.path.startswith(top + "/")]
    if entries:
        destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    for done, entry in enumerate(entries, start=1):
        target = destination / entry.path.removeprefix(top + "/")
        for folder in reversed(target.relative_to(destination).parents[:-1]):
            (destination / folder).mkdir(mode=0o700, exist_ok=True)
        incoming = target.with_name(target.name + ".restoring")
        written.append(incoming)
        sha, _size = copy_hashed(data / entry.path, incoming, entry.mode, sync=False)
        if sha != entry.sha256:
            raise BackupError(f"Tệp {entry.path} đổi trong lúc khôi phục.",
                              f"{entry.path} changed while it was restored.")
        os.replace(incoming, target)
        written.append(target)
        progress(top, done, len(entries))
    return len(entries)


# --- the audit log -------------------------------------------------------------------


def record_backup(session: Session, target: Path, manifest: Manifest, actor: Actor) -> None:
    """The live log records that everything, keys included, was copied out, and where."""
    record(session, "backup.created", actor, details=_summary(target, manifest))


def record_restore(session: Session, backup: Path, manifest: Manifest, actor: Actor) -> None:
    """The restored log's first new row says which backup it came from."""
    record(session, "backup.restored", actor, details=_summary(backup, manifest))


def _summary(backup: Path, manifest: Manifest) -> dict[str, Any]:
    """The backup named by its manifest's SHA-256 (``sha256sum manifest.json``), which
    names every file's hash in turn."""
    return {"file": str(backup), "sha256": sha256_of(backup / MANIFEST_NAME)[0],
            "backup_created_at": manifest.created_at, "files": len(manifest.files),
            "bytes": manifest.size, "database": manifest.database_kind,
            "schema": manifest.schema_revision, "audit_rows": manifest.audit.get("rows")}
