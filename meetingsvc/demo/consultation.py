"""The demo's written consultation: the Standing Committee asked, between sessions, about
one draft resolution; open for five more days, three members have answered already."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..accounts.models import Body, User
from ..audit.services import Actor
from ..consultation.services import (
    ConsultationDetails,
    QuestionDetails,
    answer_question,
    create_consultation,
    open_consultation,
)
from ..documents.blobs import BlobStore
from ..documents.services import Upload
from ..models_common import utcnow
from .meetings import (
    AUDIENCE_ALL,
    KINDS,
    Confidentiality,
    DemoDocument,
    SignatureBlock,
)
from .pdfs import render_document_pdf

SUBJECT = "Chủ trương đầu tư Dự án đường ven biển đoạn qua tỉnh Sơn Hà"
QUESTION = ("Đồng chí có đồng ý thông qua dự thảo Nghị quyết của Ban Thường vụ Tỉnh ủy về "
            "chủ trương đầu tư Dự án đường ven biển đoạn qua tỉnh Sơn Hà không?")
#: Members (not demo logins) who answered already: username, choice, comment.
_ANSWERS = (
    ("nguyenkhacthang", "agree", None),
    ("tranthithuhang", "agree", "Nhất trí; đề nghị bổ sung phương án giải phóng mặt bằng."),
    ("lequangminh", "other", "Đề nghị làm rõ nguồn vốn ngân sách tỉnh trước khi thông qua."),
)


def seed_consultation(session: Session, store: BlobStore, font_dir: Path,
                      bodies: dict[str, Body], users: dict[str, User], today: date,
                      zone: tzinfo, policy: dict[str, Any], actor: Actor) -> None:
    """Open the consultation (its drafts' issuance runs when the service starts) and
    record a few answers."""
    now = utcnow()
    draft = DemoDocument(
        number=52, kind=KINDS["NQ"], subject="về chủ trương đầu tư Dự án đường ven biển "
        "đoạn qua tỉnh Sơn Hà (dự thảo)", confidentiality=Confidentiality.NONE, pages=3,
        audience=AUDIENCE_ALL, guests_allowed=False, issued_on=today,
        signature=SignatureBlock("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "nguyenkhacthang"),
        recipients=("- Các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy,",
                    "- Lưu Văn phòng Tỉnh ủy."))
    pdf = render_document_pdf(draft, font_dir=font_dir)
    deadline = datetime.combine(today + timedelta(days=5), time(17, 0), zone)
    consultation = create_consultation(
        session, store, ConsultationDetails(bodies["btv"].id, SUBJECT, deadline),
        QuestionDetails(QUESTION, "DT-NQ/TU", draft.title),
        Upload(io.BytesIO(pdf), "du-thao-nghi-quyet.pdf", len(pdf)), actor, now)
    open_consultation(session, consultation, actor, policy, None, now)
    question = consultation.questions[0]
    for username, choice, comment in _ANSWERS:
        user = users[username]
        answer_question(session, question, user, choice, comment,
                        Actor(user_id=user.id, username=user.username), now)
    session.flush()
