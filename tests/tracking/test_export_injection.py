"""The receipts exports are safe to open: no delegate name, title or symbol runs as a formula."""

from __future__ import annotations

import io

import openpyxl
import pytest

from meetingsvc.accounts.models import Role
from tests.hostile_cells import (
    NAME,
    POSITION,
    SYMBOL,
    TITLE,
    assert_escaped,
    csv_cells,
    issue_hostile_meeting,
)


@pytest.fixture
def hostile(app, session, make_user, make_body, make_meeting):
    return issue_hostile_meeting(app, session, make_user, make_body, make_meeting)


def test_receipts_csv_escapes_every_formula(client, sign_in, make_user, hostile):
    sign_in(make_user(Role.SECRETARIAT))
    response = client.get(f"/meetings/{hostile.meeting.id}/receipts/receipts.csv")
    assert response.status_code == 200
    cells = csv_cells(response.data.decode("utf-8-sig"))
    assert_escaped(cells, NAME, POSITION, TITLE, SYMBOL)


def test_receipts_xlsx_holds_text_never_formulas(client, sign_in, make_user, hostile):
    sign_in(make_user(Role.SECRETARIAT))
    response = client.get(f"/meetings/{hostile.meeting.id}/receipts/receipts.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert_escaped(texts, NAME, POSITION, TITLE, SYMBOL)
    # The matrix sheet's header names the document by its symbol, escaped too.
    assert "'" + SYMBOL in [c.value for c in book.worksheets[0][1]]
