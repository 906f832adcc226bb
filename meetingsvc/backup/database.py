"""The database's part of a backup: a consistent snapshot, its restore, and reading it back.

SQLite is copied with the online backup API (one read transaction, so writers keep
going in WAL mode); PostgreSQL with ``pg_dump`` as plain SQL, by the client whose major
version matches the server's. A snapshot is read back (the files it references, the
audit log and its checkpoints) without a server: the SQLite copy opened read-only, or
the dump's ``COPY`` blocks of those few tables loaded into an in-memory SQLite database
with the same models, so the audit chain is checked by the service that checks the live
one.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ..audit.models import AuditCheckpoint, AuditEvent
from ..documents.models import Blob
from ..extensions import Base
from ..models_common import UTCDateTime
from .manifest import BackupError, copy_hashed, fsync_path

__all__ = ["SQLITE_FILE", "DUMP_FILE", "Snapshot", "SnapshotFacts", "database_kind",
           "existing_tables", "opened", "read_facts", "restore_postgresql", "restore_sqlite",
           "snapshot_database", "sqlite_path"]

SQLITE_FILE = "meetingsvc.sqlite3"
DUMP_FILE = "meetingsvc.sql"
#: The tables a snapshot is read back for: the files it references and the audit log.
_READ_BACK = (Blob.__tablename__, AuditEvent.__tablename__, AuditCheckpoint.__tablename__)
_TOOL_TIMEOUT_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Snapshot:
    kind: str
    #: The file written in the snapshot's folder.
    file_name: str
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SnapshotFacts:
    """What a snapshot says about the rest of the backup."""

    #: Every stored file the database names: SHA-256 → size.
    blobs: dict[str, int]
    schema_revision: str | None
    audit_rows: int
    last_row_id: int | None
    last_row_hash: str | None
    #: Every signed checkpoint: (seq, payload, DER signature), in order.
    checkpoints: list[tuple[int, str, bytes]]


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Không sao lưu được cơ sở dữ liệu loại này: {url.split(':')[0]}.",
                      f"This kind of database cannot be backed up: {url.split(':')[0]}.")


def sqlite_path(url: str) -> Path:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or name == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.",
                          "An in-memory SQLite database cannot be backed up.")
    return Path(name)


def snapshot_database(url: str, folder: Path) -> Snapshot:
    """Write a consistent copy of the database into ``folder``; the service may keep writing."""
    if database_kind(url) == "sqlite":
        _sqlite_snapshot(sqlite_path(url), folder / SQLITE_FILE)
        return Snapshot("sqlite", SQLITE_FILE, {"sqlite": sqlite3.sqlite_version})
    server_major, server_version = _server_version(url)
    tool = _pg_tool("pg_dump", server_major)
    conninfo, env = _libpq(url)
    _run([tool, "--format=plain", "--no-owner", "--no-privileges", "--encoding=UTF8",
          "--file", str(folder / DUMP_FILE), "--dbname", conninfo], env, "pg_dump")
    return Snapshot("postgresql", DUMP_FILE, {"server_version": server_version,
                                              "pg_dump": _tool_version(tool)})


def _sqlite_snapshot(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"Không có tệp cơ sở dữ liệu {source}.",
                          f"There is no database file {source}.")
    reader = sqlite3.connect(source, timeout=60)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)  # every page in one step: one read transaction, one snapshot
        # A self-contained file: no -wal or -shm appears beside it when it is read.
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()
    os.chmod(target, 0o600)


def existing_tables(url: str) -> list[str]:
    """The tables the database holds now; an empty list for a database yet to be filled.

    A missing SQLite file is empty, and is not created by looking.
    """
    if database_kind(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            return [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        finally:
            connection.close()
    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore_sqlite(url: str, copy: Path) -> None:
    """Put the backed-up file in place of the (empty) database file, in one rename."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    incoming.unlink(missing_ok=True)
    copy_hashed(copy, incoming, 0o600)
    for leftover in (target.with_name(target.name + "-wal"),
                     target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)  # an empty database's journal, not this file's
    os.replace(incoming, target)
    fsync_path(target.parent)


def restore_postgresql(url: str, dump: Path) -> str:
    """Load a plain dump into the (empty) database in one transaction; the client's version."""
    server_major, _version = _server_version(url)
    tool = _pg_tool("psql", server_major)
    conninfo, env = _libpq(url)
    _run([tool, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
          "--output=/dev/null", "--file", str(dump), "--dbname", conninfo], env, "psql")
    return _tool_version(tool)


# --- PostgreSQL clients --------------------------------------------------------------


def _server_version(url: str) -> tuple[int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
    except SQLAlchemyError as error:
        raise BackupError(f"Không kết nối được PostgreSQL: {error}",
                          f"PostgreSQL cannot be reached: {error}") from None
    finally:
        engine.dispose()
    return number // 10000, version.split()[0]


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def _tool_version(path: str) -> str:
    return subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                          check=False).stdout.strip()


def _pg_tool(name: str, server_major: int) -> str:
    """The client of the server's major version, else the oldest newer one (Debian keeps
    each version in ``/usr/lib/postgresql/N/bin``); an older client cannot read the server."""
    found: dict[int, str] = {}
    for path in [shutil.which(name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))]:
        major = _tool_major(path) if path else None
        if major is not None and path is not None:
            found.setdefault(major, path)
    usable = sorted(major for major in found if major >= server_major)
    if not usable:
        have = ", ".join(f"{name} {major}" for major in sorted(found)) or f"không có {name}"
        raise BackupError(
            f"Cần {name} phiên bản {server_major} (máy chủ PostgreSQL {server_major}); hiện có: "
            f"{have}. Cài gói Debian postgresql-client-{server_major}.",
            f"{name} {server_major} is needed for PostgreSQL {server_major}; found: "
            f"{have.replace('không có', 'no')}. Install the Debian package "
            f"postgresql-client-{server_major}.")
    return found[usable[0]]


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, which goes to the tool in ``PGPASSWORD`` instead
    of its command line (visible to every user in ``ps``)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=_TOOL_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"{what} không chạy được: {error}",
                          f"{what} could not run: {error}") from None
    if done.returncode != 0:
        tail = done.stderr.strip()[-2000:]
        raise BackupError(f"{what} thất bại (mã {done.returncode}): {tail}",
                          f"{what} failed (status {done.returncode}): {tail}")


