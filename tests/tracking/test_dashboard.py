"""The secretariat's matrix: furthest state per cell, totals, filters, exports, and speed."""

from __future__ import annotations

import csv
import io
import re
import time

import openpyxl
import pytest

from meetingsvc.accounts.models import Role
from tests.tracking.conftest import item_copy, open_in_viewer


@pytest.fixture
def staff(make_user):
    return make_user(Role.SECRETARIAT)


def cells(page: str) -> dict[int, tuple[str, str]]:
    """Copy id → (stage, pages viewed) as the matrix shows them."""
    return {int(c): (s, p) for c, s, p in re.findall(
        r'data-copy="(\d+)" data-stage="(\w+)" data-pages="(\d+)"', page)}


def test_cells_show_the_furthest_state_and_totals_count(client, sign_in, session, prepared,
                                                        issued, staff):
    first, second = prepared.members[0], prepared.members[1]
    docs, meeting_id = prepared.documents, prepared.meeting.id
    report = item_copy(session, first, docs["report"])
    sign_in(first)
    open_in_viewer(client, meeting_id, report.id)
    client.post(f"/meetings/{meeting_id}/my/copies/{report.id}/pages", json={"pages": [1, 2]})
    client.post(f"/meetings/{meeting_id}/my/copies/{report.id}/acknowledge")
    client.post("/sign-out")
    sign_in(second)  # the packet PDF holds the downloadable items, not the MẬT one
    client.get(f"/meetings/{meeting_id}/my/packet.pdf").close()
    client.post("/sign-out")

    sign_in(staff)
    page = client.get(f"/meetings/{meeting_id}/receipts/").get_data(as_text=True)
    shown = cells(page)
    assert shown[report.id] == ("acknowledged", "2")
    assert shown[item_copy(session, first, docs["programme"]).id] == ("delivered", "0")
    assert shown[item_copy(session, second, docs["report"]).id][0] == "downloaded"
    assert shown[item_copy(session, second, docs["secret"]).id][0] == "delivered"
    assert shown[item_copy(session, first, docs["btv_only"]).id][0] == "paper_pending"
    assert 'data-total="opened">3/16<' in page  # report × 2 and programme, of 16 in the portal
    assert 'data-total="acknowledged">1/16<' in page
    header = page[page.index(f'data-document="{docs["report"].id}"'):]
    assert "◉ 2/5" in header[:600] and "✓ 1/5" in header[:600]


def test_filters_name_who_has_not_opened_an_item(client, sign_in, session, prepared, issued,
                                                 staff):
    first = prepared.members[0]
    report = prepared.documents["report"]
    sign_in(first)
    copy = item_copy(session, first, report)
    client.get(f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}.pdf").close()
    client.post("/sign-out")
    sign_in(staff)
    base = f"/meetings/{prepared.meeting.id}/receipts/"
    page = client.get(f"{base}?missing=not_opened&item={report.id}").get_data(as_text=True)
    rows = {int(u) for u in re.findall(r'<tr data-user="(\d+)"', page)}
    assert rows == {u.id for u in prepared.members[1:]}  # the guest does not get the report
    page = client.get(f"{base}?missing=not_acknowledged").get_data(as_text=True)
    rows = {int(u) for u in re.findall(r'<tr data-user="(\d+)"', page)}
    assert rows == {*(u.id for u in prepared.members), prepared.guest.id}


def test_exports_hold_every_cell(client, sign_in, session, prepared, issued, staff):
    sign_in(staff)
    base = f"/meetings/{prepared.meeting.id}/receipts"
    response = client.get(f"{base}/receipts.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:3] == ["Đại biểu", "Chức vụ", "Số, ký hiệu"]
    assert len(lines) == 1 + 18  # 5 members × 3 electronic + 2 paper copies + the guest's one
    assert {line[0] for line in lines[1:]} >= {prepared.members[0].full_name}
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/receipts.xlsx").data))
    matrix, details = book.worksheets
    assert matrix.max_row == 1 + 6 and details.max_row == 1 + 18
    assert [c.value for c in matrix[1]][2:] == [d.symbol for d in prepared.documents.values()]


def render_congress(client, sign_in, session, staff) -> list[float]:
    """The receipts page of a congress (400 × 30), warm, three times: seconds each."""
    from tests.tracking.congress import seed_congress

    meeting = seed_congress(session, delegates=400, items=30)
    sign_in(staff)
    url = f"/meetings/{meeting.id}/receipts/"
    assert client.get(url).status_code == 200  # warm: templates compiled, caches filled
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert response.get_data(as_text=True).count("data-copy=") == 400 * 30
    print(f"dashboard 400×30: best {min(timings) * 1000:.0f} ms, "
          f"worst {max(timings) * 1000:.0f} ms, {len(response.data) / 1e6:.1f} MB")
    return timings


@pytest.mark.slow
def test_a_congress_renders_every_cell(client, sign_in, session, staff):
    render_congress(client, sign_in, session, staff)


@pytest.mark.perf
def test_a_congress_renders_in_under_a_second(client, sign_in, session, staff):
    assert min(render_congress(client, sign_in, session, staff)) < 1.0
