"""Loading the demo province into the database: ``flask --app meetingsvc seed-demo``."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Body, Membership, Role, User
from ..accounts.services import create_user
from ..audit.services import Actor
from ..documents.blobs import BlobStore
from ..documents.models import Audience
from ..documents.services import DocumentDetails, Upload, create_document
from ..meetings.models import Invitation, InvitationRole
from ..meetings.services import MeetingDetails, add_agenda_item, create_meeting
from ..ops.logging_setup import quieted
from ..timezones import zone_named
from .comments import seed_comments
from .consultation import seed_consultation
from .meetings import AUDIENCE_STANDING_COMMITTEE, DemoMeeting, demo_meetings
from .pdfs import render_document_pdf
from .people import BODIES, GUESTS, MEMBERS

log = logging.getLogger(__name__)
DELEGATE_PASSWORD = "demo-daibieu-2026"  # noqa: S105 - public demo accounts, documented
#: The accounts a newcomer signs in with, by role: (username, password).
DEMO_PASSWORDS = {
    "secretariat": ("thuky", "demo-thuky-2026"),
    "auditor": ("kiemtra", "demo-kiemtra-2026"),
    "admin": ("quantri", "demo-quantri-2026"),
    "delegate": ("lyminhhoang", DELEGATE_PASSWORD),
    "delegate BTV": ("hoangvankhai", DELEGATE_PASSWORD),
}
_STAFF = {
    "secretariat": ("Đinh Thị Thu", Role.SECRETARIAT, "Chuyên viên Văn phòng Tỉnh ủy"),
    "auditor": ("Mai Văn Kiên", Role.AUDITOR, "Kiểm tra viên, Ủy ban Kiểm tra Tỉnh ủy"),
    "admin": ("Trịnh Quốc Anh", Role.ADMIN, "Quản trị hệ thống, Văn phòng Tỉnh ủy"),
}
SEED_ACTOR = Actor(username="seed-demo")
#: Reserved for examples (RFC 2606): reminders to the demo delegates go nowhere real.
DEMO_MAIL_DOMAIN = "sonha.example"


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User))


def seed_demo(
    session: Session,
    config: Mapping[str, Any],
    progress: Callable[[str], None] = lambda _line: None,
    today: date | None = None,
) -> str:
    """Create the bodies, the people and two meetings with their papers; flushes, no commit.

    The log gets one summary line, not a line for each account, paper and audit entry."""
    with quieted("meetingsvc"):
        summary = _seed_everything(session, config, progress, today)
    log.info("%s", summary)
    return summary


def _seed_everything(session: Session, config: Mapping[str, Any],
                     progress: Callable[[str], None], today: date | None) -> str:
    bodies = _seed_bodies(session)
    users = _seed_people(session, bodies)
    progress(f"{len(users)} accounts, {len(bodies)} bodies")
    store = BlobStore(Path(config["BLOB_DIR"]))
    font_dir = Path(config["PDF_FONT_DIR"])
    meetings = demo_meetings(today or date.today(), zone_named(config["OFFICE_TIMEZONE"]))
    for demo in meetings:
        _seed_meeting(session, store, font_dir, demo, bodies, users)
        progress(f"{demo.title}: {len(demo.items)} agenda items with their papers")
    seed_comments(session, SEED_ACTOR)
    progress("a draft of the Executive Committee open for comments")
    _seed_attendance(session, users)
    seed_consultation(session, store, font_dir, bodies, users, today or date.today(),
                      zone_named(config["OFFICE_TIMEZONE"]), config["ISSUANCE_POLICY"],
                      SEED_ACTOR)
    progress("an open written consultation of the Standing Committee")
    return f"demo loaded: {len(users)} accounts, {len(meetings)} meetings"


def _seed_bodies(session: Session) -> dict[str, Body]:
    # The Executive Committee's rules let an absent member send someone in their place.
    bodies = {code: Body(code=code, name_vi=b.name_vi, name_en=b.name_en,
                         allows_stand_in=code == "bch")
              for code, b in BODIES.items()}
    session.add_all(bodies.values())
    session.flush()
    return bodies


def _seed_people(session: Session, bodies: dict[str, Body]) -> dict[str, User]:
    users: dict[str, User] = {}
    for role_key, (full_name, role, title) in _STAFF.items():
        username, password = DEMO_PASSWORDS[role_key]
        users[username] = create_user(session, username, full_name, password, role,
                                      title=title, actor=SEED_ACTOR)
    for rank, person in enumerate(MEMBERS + GUESTS, start=1):
        user = create_user(session, person.username, person.full_name, DELEGATE_PASSWORD,
                           Role.DELEGATE, title=person.title_vi, actor=SEED_ACTOR,
                           email=f"{person.username}@{DEMO_MAIL_DOMAIN}")
        users[person.username] = user
        for membership in person.memberships:
            session.add(Membership(body_id=bodies[membership.body].id, user_id=user.id,
                                   position=membership.position.label_vi, rank=rank))
    session.flush()
    return users


def _seed_meeting(session: Session, store: BlobStore, font_dir: Path, demo: DemoMeeting,
                  bodies: dict[str, Body], users: dict[str, User]) -> None:
    meeting = create_meeting(session, MeetingDetails(
        body_id=bodies[demo.body].id, session_number=demo.number, title=demo.title,
        starts_at=demo.starts_at, place=demo.place), SEED_ACTOR)
    meeting.agenda_published = True  # the demo office publishes its agendas
    for username in demo.guests:
        session.add(Invitation(meeting_id=meeting.id, user_id=users[username].id,
                               role=InvitationRole.GUEST.value))
    for entry in demo.items:
        presenter = users[entry.presenter]
        item = add_agenda_item(session, meeting, entry.title,
                               f"{presenter.full_name}, {presenter.title}", SEED_ACTOR)
        paper = entry.document
        standing_only = paper.audience == AUDIENCE_STANDING_COMMITTEE
        pdf = render_document_pdf(paper, font_dir=font_dir)
        create_document(session, store, item, DocumentDetails(
            symbol=paper.symbol, kind=paper.kind.name_vi, title=paper.title,
            confidentiality=paper.confidentiality,
            audience=Audience.BODY_MEMBERS if standing_only else Audience.ALL_INVITED,
            audience_body_id=bodies["btv"].id if standing_only else None,
            open_to_guests=paper.guests_allowed,
        ), Upload(io.BytesIO(pdf), f"{paper.symbol.replace('/', '_')}.pdf", len(pdf)),
            SEED_ACTOR)
    session.flush()

#: Answers already given to the invitations: (body, which of its members who are not demo
#: logins, in account order; the reason, ``None`` for attending; the stand-in's name and
#: position). The demo logins (``DEMO_PASSWORDS``) are left to answer for themselves.
_ANSWERS: tuple[tuple[str, int, str | None, tuple[str, str] | None], ...] = (
    ("btv", 0, None, None),
    ("btv", 1, None, None),
    ("btv", 3, None, None),
    ("btv", 4, "Đi công tác tại Trung ương theo giấy triệu tập.", None),
    ("bch", 0, None, None),
    ("bch", 2, None, None),
    ("bch", 6, "Dự lớp bồi dưỡng tại Học viện Chính trị quốc gia Hồ Chí Minh.",
     ("Nguyễn Thị Hạnh", "Phó Trưởng Ban Tổ chức Tỉnh ủy")),
)


def _seed_attendance(session: Session, users: dict[str, User]) -> None:
    """A few invited members have answered already: most attend, one is absent with a reason."""
    from ..attendance.models import AttendanceChoice
    from ..attendance.services import AnswerDetails, give_answer
    from ..meetings.models import Meeting
    from ..models_common import utcnow

    logins = {users[username].id for username, _password in DEMO_PASSWORDS.values()}
    for code, index, reason, stand_in in _ANSWERS:
        meeting = session.scalar(select(Meeting).join(Body).where(Body.code == code))
        if meeting is None:
            continue
        invited = sorted((i for i in meeting.invitations
                          if not i.is_guest and i.user_id not in logins),
                         key=lambda i: i.user_id)
        details = AnswerDetails(AttendanceChoice.ATTENDING)
        if reason:
            name, position = stand_in or ("", "")
            details = AnswerDetails(AttendanceChoice.ABSENT, reason=reason,
                                    stand_in_name=name, stand_in_position=position)
        give_answer(session, invited[index], details, SEED_ACTOR, utcnow())
    session.flush()
