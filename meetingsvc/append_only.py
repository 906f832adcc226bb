"""Tables whose rows are only ever appended, held so by the database itself.

Triggers refuse every UPDATE and DELETE of a row, whoever connects: the ORM, a
raw SQL session, another program. The same statements build the triggers in
``create_all()`` (attached to each table below) and in the Alembic revision
``0006_append_only``, so both paths give the same schema.

Removing a trigger takes the rights of the tables' owner and shows in the
schema; the audit chain and its signed checkpoints still reveal what such a
person changes.
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

__all__ = ["APPEND_ONLY_TABLES", "create_statements", "drop_statements", "guard"]

#: Every table the database keeps append-only.
APPEND_ONLY_TABLES = ("audit_event", "delivery_event")

#: PostgreSQL: one function serves every append-only table's triggers.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused';
END
$$
"""

_VERBS = ("UPDATE", "DELETE")


def _trigger_name(table: str, verb: str) -> str:
    return f"{table}_no_{verb.lower()}"


def create_statements(table: str, dialect: str) -> list[str]:
    """The statements that make ``table`` append-only on ``dialect``."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {_trigger_name(table, verb)} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                for verb in _VERBS]
    if dialect == "postgresql":
        return [_PG_FUNCTION.strip()] + [
            f"CREATE TRIGGER {_trigger_name(table, verb)} BEFORE {verb} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()"
            for verb in _VERBS]
    return []


def drop_statements(table: str, dialect: str) -> list[str]:
    """The statements that undo ``create_statements`` (the shared function stays)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {_trigger_name(table, verb)}" for verb in _VERBS]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_trigger_name(table, verb)} ON {table}"
                for verb in _VERBS]
    return []


def guard(table: Table) -> None:
    """Have ``create_all()`` make ``table`` append-only right after creating it."""
    for dialect in ("sqlite", "postgresql"):
        for statement in create_statements(table.name, dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
