"""comments on draft items before a session, and the minutes and conclusions issued after it

Revision ID: 0013_comments_minutes
Revises: 0012_consultation
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from meetingsvc.append_only import create_statements, drop_statements

revision = '0013_comments_minutes'
down_revision = '0012_consultation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comment_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('request', sa.String(length=1000), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                            name=op.f('fk_comment_call_agenda_item_id_agenda_item'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_comment_call_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'],
                            name=op.f('fk_comment_call_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_call')),
    sa.UniqueConstraint('agenda_item_id', name=op.f('uq_comment_call_agenda_item_id'))
    )
    with op.batch_alter_table('comment_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_call_meeting_id'), ['meeting_id'],
                              unique=False)

    op.create_table('draft_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_draft_comment_author_id_user_account')),
    sa.ForeignKeyConstraint(['call_id'], ['comment_call.id'],
                            name=op.f('fk_draft_comment_call_id_comment_call'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_comment'))
    )
    with op.batch_alter_table('draft_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_comment_author_id'), ['author_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_draft_comment_call_id'), ['call_id'], unique=False)

    op.create_table('comment_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_comment_revision_number_positive')),
    sa.ForeignKeyConstraint(['comment_id'], ['draft_comment.id'],
                            name=op.f('fk_comment_revision_comment_id_draft_comment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revision')),
    sa.UniqueConstraint('comment_id', 'number',
                        name=op.f('uq_comment_revision_comment_id_number'))
    )
    for statement in create_statements('comment_revision', op.get_bind().dialect.name):
        op.execute(statement)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phase', sa.String(length=20), server_default='papers',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_document_phase_known'),
                                         "phase IN ('papers', 'records')")


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_phase_known'), type_='check')
        batch_op.drop_column('phase')
    for statement in drop_statements('comment_revision', op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('comment_revision')
    with op.batch_alter_table('draft_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_comment_call_id'))
        batch_op.drop_index(batch_op.f('ix_draft_comment_author_id'))
    op.drop_table('draft_comment')
    with op.batch_alter_table('comment_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_call_meeting_id'))
    op.drop_table('comment_call')
