"""The evidence ZIP's CSV files and a delegate's ZIP manifest are safe to open in a
spreadsheet: names, titles, symbols and user agents never run as formulas."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import PASSWORD
from tests.hostile_cells import (
    NAME,
    SYMBOL,
    TITLE,
    USER_AGENTS,
    assert_escaped,
    csv_cells,
    download_with_hostile_user_agents,
    issue_hostile_meeting,
)


@pytest.fixture
def hostile(app, session, make_user, make_body, make_meeting):
    return issue_hostile_meeting(app, session, make_user, make_body, make_meeting)


def test_evidence_csv_files_escape_every_formula(app, client, auditor, hostile):
    client.post("/sign-in", data={"username": hostile.delegate.username, "password": PASSWORD})
    download_with_hostile_user_agents(client, hostile)
    client.post("/sign-out")
    client.post("/sign-in", data={"username": auditor.username, "password": PASSWORD})
    with client.post(f"/audit/meetings/{hostile.meeting.id}/evidence") as response:
        assert response.status_code == 200
        data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        tables = {name: archive.read(name).decode("utf-8-sig")
                  for name in archive.namelist() if name.endswith(".csv")}
    assert set(tables) >= {"manifest.csv", "delivery_events.csv", "audit_log_meeting.csv"}
    assert_escaped(csv_cells(tables["manifest.csv"]), NAME, TITLE, SYMBOL)
    assert_escaped(csv_cells(tables["delivery_events.csv"]), SYMBOL, *USER_AGENTS)
    assert_escaped(csv_cells(tables["audit_log_meeting.csv"]))


def test_a_delegates_zip_manifest_escapes_every_formula(client, hostile):
    client.post("/sign-in", data={"username": hostile.delegate.username, "password": PASSWORD})
    with client.get(f"/meetings/{hostile.meeting.id}/my/packet.zip") as response:
        assert response.status_code == 200
        data = response.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = archive.read("manifest.csv").decode("utf-8-sig")
    assert_escaped(csv_cells(manifest), TITLE, SYMBOL)
