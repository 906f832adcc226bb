"""recall everywhere: recalled documents, packet rebuilds, published agendas, print hashes

Revision ID: 0005_recall_confidentiality
Revises: 0004_session_generation
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_recall_confidentiality'
down_revision = '0004_session_generation'
branch_labels = None
depends_on = None

LIVE = sa.text("recalled_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_published', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('issuance_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recalled_document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_issuance_job_recalled_document_id_document'),
                                    'document', ['recalled_document_id'], ['id'])

    with op.batch_alter_table('issued_copy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_issued_copy_printed_sha256'), ['printed_sha256'],
                              unique=False)
        # A delegate holds one live copy per series; a recalled one no longer counts.
        batch_op.drop_constraint('uq_issued_copy_series_user_id', type_='unique')
        batch_op.create_index('uq_issued_copy_live_series_user', ['series', 'user_id'],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    with op.batch_alter_table('issued_copy', schema=None) as batch_op:
        batch_op.drop_index('uq_issued_copy_live_series_user', sqlite_where=LIVE,
                            postgresql_where=LIVE)
        batch_op.create_unique_constraint('uq_issued_copy_series_user_id', ['series', 'user_id'])
        batch_op.drop_index(batch_op.f('ix_issued_copy_printed_sha256'))
        batch_op.drop_column('printed_at')
        batch_op.drop_column('printed_sha256')

    with op.batch_alter_table('issuance_job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_issuance_job_recalled_document_id_document'),
                                 type_='foreignkey')
        batch_op.drop_column('recalled_document_id')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('agenda_published')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('recalled_at')
