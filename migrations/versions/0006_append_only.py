"""append-only: the audit chain refuses forks; audit and delivery rows refuse changes

Revision ID: 0006_append_only
Revises: 0005_recall_confidentiality
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from meetingsvc.append_only import APPEND_ONLY_TABLES, create_statements, drop_statements

revision = '0006_append_only'
down_revision = '0005_recall_confidentiality'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two rows linked to the same predecessor are a fork: the chain has one head.
    # A log that already forked must be examined (flask audit verify) before this runs.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('uq_audit_event_prev_hash', ['prev_hash'], unique=True)

    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in create_statements(table, dialect):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in drop_statements(table, dialect):
            op.execute(statement)
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS refuse_append_only_change()')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('uq_audit_event_prev_hash')
