"""The packet a delegate downloads is honest: it names every paper of theirs, numbered as
their meeting page numbers them, says where each is, and its cover's marks are true.

Checked the way the delegate and an inspector would: the meeting page as served, the
packet as downloaded, its text as poppler's pdftotext reads it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pikepdf
import pytest

from meetingsvc.documents.blobs import BlobStore
from tests.issuance.pdf.conftest import pdftotext, write
from tests.tracking.conftest import item_copy
from tests.tracking.marks import stamped_marks


def meeting_page(client, meeting_id: int) -> str:
    response = client.get(f"/meetings/{meeting_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def page_symbols(page: str) -> list[str]:
    """Every document symbol the delegate's meeting page shows."""
    return [html.unescape(s) for s in re.findall(
        r'class="portal-doc".*?<strong>([^<]+)</strong>', page, flags=re.S)]


def page_agenda(page: str) -> list[tuple[int, str]]:
    """The agenda as the page numbers it: (number, item title)."""
    return [(int(n), html.unescape(t).strip()) for n, t in re.findall(
        r'<span class="pos">(\d+)\.</span>([^<]+)</div>', page)]


def download_packet(client, meeting_id: int, tmp_path: Path) -> Path:
    with client.get(f"/meetings/{meeting_id}/my/packet.pdf") as response:
        assert response.status_code == 200
        return write(tmp_path, "packet.pdf", response.data)


def front_text(packet: Path) -> str:
    """Cover and agenda, laid out as printed (two pages for this small meeting)."""
    return pdftotext(packet, 1, layout=True) + pdftotext(packet, 2, layout=True)


def agenda_row(text: str, symbol: str) -> str:
    """The agenda's row of ``symbol`` and the line under it (where the paper is)."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if symbol in line)
    return " ".join(" ".join(line.split()) for line in lines[index:index + 2])


def test_the_packet_names_every_symbol_on_the_meeting_page(client, sign_in, session, prepared,
                                                           issued, tmp_path):
    """A Standing Committee member holds all four papers: one in the packet for download,
    the programme too, a MẬT one read in the portal and a TỐI MẬT one on paper."""
    member = prepared.standing[0]
    sign_in(member)
    page = meeting_page(client, prepared.meeting.id)
    symbols = page_symbols(page)
    assert sorted(symbols) == sorted(d.symbol for d in prepared.documents.values())
    packet = download_packet(client, prepared.meeting.id, tmp_path)
    text = pdftotext(packet)
    for symbol in symbols:
        assert symbol in text, f"{symbol} is on the meeting page, not in the packet"

    agenda = front_text(packet)
    # Numbered as the page numbers them, every item the page shows.
    for number, title in page_agenda(page):
        assert re.search(rf"^\s*{number}\.\s+{re.escape(title)}\s", agenda, flags=re.M), \
            (number, title)
    assert "Đọc trên cổng" in agenda_row(agenda, prepared.documents["secret"].symbol)
    assert "MẬT" in agenda_row(agenda, prepared.documents["secret"].symbol)
    paper = item_copy(session, member, prepared.documents["btv_only"])
    assert f"Bản giấy số {paper.label.removeprefix('Bản số ')}" in \
        agenda_row(agenda, prepared.documents["btv_only"].symbol)
    assert "TỐI MẬT" in agenda_row(agenda, prepared.documents["btv_only"].symbol)


def test_the_cover_counts_what_is_where_and_its_highest_mark_is_true(
        client, sign_in, prepared, issued, tmp_path):
    sign_in(prepared.standing[0])
    cover = " ".join(pdftotext(download_packet(client, prepared.meeting.id, tmp_path), 1,
                               layout=True).split())
    # The highest of everything issued to the delegate: the TỐI MẬT paper copy ...
    assert "Độ mật cao nhất: TỐI MẬT" in cover
    # ... and the cover says that it counts papers the file does not hold.
    assert "kể cả tài liệu đọc trên cổng và bản giấy" in cover
    assert "Trong tập này: 2 văn bản, 6 trang (cả tập 8 trang)" in cover
    assert "Đọc trên cổng: 1 văn bản" in cover
    assert "Bản giấy: 1 văn bản" in cover
    # The file holds no classified page: no secrecy notice for the file itself.
    assert "Tài liệu mật: bảo quản" not in cover


def test_a_guest_s_cover_has_no_classified_paper(client, sign_in, prepared, issued, tmp_path):
    sign_in(prepared.guest)
    page = meeting_page(client, prepared.meeting.id)
    assert page_symbols(page) == [prepared.documents["programme"].symbol]
    packet = download_packet(client, prepared.meeting.id, tmp_path)
    cover = " ".join(pdftotext(packet, 1, layout=True).split())
    assert "Độ mật cao nhất: Không có tài liệu mật" in cover
    assert "Đọc trên cổng" not in cover and "Bản giấy" not in cover
    text = pdftotext(packet)
    for document in ("report", "secret", "btv_only"):
        assert prepared.documents[document].symbol not in text  # never another's paper
    # The guest's one item is numbered 1 on the page and in the packet.
    assert page_agenda(page) == [(1, prepared.documents["programme"].title)]
    assert re.search(r"^\s*1\.\s+Chương trình hội nghị", front_text(packet), flags=re.M)


@pytest.mark.parametrize("published", [False, True])
def test_items_without_papers_are_numbered_as_on_the_page(
        app, client, sign_in, session, prepared, published, tmp_path):
    """Once the agenda is published the page shows items without papers too ("Khai mạc"):
    the packet lists and numbers them the same, so item 3 is item 3 in both."""
    from meetingsvc.issuance.planning import start_issuance
    from meetingsvc.issuance.runner import run_units_inline
    from meetingsvc.meetings.services import add_agenda_item, move_agenda_item
    from tests.issuance.conftest import ACTOR, POLICY

    opening = add_agenda_item(session, prepared.meeting, "Khai mạc hội nghị", "Bí thư Tỉnh ủy",
                              ACTOR)
    for _ in prepared.documents:
        move_agenda_item(session, opening, -1, ACTOR)
    prepared.meeting.agenda_published = published
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    sign_in(prepared.members[2])
    page = meeting_page(client, prepared.meeting.id)
    numbered = page_agenda(page)
    assert (("Khai mạc hội nghị" in dict(map(reversed, numbered))) is published)
    agenda = front_text(download_packet(client, prepared.meeting.id, tmp_path))
    for number, title in numbered:
        assert re.search(rf"^\s*{number}\.\s+{re.escape(title)}\s", agenda, flags=re.M), \
            (number, title)
    assert len(re.findall(r"^\s*\d+\.\s", agenda, flags=re.M)) == len(numbered)


def test_the_packet_names_a_mat_paper_but_holds_none_of_its_pages(
        app, client, sign_in, session, prepared, issued, tmp_path):
    member = prepared.members[2]
    sign_in(member)
    packet = download_packet(client, prepared.meeting.id, tmp_path)
    text = pdftotext(packet)
    assert prepared.documents["secret"].symbol in text and "MẬT" in text  # listed
    assert stamped_marks(text) == set()  # but no page of a MẬT copy
    secret = item_copy(session, member, prepared.documents["secret"])
    held = BlobStore(Path(app.config["BLOB_DIR"])).path_for(secret.blob_sha256)
    assert stamped_marks(pdftotext(held)) == {"MẬT"}  # what a MẬT page reads like
    with pikepdf.open(packet) as pdf, pdf.open_outline() as outline:
        titles = [child.title for entry in outline.root for child in entry.children]
    assert not any(prepared.documents["secret"].symbol in title for title in titles)
