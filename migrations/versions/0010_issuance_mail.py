"""issuance notices: the e-mail telling a delegate that a job issued them papers, one per
job and delegate

Revision ID: 0010_issuance_mail
Revises: 0009_account_admin
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_issuance_mail'
down_revision = '0009_account_admin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issuance_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_documents', sa.Integer(), nullable=False),
    sa.Column('new_versions', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['issuance_job.id'],
                            name=op.f('fk_issuance_notice_job_id_issuance_job')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_issuance_notice_meeting_id_meeting')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_issuance_notice_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issuance_notice')),
    sa.UniqueConstraint('job_id', 'user_id', name=op.f('uq_issuance_notice_job_id_user_id'))
    )
    with op.batch_alter_table('issuance_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issuance_notice_delivered_at'), ['delivered_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_issuance_notice_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issuance_notice_meeting_id'), ['meeting_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('issuance_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issuance_notice_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_issuance_notice_job_id'))
        batch_op.drop_index(batch_op.f('ix_issuance_notice_delivered_at'))
    op.drop_table('issuance_notice')
