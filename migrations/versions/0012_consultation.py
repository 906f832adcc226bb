"""written consultation of a body's members between sessions: questions tied to drafts, versioned answers, signed receipts and a signed result

Revision ID: 0012_consultation
Revises: 0011_attendance
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once the tables are written
from alembic import op  # noqa: F401

revision = '0012_consultation'
down_revision = '0011_attendance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
