"""Fixtures of the upload tests: an agenda item to upload to, as the secretariat."""

from __future__ import annotations

import pytest

from meetingsvc.accounts.models import Role
from meetingsvc.audit.services import Actor
from meetingsvc.meetings.services import add_agenda_item


@pytest.fixture
def item(session, make_user, make_body, make_meeting, sign_in):
    """An item of a Standing Committee meeting, the client signed in as the secretariat."""
    sign_in(make_user(Role.SECRETARIAT))
    meeting = make_meeting(make_body("btv", members=[make_user()]))
    item = add_agenda_item(session, meeting, "Dự thảo Nghị quyết", None, Actor())
    session.commit()
    return item
