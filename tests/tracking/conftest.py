"""The issued meeting of the issuance tests, for the portal and the dashboard."""

from __future__ import annotations

from sqlalchemy import select

from meetingsvc.issuance.models import IssuedCopy
from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - reused fixtures


def item_copy(session, user, document) -> IssuedCopy:
    """The user's current copy of a document."""
    return session.scalar(select(IssuedCopy).where(
        IssuedCopy.user_id == user.id,
        IssuedCopy.document_version_id == document.current_version.id))


def packet_of(session, user) -> IssuedCopy:
    return session.scalar(select(IssuedCopy).where(IssuedCopy.user_id == user.id,
                                                   IssuedCopy.kind == "packet"))
