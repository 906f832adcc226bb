"""After issuance no delegate page says their copy will come; a title link and the page agree.

Each delegate of the issued meeting crawls every page their meeting page leads
to. Not one says the copy comes once the office issues the papers; each
document's title on the meeting page leads where its own page says it is: the
viewer for a current electronic copy, the document page for a recalled copy
or a paper one, which says so.
"""

from __future__ import annotations

import html
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from meetingsvc.issuance.recall import (
    recall_document,
    record_handover,
    record_print,
    record_return,
)
from meetingsvc.models_common import utcnow
from tests.issuance.conftest import ACTOR
from tests.tracking.conftest import item_copy, packet_of

#: The "will come" wording, in both languages.
WILL_COME = ("sẽ có khi Văn phòng phát hành", "once the secretariat issues the papers")
_LINK = re.compile(r'(?:href|src|action)="([^"]+)"')
_SKIP = ("/sign-out", "/static/", "/acknowledge", "/pages", "/lang/", ".pdf", ".zip", ".webp")


def crawl_pages(client, start: str) -> dict[str, str]:
    """Every same-site HTML page reachable by GET from ``start``: URL → text."""
    seen, queue, pages = {start}, deque([start]), {}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        text = response.get_data(as_text=True)
        pages[url] = text
        for link in _LINK.findall(text):
            parts = urlsplit(urljoin(url, html.unescape(link)))
            if parts.netloc or any(s in parts.path for s in _SKIP):
                continue
            if parts.path not in seen:
                seen.add(parts.path)
                queue.append(parts.path)
    return pages


def title_links(page: str) -> dict[int, tuple[str, str]]:
    """Document id → (its holding state, where its title leads) on a meeting page."""
    found = {}
    for block in page.split('<li class="portal-doc"')[1:]:
        document = int(re.search(r'data-document="(\d+)"', block).group(1))
        state = re.search(r'data-holding="(\w+)"', block).group(1)
        href = html.unescape(re.search(r'<a class="doc-title" href="([^"]+)"', block).group(1))
        found[document] = (state, href)
    return found


def document_page_state(client, meeting_id: int, document_id: int) -> tuple[str, str | None]:
    page = client.get(f"/meetings/{meeting_id}/documents/{document_id}").get_data(as_text=True)
    state = re.search(r'id="my-copy" data-holding="(\w+)"', page).group(1)
    read = re.search(r'data-action="read" href="([^"]+)"', page)
    return state, html.unescape(read.group(1)) if read else None


