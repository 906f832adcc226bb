"""One rule for every cell the service writes to CSV or XLSX: text is never run as a formula.

Names, titles, symbols, addresses and user agents come from people, some of them
outside the office. A spreadsheet program evaluates a cell beginning with ``=``,
``+``, ``-`` or ``@`` (also after leading spaces), or with a tab or carriage
return, as a formula (OWASP "CSV injection"); such a cell is written with a
leading apostrophe, so it is shown as the text it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_row", "spreadsheet_safe", "xlsx_text_row"]

#: First characters a spreadsheet program reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_STARTS = ("\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """The value as a cell should hold it: risky text gets a leading ``'``, the rest is as is."""
    if not isinstance(value, str):
        return value
    if value.startswith(_CONTROL_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """A CSV row with every cell made safe."""
    return [spreadsheet_safe(value) for value in values]


def xlsx_text_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """An XLSX row for a write-only sheet: text cells are made safe and typed as strings.

    openpyxl stores any string beginning with ``=`` as a formula; forcing the
    type keeps text text even if the rule above ever let one through.
    """
    from openpyxl.cell import WriteOnlyCell

    row: list[object] = []
    for value in values:
        value = spreadsheet_safe(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
