"""API resources: thin views over the web's services (no rules of their own)."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from flask import Response, request, url_for
from sqlalchemy import func, select

from ..errors import DomainError
from ..extensions import db
from ..meetings.models import Meeting, MeetingKind
from ..meetings.services import (
    STAFF_ROLES,
    MeetingDetails,
    NotVisible,
    create_meeting,
    get_visible_meeting,
    update_meeting,
    visible_meetings_query,
)
from .auth import api_actor, caller
from .common import (
    ID,
    api_blueprint,
    json_response,
    not_found,
    problems,
    staff_forbidden,
    staff_only,
)
from .problems import problem
from .schemas import MeetingCreate, MeetingOut, MeetingPage, MeetingUpdate, PageArgs

bp = api_blueprint("api_meetings", "/api/v1/meetings",
                   "Meetings (hội nghị) the token's user may see.")


def _not_found() -> Response:
    return not_found("hội nghị này", "meeting")


def _sessions(user):  # type: ignore[no-untyped-def]
    """What the web's meeting list shows this user (consultation containers apart)."""
    return visible_meetings_query(user).where(Meeting.kind == MeetingKind.SESSION.value)


@bp.get("/")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, MeetingPage, description="Newest first; ordered by start, then id.",
             headers={"ETag": {"schema": {"type": "string"}},
                      "Link": {"schema": {"type": "string"}}})
@bp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match.")
@problems(bp)
def list_meetings(page: int, per_page: int) -> Response:
    """List the meetings you may see"""
    user = caller().user
    query = _sessions(user)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    meetings = db.session.scalars(
        query.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    pages = max(1, math.ceil(total / per_page))
    data = MeetingPage().dump({
        "items": meetings,
        "pagination": {"page": page, "per_page": per_page, "total": total, "pages": pages},
    })
    response = json_response(data)
    links = []
    for rel, number in (("first", 1), ("prev", page - 1), ("next", page + 1), ("last", pages)):
        if 1 <= number <= pages:
            href = url_for(".list_meetings", page=number, per_page=per_page)
            links.append(f'<{href}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get(f"/<{ID}:meeting_id>")
@bp.response(200, MeetingOut)
@problems(bp, 404)
def read_meeting(meeting_id: int) -> Response:
    """Read one meeting"""
    try:
        meeting = get_visible_meeting(db.session, caller().user, meeting_id)
    except NotVisible:
        return _not_found()
    if meeting.kind != MeetingKind.SESSION.value and not caller().user.has_role(*STAFF_ROLES):
        return _not_found()
    return json_response(MeetingOut().dump(meeting))


@bp.post("/")
@staff_only
@bp.arguments(MeetingCreate)
@bp.response(201, MeetingOut)
@problems(bp, 400, 403)
def create(data: dict[str, Any]) -> Response:
    """Create a draft meeting (staff); the members of its body are invited"""
    try:
        meeting = create_meeting(db.session, MeetingDetails(**data), api_actor())
    except DomainError as error:
        return problem(422, ("Không có cơ quan này.", "Unknown body."),
                       errors=[{"field": "body_id", "in": "json",
                                "messages": [error.message % error.params]}])
    response = json_response(MeetingOut().dump(meeting), 201)
    response.headers["Location"] = url_for(".read_meeting", meeting_id=meeting.id)
    return response


@bp.patch(f"/<{ID}:meeting_id>")
@bp.arguments(MeetingUpdate)
@bp.response(200, MeetingOut)
@problems(bp, 400, 403, 404)
def update(data: dict[str, Any], meeting_id: int) -> Response:
    """Change a meeting's number, title, start or place (staff)"""
    user = caller().user
    try:
        meeting = get_visible_meeting(db.session, user, meeting_id)
    except NotVisible:
        return _not_found()
    if not user.has_role(*STAFF_ROLES):
        return staff_forbidden()
    details = MeetingDetails(
        body_id=meeting.body_id,
        session_number=data.get("session_number", meeting.session_number),
        title=data.get("title", meeting.title),
        starts_at=data.get("starts_at", meeting.starts_at),
        place=data.get("place", meeting.place),
    )
    update_meeting(db.session, meeting, details, api_actor())
    return json_response(MeetingOut().dump(meeting))
