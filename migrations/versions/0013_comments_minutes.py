"""comments on draft items before a session, and the minutes and conclusions issued after it

Revision ID: 0013_comments_minutes
Revises: 0012_consultation
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401 - used once the tables are written
from alembic import op  # noqa: F401

revision = '0013_comments_minutes'
down_revision = '0012_consultation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
