"""With CSRF protection on, as in production: the viewer's reports and the buttons carry tokens."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.tracking.conftest import item_copy


@pytest.fixture
def app_config(app_config):
    return app_config | {"WTF_CSRF_ENABLED": True}


def token_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_reports_and_acknowledgements_need_the_page_s_token(client, session, prepared, issued):
    delegate = prepared.members[0]
    form = client.get("/sign-in").get_data(as_text=True)
    hidden = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post("/sign-in", data={"username": delegate.username, "password": PASSWORD,
                                  "csrf_token": hidden})
    copy = item_copy(session, delegate, prepared.documents["report"])
    base = f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}"
    token = token_of(client.get(f"{base}/view").get_data(as_text=True))

    assert client.post(f"{base}/pages", json={"pages": [1]}).status_code == 400
    assert client.post(f"{base}/pages", json={"pages": [1]},
                       headers={"X-CSRFToken": token}).status_code == 200
    assert client.post(f"{base}/pages", data={"pages": "2", "csrf_token": token}
                       ).status_code == 200  # the beacon sends the token in its form
    assert client.post(f"{base}/acknowledge").status_code == 400
    assert client.post(f"{base}/acknowledge", data={"csrf_token": token}).status_code == 302
