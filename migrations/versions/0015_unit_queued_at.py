"""when each issuance unit was last put in the queue (a job started, a failure retried)

The job page tells the secretariat that no signing worker is taking a job's work
when none has held or finished one of its units for a while since then.

Revision ID: 0015_unit_queued_at
Revises: 0014_api_tokens
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_unit_queued_at'
down_revision = '0014_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issuance_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issuance_unit', schema=None) as batch_op:
        batch_op.drop_column('queued_at')
