"""The receipt matrix as CSV and XLSX: one line per delegate and item, times in local time.

Every cell follows the service's one rule (:mod:`meetingsvc.exports_safe`): text a
spreadsheet would take for a formula is prefixed with an apostrophe, so an exported
name cannot run; XLSX text cells are typed as strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from ..exports_safe import safe_row, xlsx_text_row
from .dashboard import Matrix, stage_of


def export_lines(matrix: Matrix, zone: ZoneInfo, state_label: Callable[[str], str]
                 ) -> Iterator[list[object]]:
    """Every (delegate, item) pair of the rows shown, with what happened and when."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    for row in matrix.shown:
        for column, cell in zip(matrix.columns, row.cells, strict=True):
            if cell is None:
                continue
            yield [
                row.name, row.title, column.symbol, column.title, state_label(stage_of(cell)),
                when(cell.delivered_at), when(cell.downloaded_at), when(cell.opened_at),
                cell.pages_viewed, cell.page_count, when(cell.acknowledged_at),
                when(cell.recalled_at)]


def receipts_csv(matrix: Matrix, header: list[str], zone: ZoneInfo,
                 state_label: Callable[[str], str]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs show the Vietnamese names right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(line) for line in export_lines(matrix, zone, state_label))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def receipts_xlsx(matrix: Matrix, header: list[str], zone: ZoneInfo,
                  state_label: Callable[[str], str], matrix_title: str,
                  details_title: str) -> bytes:
    """Two sheets: the matrix as the dashboard shows it, and the lines of the CSV."""
    book = Workbook(write_only=True)
    grid = book.create_sheet(matrix_title[:31])
    grid.append(xlsx_text_row(grid, [header[0], header[1], *(c.symbol for c in matrix.columns)]))
    for row in matrix.shown:
        grid.append(xlsx_text_row(grid, [
            row.name, row.title,
            *(state_label(stage_of(cell)) if cell else "" for cell in row.cells)]))
    details = book.create_sheet(details_title[:31])
    details.append(xlsx_text_row(details, header))
    for line in export_lines(matrix, zone, state_label):
        details.append(xlsx_text_row(details, line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
