"""API resources: thin views over the web's services (no rules of their own)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request, url_for
from flask_smorest import Blueprint
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
from .auth import api_actor, authenticate_request, caller
from .problems import problem
from .schemas import MeetingCreate, MeetingOut, MeetingPage, MeetingUpdate, PageArgs

#: Ids beyond a 32-bit integer match no route (404), rather than fail in PostgreSQL.
MAX_ID = 2**31 - 1

bp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings",
               description="Meetings (hội nghị) the token's user may see.")
bp.before_request(authenticate_request)


def problems(*codes: int) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Document the problem responses an operation may give (besides 401 and 429)."""
    names = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
             422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS"}

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        for code in (401, 429, *codes):
            view = bp.alt_response(code, response=names[code])(view)
        return view

    return decorate


def _not_found() -> Response:
    return problem(404, ("Không có hội nghị này, hoặc bạn không được xem.",
                         "No such meeting, or you may not see it."))


def _forbidden() -> Response:
    return problem(403, ("Chỉ văn phòng (thư ký, quản trị) được tạo và sửa hội nghị.",
                         "Only the secretariat and admins create and change meetings."))


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, sort_keys=True), status=status,
                    mimetype="application/json")


def _sessions(user):  # type: ignore[no-untyped-def]
    """What the web's meeting list shows this user (consultation containers apart)."""
    return visible_meetings_query(user).where(Meeting.kind == MeetingKind.SESSION.value)


@bp.get("/")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, MeetingPage, description="Newest first; ordered by start, then id.",
             headers={"ETag": {"schema": {"type": "string"}},
                      "Link": {"schema": {"type": "string"}}})
@bp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match.")
@problems()
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
    response = _json(data)
    links = []
    for rel, number in (("first", 1), ("prev", page - 1), ("next", page + 1), ("last", pages)):
        if 1 <= number <= pages:
            href = url_for(".list_meetings", page=number, per_page=per_page)
            links.append(f'<{href}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get(f"/<int(max={MAX_ID}):meeting_id>")
@bp.response(200, MeetingOut)
@problems(404)
def read_meeting(meeting_id: int) -> Response:
    """Read one meeting"""
    try:
        meeting = get_visible_meeting(db.session, caller().user, meeting_id)
    except NotVisible:
        return _not_found()
    if meeting.kind != MeetingKind.SESSION.value and not caller().user.has_role(*STAFF_ROLES):
        return _not_found()
    return _json(MeetingOut().dump(meeting))


def staff_only(view: Callable[..., Response]) -> Callable[..., Response]:
    """Refuse other roles before the body is even read."""
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        if not caller().user.has_role(*STAFF_ROLES):
            return _forbidden()
        return view(*args, **kwargs)

    return guarded


@bp.post("/")
@staff_only
@bp.arguments(MeetingCreate)
@bp.response(201, MeetingOut)
@problems(400, 403)
def create(data: dict[str, Any]) -> Response:
    """Create a draft meeting (staff); the members of its body are invited"""
    try:
        meeting = create_meeting(db.session, MeetingDetails(**data), api_actor())
    except DomainError as error:
        return problem(422, ("Không có cơ quan này.", "Unknown body."),
                       errors=[{"field": "body_id", "in": "json",
                                "messages": [error.message % error.params]}])
    response = _json(MeetingOut().dump(meeting), 201)
    response.headers["Location"] = url_for(".read_meeting", meeting_id=meeting.id)
    return response


@bp.patch(f"/<int(max={MAX_ID}):meeting_id>")
@bp.arguments(MeetingUpdate)
@bp.response(200, MeetingOut)
@problems(400, 403, 404)
def update(data: dict[str, Any], meeting_id: int) -> Response:
    """Change a meeting's number, title, start or place (staff)"""
    user = caller().user
    try:
        meeting = get_visible_meeting(db.session, user, meeting_id)
    except NotVisible:
        return _not_found()
    if not user.has_role(*STAFF_ROLES):
        return _forbidden()
    details = MeetingDetails(
        body_id=meeting.body_id,
        session_number=data.get("session_number", meeting.session_number),
        title=data.get("title", meeting.title),
        starts_at=data.get("starts_at", meeting.starts_at),
        place=data.get("place", meeting.place),
    )
    update_meeting(db.session, meeting, details, api_actor())
    return _json(MeetingOut().dump(meeting))