# --- reading a snapshot back ---------------------------------------------------------


@contextmanager
def opened(kind: str, path: Path) -> Iterator[Session]:
    """A read-only session on a backed-up database, without any server."""
    if kind == "sqlite":
        uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
        engine = create_engine("sqlite://", poolclass=StaticPool,
                               creator=lambda: sqlite3.connect(uri, uri=True))
    elif kind == "postgresql":
        engine = create_engine("sqlite://", poolclass=StaticPool)
    else:
        raise BackupError(f"Loại cơ sở dữ liệu không rõ: {kind}.",
                          f"Unknown kind of database: {kind}.")
    try:
        if kind == "postgresql":
            _load_dump(path, engine)
        with Session(engine) as session:
            yield session
    except (SQLAlchemyError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise BackupError(f"Không đọc được cơ sở dữ liệu trong bản sao lưu: {error}",
                          f"The backed-up database cannot be read: {error}") from None
    finally:
        engine.dispose()


def read_facts(session: Session) -> SnapshotFacts:
    blobs = {sha: size for sha, size in session.execute(select(Blob.sha256, Blob.size))}
    head = session.execute(select(AuditEvent.id, AuditEvent.row_hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    rows = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    checkpoints = [(seq, payload, bytes(signature)) for seq, payload, signature in
                   session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.payload,
                                          AuditCheckpoint.signature)
                                   .order_by(AuditCheckpoint.seq))]
    return SnapshotFacts(blobs, _schema_revision(session), rows,
                         head.id if head else None, head.row_hash if head else None, checkpoints)


def _schema_revision(session: Session) -> str | None:
    if not inspect(session.connection()).has_table("alembic_version"):
        return None
    return session.scalar(text("SELECT version_num FROM alembic_version"))


_COPY = re.compile(r'^COPY (?:"?[\w$]+"?\.)?"?([\w$]+)"? \((.*)\) FROM stdin;$')
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _load_dump(dump: Path, engine: Engine) -> None:
    """Load the read-back tables' ``COPY`` data of a plain dump into ``engine``."""
    tables = {name: Base.metadata.tables[name] for name in _READ_BACK}
    Base.metadata.create_all(engine, tables=list(tables.values()))
    with engine.begin() as connection, dump.open(encoding="utf-8") as lines:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        for line in lines:
            match = _COPY.match(line.rstrip("\n"))
            if match is None:
                continue
            name = match.group(1)
            columns = [column.strip().strip('"') for column in match.group(2).split(",")]
            rows = (_fields(raw) for raw in _copy_lines(lines))
            if name == "alembic_version":
                for row in rows:
                    connection.execute(text("INSERT INTO alembic_version VALUES (:v)"),
                                       {"v": row[columns.index("version_num")]})
            elif name in tables:
                table = tables[name]
                kept = [(i, table.c[c]) for i, c in enumerate(columns) if c in table.c]
                batch = [{column.name: _value(column.type, row[i]) for i, column in kept}
                         for row in rows]
                if batch:
                    connection.execute(table.insert(), batch)
            else:
                for _skipped in _copy_lines(lines):
                    pass


def _copy_lines(lines: IO[str]) -> Iterator[str]:
    """The lines of one ``COPY … FROM stdin`` block, up to its ``\\.`` line."""
    for line in lines:
        line = line.rstrip("\n")
        if line == "\\.":
            return
        yield line
    raise BackupError("Bản dump PostgreSQL bị cắt cụt (thiếu dòng kết thúc \\.).",
                      "The PostgreSQL dump is truncated (a COPY block has no \\. line).")


def _fields(line: str) -> list[str | None]:
    return [_unescape(part) for part in line.split("\t")]


def _unescape(field: str) -> str | None:
    """A field of PostgreSQL's COPY text format (``\\N`` is NULL, backslash escapes)."""
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        char = field[i]
        following = field[i + 1] if i + 1 < len(field) else ""
        if char != "\\":
            out.append(char)
            i += 1
        elif following in _ESCAPES:
            out.append(_ESCAPES[following])
            i += 2
        elif following and following in "01234567":
            digits = re.match(r"[0-7]{1,3}", field[i + 1:])
            assert digits is not None
            out.append(chr(int(digits.group(0), 8)))
            i += 1 + len(digits.group(0))
        elif following == "x" and re.match(r"[0-9A-Fa-f]", field[i + 2:i + 3]):
            digits = re.match(r"[0-9A-Fa-f]{1,2}", field[i + 2:])
            assert digits is not None
            out.append(chr(int(digits.group(0), 16)))
            i += 2 + len(digits.group(0))
        else:
            out.append(following)
            i += 2
    return "".join(out)


def _value(kind: Any, raw: str | None) -> Any:
    """A COPY text value as the Python value the column's type binds."""
    if raw is None:
        return None
    if isinstance(kind, UTCDateTime | DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(kind, LargeBinary):
        return bytes.fromhex(raw[2:]) if raw.startswith("\\x") else raw.encode("latin-1")
    if isinstance(kind, Boolean):
        return raw == "t"
    if isinstance(kind, Integer):
        return int(raw)
    return raw
