"""The receipt matrix as CSV and XLSX: one line per delegate and item, times in local time.

Cells that a spreadsheet would take for a formula (starting with ``=``, ``+``,
``-``, ``@``) are prefixed with an apostrophe, so an exported name cannot run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from .dashboard import Matrix, stage_of

HEADER_KEYS = ("delegate", "position", "symbol", "title", "state", "delivered", "downloaded",
               "opened", "pages_viewed", "pages", "acknowledged", "recalled")


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def export_lines(matrix: Matrix, zone: ZoneInfo, state_label: Callable[[str], str]
                 ) -> Iterator[list[object]]:
    """Every (delegate, item) pair of the rows shown, with what happened and when."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    for row in matrix.shown:
        for column, cell in zip(matrix.columns, row.cells, strict=True):
            if cell is None:
                continue
            yield [_safe(v) for v in (
                row.name, row.title, column.symbol, column.title, state_label(stage_of(cell)),
                when(cell.delivered_at), when(cell.downloaded_at), when(cell.opened_at),
                cell.pages_viewed, cell.page_count, when(cell.acknowledged_at),
                when(cell.recalled_at))]


def receipts_csv(matrix: Matrix, header: list[str], zone: ZoneInfo,
                 state_label: Callable[[str], str]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs show the Vietnamese names right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(export_lines(matrix, zone, state_label))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def receipts_xlsx(matrix: Matrix, header: list[str], zone: ZoneInfo,
                  state_label: Callable[[str], str], matrix_title: str,
                  details_title: str) -> bytes:
    """Two sheets: the matrix as the dashboard shows it, and the lines of the CSV."""
    book = Workbook(write_only=True)
    grid = book.create_sheet(matrix_title[:31])
    grid.append([header[0], header[1], *(c.symbol for c in matrix.columns)])
    for row in matrix.shown:
        grid.append([_safe(row.name), _safe(row.title),
                     *(state_label(stage_of(cell)) if cell else "" for cell in row.cells)])
    details = book.create_sheet(details_title[:31])
    details.append(header)
    for line in export_lines(matrix, zone, state_label):
        details.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
