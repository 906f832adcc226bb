"""A meeting whose people and papers carry spreadsheet formulas, for the export tests.

A spreadsheet program evaluates a cell beginning with ``=``, ``+``, ``-``, ``@``
(also after leading spaces), a tab or a carriage return; every export must
write such text with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from meetingsvc.accounts.models import User
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import ACTOR, POLICY, add_document

NAME = '=HYPERLINK("http://evil","x")'
POSITION = "  -1+1"  # behind leading spaces
TITLE = "+SUM(1+1)"
SYMBOL = "@cmd"
USER_AGENTS = ("-2+3", "\t=cmd|' /C calc'!A0")


@dataclass
class HostileIssue:
    meeting: Meeting
    delegate: User
    copy: IssuedCopy


def issue_hostile_meeting(app, session, make_user, make_body, make_meeting) -> HostileIssue:
    """One delegate named like a formula, one document titled and numbered like one, issued."""
    from meetingsvc.demo.pdfs import render_generic_pdf
    from meetingsvc.issuance.planning import start_issuance
    from meetingsvc.issuance.runner import run_units_inline

    delegate = make_user(username="hostile", full_name=NAME, title=POSITION)
    body = make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", [delegate])
    meeting = make_meeting(body, "Hội nghị Ban Chấp hành lần thứ 12")
    pdf = render_generic_pdf("Báo cáo", pages=1, seed=1)
    add_document(app, session, meeting, TITLE, pdf, symbol=SYMBOL)
    session.commit()
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    copy = session.scalar(select(IssuedCopy).where(IssuedCopy.user_id == delegate.id,
                                                   IssuedCopy.kind == "item"))
    assert copy is not None and copy.blob_sha256
    return HostileIssue(meeting, delegate, copy)


def download_with_hostile_user_agents(client, issue: HostileIssue) -> None:
    """The delegate downloads the copy from browsers whose user agents are formulas.

    Each browser signs in itself: a session is bound to the browser it began in."""
    from tests.conftest import PASSWORD

    for agent in USER_AGENTS:
        client.post("/sign-in", headers={"User-Agent": agent},
                    data={"username": issue.delegate.username, "password": PASSWORD})
        with client.get(f"/meetings/{issue.meeting.id}/my/copies/{issue.copy.id}.pdf",
                        headers={"User-Agent": agent}) as response:
            assert response.status_code == 200


def is_risky(cell: str) -> bool:
    return cell.startswith(("\t", "\r")) or cell.lstrip().startswith(("=", "+", "-", "@"))


def csv_cells(data: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


def assert_escaped(cells: list[str], *expected: str) -> None:
    """No cell would run as a formula, and each hostile value is there behind an apostrophe."""
    assert [c for c in cells if is_risky(c)] == []
    for value in expected:
        assert "'" + value in cells, value
