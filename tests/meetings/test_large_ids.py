"""An id beyond the database's integers in a URL is a page that does not exist (404), never
a server error: PostgreSQL would refuse the number in the query."""

from __future__ import annotations

import pytest

from meetingsvc.accounts.models import Role

HUGE = 2**31  # one past PostgreSQL's INTEGER


@pytest.mark.parametrize("path", [f"/meetings/{HUGE}", f"/meetings/1/documents/{HUGE}",
                                  f"/meetings/{HUGE}/receipts/",
                                  f"/api/v1/meetings/{HUGE}"])
def test_an_id_past_the_database_integers_is_not_found(client, sign_in, make_user, path):
    sign_in(make_user(Role.SECRETARIAT))
    assert client.get(path).status_code in (401, 404)  # the API asks for its key first
    assert client.get(path.replace(str(HUGE), str(HUGE - 1))).status_code in (401, 404)
