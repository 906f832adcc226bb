"""The receipts page's tiles, chart, column and row totals all count the same cells.

The tiles are computed here from the matrix cells alone, as a reader of the printed
matrix would count them, and compared with every figure the page shows: with MẬT
copies read on screen, paper copies printed, handed over and returned, a recalled
document and a document replaced by a newer version.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from meetingsvc.accounts.models import Role
from meetingsvc.audit.services import Actor
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.documents.vocabulary import Confidentiality
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.recall import (
    recall_document,
    record_handover,
    record_print,
    record_return,
)
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.tracking.models import EventKind
from meetingsvc.tracking.services import Visitor, acknowledge_copy, record_event
from tests.issuance.conftest import ACTOR, POLICY, add_document
from tests.tracking.conftest import item_copy

ELECTRONIC = {"delivered", "downloaded", "opened", "acknowledged"}
READ = {"downloaded", "opened", "acknowledged"}
PAPER = {"paper_pending", "paper", "paper_returned"}
HANDED_OVER = {"paper", "paper_returned"}


def visitor(user) -> Visitor:
    return Visitor(Actor(user_id=user.id, username=user.username), "pytest")


@pytest.fixture
def busy_meeting(app, session, prepared, issued):
    """Every kind of cell: read, downloaded, acknowledged, MẬT opened, paper at each step,
    a recalled document and a report replaced by version 2 after one was acknowledged."""
    from meetingsvc.demo.pdfs import render_generic_pdf

    first, second, third = prepared.members[:3]
    docs = prepared.documents
    record_event(session, item_copy(session, first, docs["report"]), EventKind.OPENED,
                 visitor(first))
    acknowledge_copy(session, item_copy(session, first, docs["report"]), visitor(first))
    secret = item_copy(session, first, docs["secret"])  # MẬT: read on screen only
    record_event(session, secret, EventKind.OPENED, visitor(first))
    acknowledge_copy(session, secret, visitor(first))
    record_event(session, item_copy(session, second, docs["secret"]), EventKind.OPENED,
                 visitor(second))
    acknowledge_copy(session, item_copy(session, third, docs["programme"]), visitor(third))
    for user, steps in ((first, 2), (second, 1)):  # TỐI MẬT for the Standing Committee
        paper = item_copy(session, user, docs["btv_only"])
        record_print(session, paper, "0" * 64, ACTOR)
        record_handover(session, paper, ACTOR)
        if steps == 2:
            record_return(session, paper, ACTOR)
    session.commit()
    # The report gets a version 2: first's acknowledged copy is replaced, not counted.
    add_version(session, BlobStore(Path(app.config["BLOB_DIR"])), docs["report"],
                Upload(io.BytesIO(render_generic_pdf("Báo cáo sửa", pages=2, seed=5)),
                       "v2.pdf", 10**7), ACTOR)
    # And a TUYỆT MẬT document for every member: five paper copies not yet handed over.
    add_document(app, session, prepared.meeting, "Đề án nhân sự",
                 render_generic_pdf("Đề án", pages=1, seed=6), symbol="05-ĐA/TU",
                 confidentiality=Confidentiality.TUYET_MAT)
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    record_event(session, item_copy(session, second, docs["report"]),
                 EventKind.DOWNLOADED, visitor(second))
    session.commit()
    recall_document(session, docs["programme"], ACTOR)
    session.commit()
    run_units_inline(app)
    return prepared


def matrix_cells(page: str) -> dict[int, list[str]]:
    """User id → the stage of each cell of their row, in column order."""
    rows = {}
    for user, body in re.findall(r'<tr data-user="(\d+)">(.*?)</tr>', page, re.S):
        rows[int(user)] = re.findall(r'<td class="c [^"]*"[^>]*data-stage="(\w+)"', body)
    return rows


def shown(page: str, key: str) -> str:
    return re.search(rf'data-total="{key}">([^<]*)<', page).group(1)


def header_totals(page: str) -> list[dict[str, tuple[int, int]]]:
    """Per column, mark → (count, of), as the column headers print them."""
    heads = re.findall(r'<th class="item".*?</th>', page, re.S)
    return [{mark: (int(a), int(b)) for mark, a, b in re.findall(r"([◉✓▣]) (\d+)/(\d+)", h)}
            for h in heads]


def test_tiles_chart_columns_and_rows_count_the_matrix_cells(client, sign_in, make_user,
                                                              busy_meeting):
    prepared = busy_meeting
    sign_in(make_user(Role.SECRETARIAT))
    page = client.get(f"/meetings/{prepared.meeting.id}/receipts/").get_data(as_text=True)
    rows = matrix_cells(page)
    assert len(rows) == 6  # five members and the guest
    cells = [stage for row in rows.values() for stage in row]
    count = Counter(cells)
    # Every state occurs, so every rule below is exercised.
    assert {"delivered", "downloaded", "opened", "acknowledged", "paper_pending", "paper",
            "paper_returned", "recalled", "none"} <= set(count), count

    electronic = sum(count[s] for s in ELECTRONIC)
    opened = sum(count[s] for s in READ)
    paper = sum(count[s] for s in PAPER)
    handed = sum(count[s] for s in HANDED_OVER)
    done = sum(1 for row in rows.values()
               if any(s in ELECTRONIC for s in row)
               and all(s == "acknowledged" for s in row if s in ELECTRONIC))

    assert shown(page, "opened") == f"{opened}/{electronic}"
    assert shown(page, "acknowledged") == f"{count['acknowledged']}/{electronic}"
    assert shown(page, "handed_over") == f"{handed}/{paper}"
    assert shown(page, "returned") == f"{count['paper_returned']}/{paper}"
    assert shown(page, "recalled") == str(count["recalled"])
    assert shown(page, "delegates_done") == f"{done}/6"

    figure = re.search(r'<figure class="chart"[^>]*>', page)
    assert figure, "no chart"
    chart = dict(re.findall(r'data-(\w+)="(\d+)"', figure.group(0)))
    assert (int(chart["total"]), int(chart["opened"]), int(chart["acknowledged"])) == (
        electronic, opened, count["acknowledged"])

    columns = header_totals(page)
    by_column = list(zip(*rows.values(), strict=True))
    assert len(columns) == len(by_column)
    for heads, stages in zip(columns, by_column, strict=True):
        column_electronic = sum(s in ELECTRONIC for s in stages)
        if "◉" in heads:
            assert heads["◉"] == (sum(s in READ for s in stages), column_electronic)
            assert heads["✓"] == (stages.count("acknowledged"), column_electronic)
        if any(s in PAPER for s in stages):
            assert heads["▣"] == (sum(s in HANDED_OVER for s in stages),
                                  sum(s in PAPER for s in stages))
    assert sum(h.get("◉", (0, 0))[0] for h in columns) == opened
    assert sum(h.get("◉", (0, 0))[1] for h in columns) == electronic

    for user, opened_row, ack_row, of in re.findall(
            r'<tr data-user="(\d+)">.*?<td class="row-total" data-opened="(\d+)" '
            r'data-acknowledged="(\d+)" data-electronic="(\d+)"', page, re.S):
        row = rows[int(user)]
        assert (int(opened_row), int(ack_row), int(of)) == (
            sum(s in READ for s in row), row.count("acknowledged"),
            sum(s in ELECTRONIC for s in row))


def test_every_cell_reads_without_colour_or_hover(client, sign_in, make_user, busy_meeting):
    """Each cell prints a mark, and the legend names every mark the matrix uses."""
    sign_in(make_user(Role.SECRETARIAT))
    page = client.get(f"/meetings/{busy_meeting.meeting.id}/receipts/").get_data(as_text=True)
    marks = re.findall(r'<td class="c s-(\w+)"[^>]*>([^<]+)', page)
    assert marks and all(text.strip() for _stage, text in marks)
    legend = page[page.index('<p class="legend'):page.index('<div class="matrix-wrap">')]
    for stage, text in set(marks):
        assert f'<span class="c s-{stage}">{text.strip()}</span>' in legend, stage
    # The tiles say what they count.
    for label in ("Bản điện tử đã mở hoặc tải về", "Bản điện tử đã ký nhận",
                  "Bản giấy đã giao", "Bản đã thu hồi"):
        assert label in page


@pytest.mark.parametrize(("seconds", "ticks"), [(2, 2), (3600, 5)])
def test_the_time_axis_never_repeats_a_tick(seconds, ticks):
    """Just after issuing, the chart spans seconds: its ticks are the two ends, not five
    labels reading the same second."""
    from datetime import datetime, timedelta

    from meetingsvc.tracking.dashboard import _chart
    from meetingsvc.tracking.progress import CopyProgress

    start = datetime(2026, 12, 3, 1, 0, 0)
    cells = [CopyProgress(n, 1, n, 1, "portal", "delivered", 3, start, None, None, None, 0,
                          None, None) for n in range(1, 4)]
    chart = _chart(cells, start + timedelta(seconds=seconds))
    moments = [moment.strftime(chart.tick_format) for _x, moment in chart.x_ticks]
    assert len(moments) == ticks and len(set(moments)) == ticks
