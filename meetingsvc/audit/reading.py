"""Rows of the audit log as a reader sees them, for the auditor's log page and the API alike.

Each row keeps its details as recorded, the full names of the people it names, the
details in words (in the current language) and whether it still matches its own hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .log_labels import DetailItem, people_named, readable_details
from .models import AuditEvent
from .services import People, details_of, people_of, row_holds

__all__ = ["ReadRows", "read_rows"]


@dataclass(frozen=True)
class ReadRows:
    #: Row id → its details as recorded, empty values left out.
    raw: dict[int, dict[str, object]]
    people: People
    #: Row id → its details in words.
    details: dict[int, list[DetailItem]]
    #: Row id → whether the row still matches its hash.
    holds: dict[int, bool]


def read_rows(session: Session, rows: Sequence[AuditEvent]) -> ReadRows:
    """The rows' details, people and checks, looking every name up in one query."""
    raw = {row.id: details_of(row) for row in rows}
    people = people_of(session, rows, set().union(*(people_named(d) for d in raw.values())))
    return ReadRows(raw, people,
                    {row_id: readable_details(d, people.names) for row_id, d in raw.items()},
                    {row.id: row_holds(row) for row in rows})
