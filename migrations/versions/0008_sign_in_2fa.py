"""sign-in without lock-outs, and a second factor: failures counted per account-and-address,
per address and per account; TOTP secrets and one-time recovery codes

Revision ID: 0008_sign_in_2fa
Revises: 0007_archive_renewal
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_sign_in_2fa'
down_revision = '0007_archive_renewal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The counters are short-lived and their keys change meaning: start them afresh.
    op.drop_table('sign_in_throttle')
    op.create_table('sign_in_throttle',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.Column('address', sa.String(length=100), nullable=True),
    sa.Column('factor', sa.String(length=20), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("scope IN ('account_address', 'address', 'account')",
                       name=op.f('ck_sign_in_throttle_scope_known')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle'))
    )
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_username'), ['username'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_blocked_until'), ['blocked_until'],
                              unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_counter', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True),
                                      nullable=True))

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_recovery_code_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_recovery_code_user_id_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_last_counter')
        batch_op.drop_column('totp_secret')

    op.drop_table('sign_in_throttle')
    op.create_table('sign_in_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle'))
    )
