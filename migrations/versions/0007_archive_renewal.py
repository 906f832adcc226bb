"""archive renewal: passes of archive-timestamp renewal and the file versions of copies

Revision ID: 0007_archive_renewal
Revises: 0006_append_only
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_archive_renewal'
down_revision = '0006_append_only'
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_table(
        'archive_renewal_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('horizon', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('running', 'completed')",
                           name=op.f('ck_archive_renewal_run_status_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_renewal_run')),
    )
    with op.batch_alter_table('archive_renewal_run', schema=None) as batch_op:
        batch_op.create_index('uq_archive_renewal_run_running', ['status'], unique=True,
                              sqlite_where=RUNNING, postgresql_where=RUNNING)

    op.create_table(
        'copy_file_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('copy_id', sa.Integer(), nullable=False),
        sa.Column('blob_sha256', sa.String(length=64), nullable=False),
        sa.Column('previous_sha256', sa.String(length=64), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['blob_sha256'], ['blob.sha256'],
                                name=op.f('fk_copy_file_version_blob_sha256_blob')),
        sa.ForeignKeyConstraint(['copy_id'], ['issued_copy.id'],
                                name=op.f('fk_copy_file_version_copy_id_issued_copy')),
        sa.ForeignKeyConstraint(['previous_sha256'], ['blob.sha256'],
                                name=op.f('fk_copy_file_version_previous_sha256_blob')),
        sa.ForeignKeyConstraint(['run_id'], ['archive_renewal_run.id'],
                                name=op.f('fk_copy_file_version_run_id_archive_renewal_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_copy_file_version')),
        sa.UniqueConstraint('run_id', 'copy_id',
                            name=op.f('uq_copy_file_version_run_id_copy_id')),
    )
    with op.batch_alter_table('copy_file_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_copy_file_version_blob_sha256'), ['blob_sha256'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_copy_file_version_copy_id'), ['copy_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_copy_file_version_previous_sha256'),
                              ['previous_sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('copy_file_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_copy_file_version_previous_sha256'))
        batch_op.drop_index(batch_op.f('ix_copy_file_version_copy_id'))
        batch_op.drop_index(batch_op.f('ix_copy_file_version_blob_sha256'))
    op.drop_table('copy_file_version')
    with op.batch_alter_table('archive_renewal_run', schema=None) as batch_op:
        batch_op.drop_index('uq_archive_renewal_run_running', sqlite_where=RUNNING,
                            postgresql_where=RUNNING)
    op.drop_table('archive_renewal_run')
