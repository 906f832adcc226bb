"""What every API resource module shares: JSON answers, documented problems, role guards.

A resource module is a flask-smorest ``Blueprint`` with ``authenticate_request`` before
each request; its views are thin: they read arguments, call the web's services and dump
the result. Rules (who may see what) live in the services, never here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response
from flask_smorest import Blueprint

from ..meetings.services import STAFF_ROLES
from .auth import authenticate_request, caller
from .problems import problem

#: Ids beyond a 32-bit integer match no route (404), rather than fail in PostgreSQL.
MAX_ID = 2**31 - 1
#: A URL converter for database ids, e.g. ``f"/<{ID}:meeting_id>"``.
ID = f"int(max={MAX_ID})"

_STATUS_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                 409: "CONFLICT", 413: "CONTENT_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY",
                 429: "TOO_MANY_REQUESTS"}


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


def staff_forbidden() -> Response:
    return problem(403, ("Chỉ văn phòng (thư ký, quản trị) được làm việc này.",
                         "Only the secretariat and admins may do this."))


def staff_only(view: Callable[..., Response]) -> Callable[..., Response]:
    """Refuse other roles before the body is even read."""
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        if not caller().user.has_role(*STAFF_ROLES):
            return staff_forbidden()
        return view(*args, **kwargs)

    return guarded
