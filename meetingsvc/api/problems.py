"""RFC 9457 problem details for every error under ``/api/``.

``title`` and ``detail`` are in the request's language (``Accept-Language``: Vietnamese
unless English is preferred); ``title_vi`` and ``title_en`` always carry both. Errors of
the HTML site are not touched: they keep their pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, request

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

#: Titles per status: (Vietnamese, English).
TITLES: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Chưa xác thực", "Unauthorized"),
    403: ("Không có quyền", "Forbidden"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được phép", "Method not allowed"),
    406: ("Không thể trả định dạng yêu cầu", "Not acceptable"),
    409: ("Xung đột", "Conflict"),
    412: ("Điều kiện không thỏa mãn", "Precondition failed"),
    413: ("Nội dung quá lớn", "Content too large"),
    415: ("Kiểu nội dung không hỗ trợ", "Unsupported media type"),
    422: ("Dữ liệu không hợp lệ", "Validation failed"),
    428: ("Thiếu điều kiện", "Precondition required"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
    500: ("Lỗi máy chủ", "Internal server error"),
}

#: Problem types beyond the plain HTTP status (``about:blank``).
TYPES = {
    401: "urn:meetingsvc:problem:unauthorized",
    422: "urn:meetingsvc:problem:validation",
    429: "urn:meetingsvc:problem:rate-limited",
}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def language() -> str:
    best = request.accept_languages.best_match(["vi", "en"])
    return best or "vi"


def problem(status: int, detail: tuple[str, str] | None = None, *,
            errors: list[Mapping[str, Any]] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    """A problem response; ``detail`` is (Vietnamese, English)."""
    title_vi, title_en = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    english = language() == "en"
    body: dict[str, Any] = {
        "type": TYPES.get(status, "about:blank"),
        "title": title_en if english else title_vi,
        "title_vi": title_vi,
        "title_en": title_en,
        "status": status,
        "detail": (detail[1] if english else detail[0]) if detail
        else (title_en if english else title_vi),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = list(errors)
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages: Any) -> list[dict[str, Any]]:
    """webargs/marshmallow messages (``{"json": {"title": ["…"]}}``) as a flat list."""
    found: list[dict[str, Any]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            location, *field = path or ["json"]
            found.append({"field": ".".join(field) or location, "in": location,
                          "messages": list(node)})
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, [*path, str(index)])
        else:
            walk([str(node)], path)

    walk(messages, [])
    return found
