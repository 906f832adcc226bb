"""Comments on drafts: delegates write and revise their own until the deadline, never see
another's, and the secretariat's summary holds every comment in XLSX, DOCX and PDF."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document as DocxDocument
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor
from meetingsvc.comments.models import CommentRevision, DraftComment
from meetingsvc.comments.services import (
    CommentError,
    CommentInput,
    comment_summary,
    open_for_comments,
    revise_comment,
    write_comment,
)
from meetingsvc.meetings.services import add_agenda_item

ACTOR = Actor(username="test")
#: The test's own clock: the item is open until NOON, the tests live before or after it.
NOON = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
BEFORE = NOON - timedelta(days=1)
AFTER = NOON + timedelta(minutes=1)


@pytest.fixture
def drafts(session, make_user, make_body, make_meeting):
    """A body of three, a session with two items (the second opened first), a clerk, and a
    delegate of another body's session."""
    members = [make_user(full_name="Lê Văn Bình", title="Bí thư"),
               make_user(full_name="Trần Thị Hoa"), make_user(full_name="Phạm Minh Tuấn")]
    body = make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", members)
    meeting = make_meeting(body)
    outsider = make_user(full_name="Võ Thị Lan")
    other = make_meeting(make_body("btv", "Ban Thường vụ", [outsider]), "Hội nghị BTV", 40)
    first = add_agenda_item(session, meeting, "Dự thảo Nghị quyết chuyển đổi số", None, ACTOR)
    second = add_agenda_item(session, meeting, "Dự thảo Kế hoạch năm 2027", None, ACTOR)
    call_second = open_for_comments(session, second, NOON, None, BEFORE, ACTOR)
    call_first = open_for_comments(session, first, NOON, "Góp ý vào Điều 3, Điều 5", BEFORE,
                                   ACTOR)
    session.commit()
    return {"members": members, "meeting": meeting, "first": first, "second": second,
            "call_first": call_first, "call_second": call_second, "outsider": outsider,
            "other": other, "clerk": make_user(Role.SECRETARIAT)}


def url(meeting, tail: str = "") -> str:
    return f"/meetings/{meeting.id}/comments{tail}"


def test_a_delegate_writes_then_revises_and_every_wording_is_kept(client, sign_in, drafts,
                                                                   session):
    binh = drafts["members"][0]
    meeting, item = drafts["meeting"], drafts["first"]
    sign_in(binh)
    with freeze_time(BEFORE):
        page = client.get(url(meeting, f"/items/{item.id}"))
        assert page.status_code == 200
        assert "Góp ý vào Điều 3, Điều 5" in page.get_data(as_text=True)
        sent = client.post(url(meeting, f"/items/{item.id}"),
                           data={"location": "Trang 3", "text": "Đề nghị bỏ khoản 2."})
        assert sent.status_code == 302
    comment = session.scalar(select(DraftComment))
    with freeze_time(BEFORE + timedelta(hours=2)):
        revised = client.post(url(meeting, f"/{comment.id}/revise"),
                              data={"location": "Điều 5", "text": "Đề nghị viết lại khoản 2."})
        assert revised.status_code == 302
        page = client.get(url(meeting, f"/items/{item.id}")).get_data(as_text=True)
    assert "Đề nghị viết lại khoản 2." in page and "Đề nghị bỏ khoản 2." in page  # history
    session.expire_all()
    wordings = [(r.number, r.location, r.text) for r in session.scalars(
        select(CommentRevision).order_by(CommentRevision.number))]
    assert wordings == [(1, "Trang 3", "Đề nghị bỏ khoản 2."),
                        (2, "Điều 5", "Đề nghị viết lại khoản 2.")]
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("comment.%")).order_by(AuditEvent.id)))
    assert actions[-2:] == ["comment.written", "comment.revised"]


