"""written consultation of a body's members between sessions: questions tied to drafts, versioned answers, signed receipts and a signed result

Revision ID: 0012_consultation
Revises: 0011_attendance
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from meetingsvc.append_only import create_statements, drop_statements

revision = '0012_consultation'
down_revision = '0011_attendance'
branch_labels = None
depends_on = None

#: Each version of an answer is kept: the database refuses to change or delete one.
APPEND_ONLY = 'consultation_answer'


def upgrade() -> None:
    # A consultation rides on a meeting of kind 'consultation' (its drafts' container).
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='session',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_meeting_kind_known'),
                                         "kind IN ('session', 'consultation')")
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('pass_rule', sa.String(length=40), nullable=True),
    sa.Column('result_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_consultation_status_known')),
    sa.ForeignKeyConstraint(['body_id'], ['body.id'], name=op.f('fk_consultation_body_id_body')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_consultation_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_consultation_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_consultation_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_sha256'], ['blob.sha256'], name=op.f('fk_consultation_result_sha256_blob')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_consultation_meeting_id'))
    )
    op.create_table('consultation_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('position > 0', name=op.f('ck_consultation_question_position_positive')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_question_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_consultation_question_document_id_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_question')),
    sa.UniqueConstraint('consultation_id', 'position', name=op.f('uq_consultation_question_consultation_id_position'))
    )
    with op.batch_alter_table('consultation_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_question_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document_version_id', sa.Integer(), nullable=False),
    sa.Column('draft_sha256', sa.String(length=64), nullable=False),
    sa.CheckConstraint("choice <> 'other' OR comment IS NOT NULL", name=op.f('ck_consultation_answer_other_has_comment')),
    sa.CheckConstraint("choice IN ('agree', 'disagree', 'other')", name=op.f('ck_consultation_answer_choice_known')),
    sa.ForeignKeyConstraint(['document_version_id'], ['document_version.id'], name=op.f('fk_consultation_answer_document_version_id_document_version')),
    sa.ForeignKeyConstraint(['question_id'], ['consultation_question.id'], name=op.f('fk_consultation_answer_question_id_consultation_question')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_consultation_answer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answer'))
    )
    with op.batch_alter_table('consultation_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_answer_user_id'), ['user_id'], unique=False)

    op.create_table('consultation_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['consultation_answer.id'], name=op.f('fk_consultation_receipt_answer_id_consultation_answer')),
    sa.ForeignKeyConstraint(['sha256'], ['blob.sha256'], name=op.f('fk_consultation_receipt_sha256_blob')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_receipt')),
    sa.UniqueConstraint('answer_id', name=op.f('uq_consultation_receipt_answer_id'))
    )
    op.create_table('consultation_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_reminder_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_consultation_reminder_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_consultation_reminder_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_reminder'))
    )
    with op.batch_alter_table('consultation_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_reminder_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_reminder_delivered_at'), ['delivered_at'], unique=False)


    for statement in create_statements(APPEND_ONLY, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(APPEND_ONLY, op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('consultation_reminder')
    op.drop_table('consultation_receipt')
    op.drop_table('consultation_answer')
    op.drop_table('consultation_question')
    op.drop_table('consultation')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meeting_kind_known'), type_='check')
        batch_op.drop_column('kind')
