"""attendance: each delegate's answer to an invitation (attending, absent with a reason, a stand-in), its history, and presence on the day

Revision ID: 0011_attendance
Revises: 0010_issuance_mail
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once the tables are written
from alembic import op  # noqa: F401

revision = '0011_attendance'
down_revision = '0010_issuance_mail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
