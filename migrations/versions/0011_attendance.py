"""attendance: each delegate's answer to an invitation (attending, absent with a reason,
a stand-in), its history, and presence on the day; reminders to answer; bodies that allow
a stand-in

Revision ID: 0011_attendance
Revises: 0010_issuance_mail
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_attendance'
down_revision = '0010_issuance_mail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_stand_in', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.create_table('attendance_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('stand_in_name', sa.String(length=200), nullable=True),
    sa.Column('stand_in_position', sa.String(length=200), nullable=True),
    sa.Column('stand_in_user_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("choice = 'attending' OR reason IS NOT NULL",
                       name=op.f('ck_attendance_answer_absence_has_reason')),
    sa.CheckConstraint("choice IN ('attending', 'absent')",
                       name=op.f('ck_attendance_answer_choice_known')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_attendance_answer_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stand_in_user_id'], ['user_account.id'],
                            name=op.f('fk_attendance_answer_stand_in_user_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_attendance_answer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_answer'))
    )
    with op.batch_alter_table('attendance_answer', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_answer_meeting_user',
                              ['meeting_id', 'user_id', 'id'], unique=False)
    op.create_table('attendance_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_attendance_presence_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_attendance_presence_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_attendance_presence_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_presence')),
    sa.UniqueConstraint('meeting_id', 'user_id',
                        name=op.f('uq_attendance_presence_meeting_id_user_id'))
    )
    op.create_table('attendance_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_attendance_reminder_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'],
                            name=op.f('fk_attendance_reminder_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_attendance_reminder_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_reminder'))
    )
    with op.batch_alter_table('attendance_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_reminder_delivered_at'),
                              ['delivered_at'], unique=False)
        batch_op.create_index('ix_attendance_reminder_meeting', ['meeting_id', 'user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendance_reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_reminder_meeting')
        batch_op.drop_index(batch_op.f('ix_attendance_reminder_delivered_at'))
    op.drop_table('attendance_reminder')
    op.drop_table('attendance_presence')
    with op.batch_alter_table('attendance_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_answer_meeting_user')
    op.drop_table('attendance_answer')
    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_column('allows_stand_in')
