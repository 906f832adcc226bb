"""Doing what an attacker with the database's owner rights could: switch off the
append-only triggers, so tests can alter rows and prove the audit checks notice."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from meetingsvc.append_only import APPEND_ONLY_TABLES, drop_statements


def allow_tampering(session: Session, *tables: str) -> None:
    """Remove (SQLite) or disable (PostgreSQL) the triggers that keep ``tables``
    append-only, in the session's transaction; ``_empty_postgres`` enables them again."""
    dialect = session.get_bind().dialect.name
    for table in tables or APPEND_ONLY_TABLES:
        if dialect == "postgresql":
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for statement in drop_statements(table, dialect):
                session.execute(text(statement))
