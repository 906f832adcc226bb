"""The demo's comments on a draft: the Executive Committee's draft resolution on digital
transformation is open for comments, and two members have commented already."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Body, User
from ..audit.services import Actor
from ..comments.services import CommentInput, open_for_comments, usual_deadline, write_comment
from ..meetings.models import Meeting
from ..meetings.services import invitation_of

#: The agenda item opened, found by the words of its title.
DRAFT_TITLE = "Dự thảo Nghị quyết về chuyển đổi số"

#: (username, page or section, comment), in the order they were written.
COMMENTS = (
    ("tranthithuhang", "Phần II, mục 1",
     "Đề nghị bổ sung chỉ tiêu tỷ lệ hồ sơ thủ tục hành chính được xử lý trực tuyến toàn "
     "trình đạt ít nhất 80% vào năm 2030, để đo được kết quả."),
    ("lyminhhoang", "Phần III",
     "Nhiệm vụ đào tạo nhân lực số nên giao cụ thể cho Sở Nội vụ chủ trì, phối hợp với "
     "các trường đại học trên địa bàn; đề nghị nêu rõ nguồn kinh phí."),
)


def seed_comments(session: Session, actor: Actor) -> None:
    """Open the draft resolution of the Executive Committee's session for comments until
    17:00 two days before it, with comments written a few days after opening."""
    meeting = session.scalar(select(Meeting).join(Body).where(Body.code == "bch")
                             .order_by(Meeting.id))
    if meeting is None:
        return
    item = next((i for i in meeting.agenda_items if DRAFT_TITLE in i.title), None)
    if item is None:
        return
    deadline = usual_deadline(meeting.starts_at).astimezone(UTC)
    opened = meeting.starts_at - timedelta(days=10)
    call = open_for_comments(session, item, deadline,
                             "Đề nghị các đồng chí góp ý vào mục tiêu, chỉ tiêu (Phần II) và "
                             "nhiệm vụ, giải pháp (Phần III) của dự thảo.", opened, actor)
    for hours, (username, location, text) in enumerate(COMMENTS, start=1):
        user = session.scalar(select(User).where(User.username == username))
        if user is None or invitation_of(session, meeting, user) is None:
            continue
        write_comment(session, call, user, CommentInput(text, location),
                      opened + timedelta(days=1, hours=hours), Actor(username=username))
