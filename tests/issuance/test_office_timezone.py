"""One setting, OFFICE_TIMEZONE, sets the clock of every page and paper.

An office elsewhere (Tokyo, two hours ahead of Hà Nội) sees its own times on the
meeting page, on the packet cover and in the audit log; nothing shows Hà Nội time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.blobs import blob_store
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.meetings.models import Meeting
from meetingsvc.timezones import office_day_start, office_time, utc_offset_label
from tests.issuance.checks import text_of

TOKYO = ZoneInfo("Asia/Tokyo")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def app_config(app_config):
    return app_config | {"OFFICE_TIMEZONE": "Asia/Tokyo"}


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def test_the_meeting_page_and_its_form_read_the_offices_clock(
        app, session, client, sign_in, make_user, make_body, make_meeting):
    secretary = make_user(Role.SECRETARIAT)
    meeting = make_meeting(make_body("bch"))
    meeting.starts_at = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # 08:30 on the 7th in Tokyo
    session.commit()
    sign_in(secretary)

    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "07/12/2026, 08:30" in page
    assert "06:30" not in page  # Hà Nội's clock
    form = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-07T08:30"' in form

    # What the secretariat types is Tokyo time too.
    client.post(f"/meetings/{meeting.id}/edit", data={
        "body_id": meeting.body_id, "session_number": 12, "title": meeting.title,
        "starts_at": "2026-12-08T09:00", "place": meeting.place})
    session.expire_all()
    stored = session.get(Meeting, meeting.id).starts_at
    assert stored.astimezone(UTC) == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)


def test_the_packet_cover_prints_the_offices_clock(app, session, issued, prepared):
    packet = session.scalars(select(IssuedCopy).where(IssuedCopy.kind == "packet")).first()
    assert packet is not None
    cover = text_of(blob_store(app.config).path_for(packet.blob_sha256), page=1)
    starts = prepared.meeting.starts_at
    tokyo = office_time(starts, TOKYO)
    assert f"{tokyo:%d/%m/%Y}, {tokyo:%H:%M}" in cover, cover
    assert _clock(starts, HANOI) not in cover


def test_the_audit_log_shows_the_offices_clock(app, session, client, sign_in, make_user,
                                               make_body, make_meeting):
    auditor = make_user(Role.AUDITOR)
    make_meeting(make_body("bch"))
    sign_in(auditor)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.created")
                            ).one()
    page = client.get("/audit/log").get_data(as_text=True)
    assert f"{office_time(event.at, TOKYO):%d/%m/%Y %H:%M:%S}" in page
    assert f"{office_time(event.at, HANOI):%d/%m/%Y %H:%M:%S}" not in page


def test_a_stored_time_reads_the_same_through_the_one_helper(app) -> None:
    naive_utc = datetime(2026, 1, 1, 1, 0)  # SQLite gives times back without their zone
    assert office_time(naive_utc) == datetime(2026, 1, 1, 10, 0, tzinfo=TOKYO)
    assert office_time(naive_utc, HANOI).hour == 8
    assert office_day_start(datetime(2026, 1, 1).date()) == datetime(2025, 12, 31, 15, 0,
                                                                      tzinfo=UTC)
    assert utc_offset_label(office_time(naive_utc)) == "UTC+9"
    assert utc_offset_label(datetime(2026, 1, 1, tzinfo=ZoneInfo("America/St_Johns"))
                            ) == "UTC-3:30"


def test_no_module_writes_a_fixed_offset_of_its_own() -> None:
    """The zone comes from OFFICE_TIMEZONE (the signing library: from its caller), so a
    second office never sees Hà Nội's clock."""
    root = Path(__file__).resolve().parents[2]
    # A fixed offset, or a zone named in the code rather than read from the setting.
    pattern = re.compile(r"timezone\(\s*(dt\.)?timedelta\(|ZoneInfo\(\s*[\"']")
    offenders = [f"{path.relative_to(root)}:{number}"
                 for folder in ("meetingsvc", "signing")
                 for path in sorted((root / folder).rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if pattern.search(line) and not line.lstrip().startswith("#")]
    assert offenders == []
