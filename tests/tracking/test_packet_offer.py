"""No empty packet is offered: a delegate whose papers are all read in the portal or handed
out on paper is told so, instead of a "0 văn bản, 0 trang" download."""

from __future__ import annotations

import pytest

from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from tests.issuance.conftest import ACTOR, POLICY

#: Nothing downloadable: unmarked and MẬT papers are read in the portal, the rest on paper.
VIEW_ONLY = POLICY | {"none": "view_only"}
#: Paper only, whatever the level.
PAPER_ONLY = {level: "print" for level in POLICY}

NO_PACKET = "Không có tài liệu nào của đồng chí được tải về, nên không có bộ tài liệu để tải."


@pytest.fixture
def issue(app, session, prepared):
    def run(policy):
        start_issuance(session, prepared.meeting, ACTOR, policy)
        session.commit()
        run_units_inline(app)
    return run


def test_papers_read_in_the_portal_offer_no_packet(client, sign_in, prepared, issue):
    issue(VIEW_ONLY)
    sign_in(prepared.standing[0])
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert "/my/packet.pdf" not in page and "/my/packet.zip" not in page
    assert NO_PACKET in page
    assert "3 tài liệu chỉ đọc trên cổng" in page
    assert "1 tài liệu là bản giấy đánh số" in page
    assert "0 văn bản" not in page
    # Each paper can still be read where it is.
    assert page.count(">Đọc</a>") == 3


def test_a_delegate_with_a_download_is_offered_the_packet(client, sign_in, prepared, issue):
    issue(POLICY)
    sign_in(prepared.standing[0])
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert f"/meetings/{prepared.meeting.id}/my/packet.pdf" in page
    assert NO_PACKET not in page
    assert "1 tài liệu chỉ đọc trên cổng" in page


def test_paper_only_says_the_secretariat_hands_them_out(client, sign_in, prepared, issue):
    issue(PAPER_ONLY)
    sign_in(prepared.standing[0])
    page = client.get(f"/meetings/{prepared.meeting.id}").get_data(as_text=True)
    assert "/my/packet.pdf" not in page
    assert NO_PACKET in page
    assert "4 tài liệu là bản giấy đánh số" in page
    # Not told that the papers are still to come: they are issued.
    assert "sẽ có khi Văn phòng phát hành" not in page
