"""Search across meetings, documents and people: without diacritics, grouped with links,
for staff and auditors only; a delegate finds nothing, not even that a title exists."""

from __future__ import annotations

import pytest

from meetingsvc.accounts.models import Role
from meetingsvc.documents.vocabulary import Confidentiality
from meetingsvc.search.services import fold
from tests.issuance.conftest import add_document

SECRET = "Báo cáo kiểm tra tài chính Đảng"


@pytest.fixture
def office(app, session, make_user, make_body, make_meeting, sample_pdf):
    member = make_user(full_name="Nguyễn Khắc Thắng", username="nkthang",
                       title="Phó Bí thư Thường trực, Trưởng ban Tổ chức")
    body = make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", [member])
    meeting = make_meeting(body, "Hội nghị Ban Chấp hành lần thứ 12")
    other = make_meeting(make_body("btv", "Ban Thường vụ Tỉnh ủy"), "Hội nghị Ban Thường vụ",
                         number=45)
    add_document(app, session, meeting, "Báo cáo tình hình kinh tế – xã hội", sample_pdf,
                 symbol="212-BC/TU")
    add_document(app, session, other, SECRET, sample_pdf, symbol="215-BC/TU",
                 confidentiality=Confidentiality.MAT)
    session.commit()
    return member, meeting, other


def find(client, query: str) -> str:
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_folding_drops_vietnamese_diacritics_and_case():
    assert fold("  Đảng bộ TỈNH  Hội   nghị ") == "dang bo tinh hoi nghi"
    assert fold("Thường trực") == "thuong truc"


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR])
def test_staff_find_meetings_documents_and_people_without_diacritics(
        client, sign_in, make_user, office, role):
    member, meeting, other = office
    sign_in(make_user(role))
    page = find(client, "hoi nghi ban chap hanh")
    assert f'href="/meetings/{meeting.id}"' in page and f'href="/meetings/{other.id}"' not in page

    page = find(client, "212-bc")
    assert "212-BC/TU" in page and "215-BC/TU" not in page
    assert f"/meetings/{meeting.id}/documents/" in page

    page = find(client, "kiem tra tai chinh dang")  # a title, folded
    assert "215-BC/TU" in page and "MẬT" in page

    for query in ("khac thang", "NKTHANG", "pho bi thu"):
        page = find(client, query)
        assert "Nguyễn Khắc Thắng" in page, query
    assert "Hội nghị Ban Chấp hành lần thứ 12" in page  # the meetings they are invited to


def test_the_results_are_grouped_with_counts_and_empty_or_short_queries_say_so(
        client, sign_in, make_user, office):
    sign_in(make_user(Role.SECRETARIAT))
    page = find(client, "ba")  # Ban Chấp hành, Báo cáo, Trưởng ban
    assert page.index("<h2>Hội nghị") < page.index("<h2>Tài liệu") < page.index("<h2>Người")
    assert '<h2>Tài liệu <span class="count">2</span>' in page
    assert "Đề nghị gõ ít nhất hai chữ cái." in find(client, "ả")
    assert "Không tìm thấy kết quả nào cho “không có gì như thế”." in find(
        client, "không có gì như thế")
    hostile = find(client, "<script>alert(1)</script>")
    assert "<script>alert(1)" not in hostile


def test_the_header_offers_search_to_staff_only(client, sign_in, make_user, office):
    sign_in(make_user(Role.SECRETARIAT))
    assert 'class="header-search"' in client.get("/meetings/").get_data(as_text=True)
    client.post("/sign-out")
    member, _, _ = office
    sign_in(member)
    assert 'class="header-search"' not in client.get("/meetings/").get_data(as_text=True)


def test_a_delegate_has_no_search_and_learns_no_title(client, sign_in, office):
    member, _, _ = office  # invited to the meeting, not to the other body's
    sign_in(member)
    for query in (SECRET, "215-BC/TU", "hoi nghi"):
        response = client.get("/search", query_string={"q": query})
        assert response.status_code == 404
        assert SECRET not in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, office):
    response = client.get("/search", query_string={"q": "hoi nghi"})
    assert response.status_code in (302, 401, 404)
    assert SECRET not in response.get_data(as_text=True)
