"""What every API resource module shares: JSON answers, documented problems, role guards.

A resource module is a flask-smorest ``Blueprint`` with ``authenticate_request`` before
each request; its views are thin: they read arguments, call the web's services and dump
the result. Rules (who may see what) live in the services, never here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from flask import Response
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..accounts.models import Role
from ..errors import DomainError
from ..extensions import db
from ..meetings.models import MeetingKind
from ..meetings.services import STAFF_ROLES, NotVisible, get_visible_meeting
from .auth import authenticate_request, caller
from .problems import language, problem

#: Ids beyond a 32-bit integer match no route (404), rather than fail in PostgreSQL.
MAX_ID = 2**31 - 1
#: A URL converter for database ids, e.g. ``f"/<{ID}:meeting_id>"``.
ID = f"int(max={MAX_ID})"
#: The path of one meeting, which most resources hang under.
MEETING = f"/meetings/<{ID}:meeting_id>"

#: The responses flask-smorest registers, by its names (Python's: 413 is named
#: REQUEST_ENTITY_TOO_LARGE before Python 3.13, CONTENT_TOO_LARGE after).
_STATUS_NAMES = {code: HTTPStatus(code).name
                 for code in (400, 401, 403, 404, 409, 413, 422, 429)}


def api_blueprint(name: str, url_prefix: str, description: str) -> Blueprint:
    """A resource blueprint whose every request must carry a usable key."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix, description=description)
    bp.before_request(authenticate_request)
    return bp


def problems(bp: Blueprint, *codes: int
             ) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Document the problem responses an operation may give (besides 401 and 429)."""
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        for code in (401, 429, *codes):
            name = _STATUS_NAMES.get(code)
            if name is None:  # flask-smorest knows no name for it: describe it ourselves
                view = bp.alt_response(code, description="Problem details.",
                                       content_type="application/problem+json")(view)
            else:
                view = bp.alt_response(code, response=name)(view)
        return view

    return decorate


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, sort_keys=True), status=status,
                    mimetype="application/json")


def not_found(what_vi: str = "mục này", what_en: str = "item") -> Response:
    """The one answer for a missing object and for someone else's (never 403 for those)."""
    return problem(404, (f"Không có {what_vi}, hoặc bạn không được xem.",
                         f"No such {what_en}, or you may not see it."))


def said(error: DomainError) -> tuple[str, str]:
    """A service's message in Vietnamese and in English, as the web would show it."""
    with force_locale("vi"):
        vi = _(error.message, **error.params)
    with force_locale("en"):  # parameters that translate themselves read in English too
        en = _(error.message, **error.params)
    return vi, en


def refused(error: DomainError, where: str = "json") -> Response:
    """A service's refusal: 422 naming the field it is about, else 409 (the object's state,
    e.g. a session already started, does not allow it). Nothing of the refused change is
    kept."""
    db.session.rollback()
    words = said(error)
    if error.field is None:
        return problem(409, words)
    message = words[1] if language() == "en" else words[0]
    return problem(422, words, errors=[{"field": error.field, "in": where,
                                        "messages": [message]}])


def staff_forbidden() -> Response:
    return problem(403, ("Chỉ văn phòng (thư ký, quản trị) được làm việc này.",
                         "Only the secretariat and admins may do this."))


def auditor_forbidden() -> Response:
    return problem(403, ("Chỉ cán bộ kiểm tra được làm việc này.",
                         "Only auditors may do this."))


def roles_only(roles: tuple[Role, ...], forbidden: Callable[[], Response]
               ) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Refuse other roles (403, a role's collection) before the body is even read."""
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            if not caller().user.has_role(*roles):
                return forbidden()
            return view(*args, **kwargs)

        return guarded

    return decorate


#: The secretariat's and admins' operations.
staff_only = roles_only(STAFF_ROLES, staff_forbidden)
#: What the web's audit pages allow: auditors only.
auditor_only = roles_only((Role.AUDITOR,), auditor_forbidden)


def with_meeting(*, staff: bool = False
                 ) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Load the path's meeting before the body is read: 404 unless the caller may see it
    (as on its web page), and with ``staff`` 403 unless they also prepare meetings. The
    view gets ``meeting`` instead of ``meeting_id``."""
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def guarded(*args: Any, meeting_id: int, **kwargs: Any) -> Response:
            user = caller().user
            try:
                meeting = get_visible_meeting(db.session, user, meeting_id)
            except NotVisible:
                return not_found("hội nghị này", "meeting")
            is_staff = user.has_role(*STAFF_ROLES)
            if meeting.kind != MeetingKind.SESSION.value and not is_staff:
                return not_found("hội nghị này", "meeting")  # a consultation's container
            if staff and not is_staff:
                return staff_forbidden()
            return view(*args, meeting=meeting, **kwargs)

        return guarded

    return decorate