def assert_link_and_page_agree(client, meeting_id: int) -> dict[int, str]:
    links = title_links(client.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    assert links, "the meeting page lists no document"
    for document_id, (state, href) in links.items():
        page_state, read = document_page_state(client, meeting_id, document_id)
        assert page_state == state, (document_id, state, page_state)
        if state == "read":
            assert re.fullmatch(rf"/meetings/{meeting_id}/my/copies/\d+/view", href), href
            assert read == href
            assert client.get(href).status_code == 200
        else:
            assert href == f"/meetings/{meeting_id}/documents/{document_id}"
            assert read is None
    return {d: s for d, (s, _) in links.items()}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_page_a_delegate_reaches_says_the_copy_will_come(client, sign_in, session,
                                                           prepared, issued, lang):
    for delegate in [*prepared.members, prepared.guest]:
        client.get("/sign-out")
        sign_in(delegate)
        client.get(f"/lang/{lang}")
        pages = crawl_pages(client, f"/meetings/{prepared.meeting.id}")
        assert any("/documents/" in url for url in pages), delegate.full_name
        for url, text in pages.items():
            for words in WILL_COME:
                assert words not in text, f"{delegate.full_name}: {url} says {words!r}"


def test_a_delegate_without_a_packet_still_holds_their_papers(client, sign_in, session,
                                                             prepared, issued):
    """A packet withdrawn to be rebuilt leaves the items issued: nothing "will come"."""
    delegate = prepared.members[3]
    packet_of(session, delegate).superseded_at = utcnow()
    session.commit()
    sign_in(delegate)
    pages = crawl_pages(client, f"/meetings/{prepared.meeting.id}")
    assert len([url for url in pages if url.endswith("/view")]) == 3
    for url, text in pages.items():
        assert WILL_COME[0] not in text, url
    assert_link_and_page_agree(client, prepared.meeting.id)


def test_title_link_and_document_page_agree_in_every_state(client, sign_in, session,
                                                           prepared, issued):
    standing = prepared.standing[0]  # holds all four: two unmarked, MẬT, TỐI MẬT on paper
    docs = prepared.documents
    meeting_id = prepared.meeting.id
    sign_in(standing)
    assert assert_link_and_page_agree(client, meeting_id) == {
        docs["programme"].id: "read", docs["report"].id: "read", docs["secret"].id: "read",
        docs["btv_only"].id: "paper_waiting"}
    page = client.get(f"/meetings/{meeting_id}/documents/{docs['btv_only'].id}")
    assert "Bản giấy số 01/02" in page.get_data(as_text=True) or \
        "Bản giấy số 02/02" in page.get_data(as_text=True)

    paper = item_copy(session, standing, docs["btv_only"])
    record_print(session, paper, "0" * 64, ACTOR)
    record_handover(session, paper, ACTOR)
    recall_document(session, docs["report"], ACTOR)
    session.commit()
    states = assert_link_and_page_agree(client, meeting_id)
    assert states[docs["report"].id] == "recalled"
    assert states[docs["btv_only"].id] == "paper_handed"
    text = client.get(f"/meetings/{meeting_id}/documents/{docs['report'].id}").get_data(
        as_text=True)
    assert "Văn phòng đã thu hồi tài liệu này" in text

    record_return(session, paper, ACTOR)
    session.commit()
    states = assert_link_and_page_agree(client, meeting_id)
    assert states[docs["btv_only"].id] == "paper_returned"
    text = client.get(f"/meetings/{meeting_id}/documents/{docs['btv_only'].id}").get_data(
        as_text=True)
    assert "đã nộp lại" in text


def test_before_issuance_the_meeting_page_says_the_papers_will_come(client, sign_in,
                                                                    prepared):
    sign_in(prepared.members[0])
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert WILL_COME[0] in page
    document = prepared.documents["report"]
    assert client.get(f"/meetings/{prepared.meeting.id}/documents/{document.id}"
                      ).status_code == 404


def _portal(copy=None, paper=None, viewable=True):
    from types import SimpleNamespace

    item = SimpleNamespace(copy=copy, viewable=viewable) if copy else None
    return SimpleNamespace(items={7: item} if item else {},
                           paper_copies={7: paper} if paper else {})


@pytest.mark.parametrize(("electronic", "paper", "expected"), [
    ({}, None, "read"),
    ({"recalled_at": "then"}, None, "recalled"),
    ({"superseded_at": "then"}, None, "superseded"),
    (None, {}, "paper_waiting"),
    (None, {"handed_over_at": "then"}, "paper_handed"),
    (None, {"handed_over_at": "then", "returned_at": "later"}, "paper_returned"),
    (None, {"recalled_at": "then"}, "paper_recalled"),
    (None, None, "coming"),
])
def test_each_holding_is_decided_from_the_copies(electronic, paper, expected):
    from types import SimpleNamespace

    from meetingsvc.tracking.holding import holding_of

    def copy(fields):
        base = {"recalled_at": None, "superseded_at": None, "handed_over_at": None,
                "returned_at": None}
        return SimpleNamespace(**(base | fields)) if fields is not None else None

    holding = holding_of(_portal(copy(electronic), copy(paper)), 7)
    assert holding.state == expected
    assert holding.opens_viewer == (expected == "read")
    assert holding_of(None, 7).state == "coming"