def test_a_revision_cannot_be_changed_or_deleted_in_the_database(drafts, session):
    comment = write_comment(session, drafts["call_first"], drafts["members"][0],
                            CommentInput("Ý kiến"), BEFORE, ACTOR)
    session.commit()
    for statement in ("UPDATE comment_revision SET text = 'khác'",
                      "DELETE FROM comment_revision"):
        with pytest.raises(Exception, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.get(DraftComment, comment.id).current.text == "Ý kiến"


def test_after_the_deadline_nothing_is_written_or_revised(client, sign_in, drafts, session):
    binh = drafts["members"][0]
    comment = write_comment(session, drafts["call_first"], binh, CommentInput("Lần đầu"),
                            BEFORE, ACTOR)
    session.commit()
    with pytest.raises(CommentError):
        write_comment(session, drafts["call_first"], binh, CommentInput("Muộn"), NOON, ACTOR)
    with pytest.raises(CommentError):
        revise_comment(session, comment, CommentInput("Sửa muộn"), AFTER, ACTOR)
    session.rollback()
    sign_in(binh)
    meeting, item = drafts["meeting"], drafts["first"]
    with freeze_time(AFTER):
        page = client.get(url(meeting, f"/items/{item.id}")).get_data(as_text=True)
        assert "Đã hết hạn góp ý" in page and "Gửi ý kiến" not in page
        late = client.post(url(meeting, f"/items/{item.id}"), data={"text": "Muộn"})
        assert late.status_code == 422
        assert "Đã hết hạn góp ý" in late.get_data(as_text=True)
        revise = client.post(url(meeting, f"/{comment.id}/revise"), data={"text": "Sửa muộn"},
                             follow_redirects=True)
        assert "Đã hết hạn góp ý" in revise.get_data(as_text=True)
    session.expire_all()
    assert [c.current.text for c in session.scalars(select(DraftComment))] == ["Lần đầu"]


def test_an_empty_comment_is_refused_in_vietnamese(client, sign_in, drafts, session):
    sign_in(drafts["members"][0])
    with freeze_time(BEFORE):
        response = client.post(url(drafts["meeting"], f"/items/{drafts['first'].id}"),
                               data={"text": "   "})
    assert response.status_code == 422
    assert "Mục này không được để trống." in response.get_data(as_text=True)
    assert session.scalar(select(DraftComment)) is None


def test_a_delegate_never_sees_another_delegates_comment(client, sign_in, drafts, session):
    binh, hoa = drafts["members"][:2]
    theirs = write_comment(session, drafts["call_first"], hoa,
                           CommentInput("Ý kiến riêng của đồng chí Hoa"), BEFORE, ACTOR)
    session.commit()
    meeting = drafts["meeting"]
    sign_in(binh)
    with freeze_time(BEFORE):
        page = client.get(url(meeting, f"/items/{drafts['first'].id}")).get_data(as_text=True)
        assert "Ý kiến riêng của đồng chí Hoa" not in page
        assert client.get(url(meeting, f"/{theirs.id}/revise")).status_code == 404
        assert client.post(url(meeting, f"/{theirs.id}/revise"),
                           data={"text": "chiếm quyền"}).status_code == 404
        for tail in ("/summary", "/summary.xlsx", "/summary.docx", "/summary.pdf"):
            assert client.get(url(meeting, tail)).status_code == 404, tail
    session.expire_all()
    assert session.get(DraftComment, theirs.id).current.text == "Ý kiến riêng của đồng chí Hoa"


def test_a_delegate_of_another_meeting_gets_404(client, sign_in, drafts, session):
    mine = write_comment(session, drafts["call_first"], drafts["members"][0],
                         CommentInput("Ý kiến"), BEFORE, ACTOR)
    session.commit()
    sign_in(drafts["outsider"])
    meeting, item = drafts["meeting"], drafts["first"]
    with freeze_time(BEFORE):
        for tail in ("/", f"/items/{item.id}", f"/{mine.id}/revise", "/summary"):
            assert client.get(url(meeting, tail)).status_code == 404, tail
        assert client.post(url(meeting, f"/items/{item.id}"),
                           data={"text": "x"}).status_code == 404
        # Their own meeting has no item of this one.
        assert client.get(url(drafts["other"], f"/items/{item.id}")).status_code == 404
    assert session.scalars(select(DraftComment)).all() == [mine]


def test_only_the_secretariat_opens_items(client, sign_in, drafts, session):
    meeting, item = drafts["meeting"], drafts["first"]
    sign_in(drafts["members"][0])
    response = client.post(url(meeting, f"/items/{item.id}/open"),
                           data={f"item{item.id}-deadline": "2030-01-01T08:00"})
    assert response.status_code == 404
    assert drafts["call_first"].deadline == NOON


def test_the_secretariat_opens_an_item_and_a_past_deadline_is_refused(client, sign_in, drafts,
                                                                       session):
    meeting = drafts["meeting"]
    item = add_agenda_item(session, meeting, "Báo cáo chính trị", None, ACTOR)
    session.commit()
    sign_in(drafts["clerk"])
    with freeze_time(BEFORE):
        past = client.post(url(meeting, f"/items/{item.id}/open"),
                           data={f"item{item.id}-deadline": "2020-01-01T08:00"},
                           follow_redirects=True)
        assert "Hạn góp ý phải là một thời điểm trong tương lai" in past.get_data(as_text=True)
        assert "comment_call" not in [e.object_type for e in session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(item.id)))]
        opened = client.post(url(meeting, f"/items/{item.id}/open"),
                             data={f"item{item.id}-deadline": "2026-12-03T17:00"},
                             follow_redirects=True)
    assert "Đã mở góp ý" in opened.get_data(as_text=True)
    assert session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "comment.call_opened").order_by(AuditEvent.id.desc())) is not None


def _three_comments(session, drafts):
    binh, hoa, tuan = drafts["members"]
    # Written out of order: the summary still follows agenda and protocol order.
    write_comment(session, drafts["call_second"], tuan, CommentInput("Kế hoạch: thêm mục 4"),
                  BEFORE, ACTOR)
    write_comment(session, drafts["call_first"], hoa, CommentInput("=HYPERLINK(\"x\")",
                                                                   "Điều 3"), BEFORE, ACTOR)
    write_comment(session, drafts["call_first"], binh, CommentInput("Nghị quyết: rõ mục tiêu"),
                  BEFORE, ACTOR)
    session.commit()


