"""append-only: the audit chain refuses forks; audit and delivery rows refuse changes;
reminders are stored before they are mailed

Revision ID: 0006_append_only
Revises: 0005_recall_confidentiality
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
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

    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_reminder_delivered_at'), ['delivered_at'],
                              unique=False)
    # Reminders before this revision were mailed when they were written.
    op.execute("UPDATE reminder SET delivered_at = sent_at, attempts = 1")


def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_delivered_at'))
        for column in ('last_error', 'attempts', 'claimed_at', 'delivered_at', 'message_id',
                       'message'):
            batch_op.drop_column(column)

    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in drop_statements(table, dialect):
            op.execute(statement)
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS refuse_append_only_change()')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('uq_audit_event_prev_hash')
