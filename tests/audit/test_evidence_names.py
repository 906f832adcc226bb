"""The evidence export is named after its meeting and lists the documents as the agenda
orders them, with the office's local times."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from meetingsvc.audit.evidence import evidence_file_name
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.meetings.models import Meeting
from meetingsvc.meetings.services import move_agenda_item
from tests.issuance.conftest import ACTOR, POLICY, add_document

HO_CHI_MINH = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_file_name_is_the_meetings_name_and_local_day():
    meeting = Meeting(title="Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45",
                      starts_at=datetime(2026, 12, 2, 18, 30, tzinfo=UTC))  # 01:30 on the 3rd
    assert evidence_file_name(meeting, HO_CHI_MINH) == \
        "bang-chung-hoi-nghi-ban-thuong-vu-tinh-uy-lan-thu-45-2026-12-03.zip"
    long = Meeting(title="Hội nghị Ban Chấp hành Đảng bộ tỉnh " * 5 + "lần thứ 12",
                   starts_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
    name = evidence_file_name(long, HO_CHI_MINH)
    assert name.isascii() and len(name) <= 120 and name.endswith("-2026-12-03.zip")
    assert "--" not in name and name.startswith("bang-chung-hoi-nghi-ban-chap-hanh-dang-bo-tinh")
    odd = Meeting(title="/// ??? ///", starts_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
    assert evidence_file_name(odd, HO_CHI_MINH) == "bang-chung-hoi-nghi-2026-12-03.zip"


def test_the_export_is_named_and_its_summary_follows_the_agenda(
        app, session, client, sign_in, auditor, make_user, make_body, make_meeting, tmp_path):
    from meetingsvc.demo.pdfs import render_generic_pdf

    member = make_user(full_name="Nguyễn Khắc Thắng")
    meeting = make_meeting(make_body("btv", "Ban Thường vụ Tỉnh ủy", [member]),
                           "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45", 45)
    pdf = render_generic_pdf("Tài liệu", pages=1, seed=3)
    # Created in one order, symbols sorting in another, the agenda in a third.
    for title, symbol in (("Báo cáo A", "A-01/TU"), ("Tờ trình Z", "Z-02/TU"),
                          ("Nghị quyết M", "M-03/TU")):
        add_document(app, session, meeting, title, pdf, symbol=symbol)
    last = meeting.agenda_items[-1]
    move_agenda_item(session, last, -2, ACTOR)  # M-03 becomes the first item
    session.commit()
    start_issuance(session, meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    sign_in(auditor)

    with client.post(f"/audit/meetings/{meeting.id}/evidence") as response:
        assert response.status_code == 200
        disposition, data = response.headers["Content-Disposition"], response.get_data()
    day = meeting.starts_at.replace(tzinfo=UTC).astimezone(HO_CHI_MINH).strftime("%Y-%m-%d")
    assert f"bang-chung-hoi-nghi-ban-thuong-vu-tinh-uy-lan-thu-45-{day}.zip" in disposition
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (tmp_path / "summary.pdf").write_bytes(archive.read("summary.pdf"))
        readme = archive.read("README.txt").decode()
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", str(tmp_path / "summary.pdf"),
                           "-"], capture_output=True, text=True, check=True).stdout
    positions = [text.index(symbol) for symbol in ("M-03/TU", "A-01/TU", "Z-02/TU")]
    assert positions == sorted(positions), text
    assert "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45" in text and "(UTC+7)" in text
    assert "(UTC+7)" in readme