def test_the_summary_counts_and_orders_by_item_and_by_delegate(drafts, session):
    _three_comments(session, drafts)
    summary = comment_summary(session, drafts["meeting"])
    assert summary.total == 3
    assert [item.call.agenda_item.title for item in summary.by_item] == [
        "Dự thảo Nghị quyết chuyển đổi số", "Dự thảo Kế hoạch năm 2027"]
    assert [[line.author_name for line in item.lines] for item in summary.by_item] == [
        ["Lê Văn Bình", "Trần Thị Hoa"], ["Phạm Minh Tuấn"]]
    assert [(d.name, len(d.lines)) for d in summary.by_delegate] == [
        ("Lê Văn Bình", 1), ("Trần Thị Hoa", 1), ("Phạm Minh Tuấn", 1)]
    assert summary.silent == []


def test_the_summary_page_and_its_files_hold_every_comment(client, sign_in, drafts, session,
                                                           tmp_path):
    _three_comments(session, drafts)
    meeting = drafts["meeting"]
    sign_in(drafts["clerk"])
    page = client.get(url(meeting, "/summary")).get_data(as_text=True)
    for words in ("Kế hoạch: thêm mục 4", "Nghị quyết: rõ mục tiêu", "Điều 3"):
        assert words in page

    xlsx = client.get(url(meeting, "/summary.xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.data))["Theo nội dung"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [row[2] for row in rows] == ["Lê Văn Bình", "Trần Thị Hoa", "Phạm Minh Tuấn"]
    formula = rows[1][5]
    assert formula == "'=HYPERLINK(\"x\")"
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row
               if isinstance(cell.value, str))

    docx = client.get(url(meeting, "/summary.docx"))
    assert docx.status_code == 200
    words = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx.data)).paragraphs)
    for expected in ("TỔNG HỢP Ý KIẾN", "Nghị quyết: rõ mục tiêu", "=HYPERLINK(\"x\")",
                     "Kế hoạch: thêm mục 4", "Trần Thị Hoa · Điều 3"):
        assert expected in words

    pdf = client.get(url(meeting, "/summary.pdf"))
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf.data)
    read = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    for expected in ("TỔNG HỢP Ý KIẾN", "Nghị quyết: rõ mục tiêu", "Kế hoạch: thêm mục 4",
                     "Lê Văn Bình", "Dự thảo Kế hoạch năm 2027"):
        assert expected in read
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert "595.28 x 841.89" in info  # A4


def test_an_item_whose_papers_go_to_others_only_stays_unknown(app, client, sign_in, drafts,
                                                              session, make_body):
    """A Standing Committee personnel file in the session: only its recipients comment."""
    from pathlib import Path

    from meetingsvc.documents.blobs import BlobStore
    from meetingsvc.documents.models import Audience
    from meetingsvc.documents.services import DocumentDetails, Upload, create_document
    from tests.conftest import pdf_bytes

    binh, hoa = drafts["members"][:2]
    standing = make_body("tv", "Thường trực Tỉnh ủy", [binh])
    item = add_agenda_item(session, drafts["meeting"], "Công tác cán bộ", None, ACTOR)
    create_document(session, BlobStore(Path(app.config["BLOB_DIR"])), item, DocumentDetails(
        symbol="05-TTr/TU", kind="Tờ trình", title="Tờ trình nhân sự",
        audience=Audience.BODY_MEMBERS, audience_body_id=standing.id),
        Upload(io.BytesIO(pdf_bytes()), "ttr.pdf", 10**6), ACTOR)
    call = open_for_comments(session, item, NOON, None, BEFORE, ACTOR)
    session.commit()
    with pytest.raises(CommentError):
        write_comment(session, call, hoa, CommentInput("x"), BEFORE, ACTOR)
    session.rollback()
    meeting = drafts["meeting"]
    sign_in(hoa)
    with freeze_time(BEFORE):
        assert "Công tác cán bộ" not in client.get(url(meeting, "/")).get_data(as_text=True)
        assert "Công tác cán bộ" not in client.get(
            f"/meetings/{meeting.id}").get_data(as_text=True)
        assert client.get(url(meeting, f"/items/{item.id}")).status_code == 404
        assert client.post(url(meeting, f"/items/{item.id}"),
                           data={"text": "x"}).status_code == 404
    assert write_comment(session, call, binh, CommentInput("Đồng ý"), BEFORE, ACTOR)


def test_a_revision_that_changes_nothing_is_refused_and_adds_no_wording(client, sign_in,
                                                                        drafts, session):
    binh = drafts["members"][0]
    comment = write_comment(session, drafts["call_first"], binh,
                            CommentInput("Đồng ý với dự thảo", "Điều 1"), BEFORE, ACTOR)
    session.commit()
    sign_in(binh)
    with freeze_time(BEFORE):
        again = client.post(url(drafts["meeting"], f"/{comment.id}/revise"),
                            data={"location": "Điều 1", "text": "Đồng ý với dự thảo  "})
    assert again.status_code == 422
    assert "Ý kiến không có gì thay đổi." in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(CommentRevision)) == 1
