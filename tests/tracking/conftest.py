"""The issued meeting of the issuance tests, for the portal and the dashboard."""

from __future__ import annotations

import html
import re

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


def open_in_viewer(client, meeting_id: int, copy_id: int) -> None:
    """What the viewer does: load its page, then fetch the copy with the page's view ticket."""
    page = client.get(f"/meetings/{meeting_id}/my/copies/{copy_id}/view").get_data(as_text=True)
    url = re.search(r'data-file="([^"]+)"', page)
    assert url, "the viewer has no file URL"
    client.get(html.unescape(url.group(1))).close()
