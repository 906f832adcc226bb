"""Extension objects, created without an application and bound in ``create_app``."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from celery import Celery
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

#: Stable constraint names, so Alembic revisions name the same things on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """One engine and one request-scoped session per application.

    A small stand-in for Flask-SQLAlchemy that uses SQLAlchemy 2 directly:
    ``db.session`` is scoped to the application context and removed at its end.
    """

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self._factory)

    def init_app(self, app: Flask, url: str, **engine_options: Any) -> None:
        if self._engine is not None:
            self.session.remove()
            self._engine.dispose()
        self._engine = create_engine(url, **engine_options)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine, "connect", _sqlite_pragmas)
            event.listen(self._engine, "before_cursor_execute", _sqlite_begin_before_writing)
        self._factory.configure(bind=self._engine)
        app.extensions["database"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the database is not configured: call init_app first")
        return self._engine

    def new_session(self) -> Session:
        """A session outside the request scope, for background work that owns its transaction."""
        return self._factory()


#: How long a statement waits for a lock SQLite holds (its busy timeout); a writer waiting
#: for the write lock warns after each such wait.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Busy timeouts a writer waits for the write lock in all; nothing is written before it is
#: held, so waiting again is safe.
SQLITE_BEGIN_ATTEMPTS = 3
#: How often a waiting writer tries for the write lock, in seconds: first, and at most
#: (doubling in between, so many waiting threads do not spin). SQLite's own busy handler
#: sleeps up to 100 ms between tries, so with many writers the lock sat free while they
#: all slept: 200 downloads at once queued for seconds behind commits of a few
#: milliseconds each (BENCHMARKS.md, downloads under load).
SQLITE_LOCK_POLL_SECONDS = (0.0005, 0.005)
#: Statements that make a SQLite transaction a writer (as pysqlite's own implicit BEGIN,
#: plus SAVEPOINT, which would otherwise open a deferred transaction).
_SQLITE_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's recipe for pysqlite transactions: pysqlite emits no BEGIN of its own
    # (its implicit BEGIN is deferred, and it came only after a request's first reads);
    # ``_sqlite_begin_before_writing`` and ``sqlite_begin_writing`` emit BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def sqlite_begin_writing(dbapi_connection: Any) -> None:
    """Make the connection's transaction a writer now, unless it already is.

    Every transaction on our SQLite engines begins with BEGIN IMMEDIATE, so one that
    is open already holds the write lock and reads the newest data. Before it, reads
    run on their own (each statement sees the newest commit, as under PostgreSQL's
    READ COMMITTED) and hold no lock: read-only requests never wait for writers. A
    writer tries for the lock every few milliseconds (``SQLITE_LOCK_POLL_SECONDS``), for up to
    ``SQLITE_BEGIN_ATTEMPTS`` busy timeouts; it never fails half-way for having read
    an older snapshot, which a deferred BEGIN could.
    """
    if dbapi_connection.in_transaction:
        return
    started = time.monotonic()
    warnings = 0
    pause, longest = SQLITE_LOCK_POLL_SECONDS
    dbapi_connection.execute("PRAGMA busy_timeout=0")  # the waiting is done here
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                waited_ms = (time.monotonic() - started) * 1000
                if ("locked" not in str(error)
                        or waited_ms >= SQLITE_BEGIN_ATTEMPTS * SQLITE_BUSY_TIMEOUT_MS):
                    raise
                if waited_ms >= (warnings + 1) * SQLITE_BUSY_TIMEOUT_MS:
                    warnings += 1
                    log.warning("SQLite write lock busy for %s ms: waiting again",
                                round(waited_ms))
                time.sleep(pause)
                pause = min(pause * 2, longest)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _sqlite_begin_before_writing(connection: Any, _cursor: Any, statement: str,
                                 *_args: Any) -> None:
    if statement.lstrip()[:9].upper().startswith(_SQLITE_WRITES):
        sqlite_begin_writing(connection.connection.dbapi_connection)


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: Runs issuance units as tasks when ``CELERY_BROKER_URL`` is set (see ``meetingsvc.jobs``).
celery_app = Celery("meetingsvc", set_as_current=False)
