"""The one escaping rule of every CSV and XLSX cell the service writes."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl import Workbook

from meetingsvc.exports_safe import safe_row, spreadsheet_safe, xlsx_text_row


@pytest.mark.parametrize("value", [
    "=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\tplain", "\rplain", "  =1", " \n+1",
    "\u00a0@x", '=HYPERLINK("http://evil","x")',
])
def test_text_a_spreadsheet_would_evaluate_gets_an_apostrophe(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", [
    "Nguyễn Văn An", "15-NQ/TU", "2026-11-21 08:00:00", "", " a=b", "'=already quoted",
    "a\t=b",
])
def test_ordinary_text_is_left_alone(value):
    assert spreadsheet_safe(value) == value


@pytest.mark.parametrize("value", [-2, 3.5, None, 0])
def test_numbers_and_empty_cells_are_left_alone(value):
    assert spreadsheet_safe(value) == value


def test_a_row_is_made_safe_cell_by_cell():
    assert safe_row(["=1", 2, "ba"]) == ["'=1", 2, "ba"]


def test_xlsx_text_cells_are_strings_and_numbers_stay_numbers():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(xlsx_text_row(sheet, ["=1+1", "ok", 7, None]))
    out = io.BytesIO()
    book.save(out)
    row = next(openpyxl.load_workbook(out).worksheets[0].iter_rows())
    assert [(c.value, c.data_type) for c in row[:3]] == [("'=1+1", "s"), ("ok", "s"), (7, "n")]
