"""Wiring the API into the application: OpenAPI, problem details, no cookies, no CSRF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Request, Response, g, render_template, request
from flask.sessions import SessionMixin
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, login_manager
from .problems import MEDIA_TYPE, field_errors, is_api_path, problem
from .schemas import Problem

VERSION_PREFIX = "/api/v1"

docs_bp = Blueprint("api_docs", __name__, url_prefix=VERSION_PREFIX)


@docs_bp.get("/docs")
def docs() -> str:
    """Swagger UI, from our own static files (the office network is closed)."""
    return render_template("api/docs.html")


class MeetingApi(Api):  # type: ignore[misc]
    """flask-smorest without its site-wide JSON error handler: only /api/ speaks JSON.

    Its documented error responses are our problem details, as application/problem+json.
    """

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        normal = self.DEFAULT_RESPONSE_CONTENT_TYPE
        self.DEFAULT_RESPONSE_CONTENT_TYPE = MEDIA_TYPE
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = normal


def init_api(app: Flask) -> None:
    from . import agenda, around, audit_log, copies, documents, issuance, meetings, verification
    from .cli import tokens_cli
    from .token_views import bp as keys_bp

    app.config.update(
        API_TITLE="meetingsvc API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=VERSION_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Giấy tờ hội nghị qua API — the meeting papers over an API. "
                                    "Authenticate with a personal API key: "
                                    "`Authorization: Bearer <key>`."},
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api = MeetingApi(app)
    for resource in (meetings, agenda, documents, issuance, copies, around, verification,
                     audit_log):
        api.register_blueprint(resource.bp)
        csrf.exempt(resource.bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(keys_bp)
    app.cli.add_command(tokens_cli)
    _ignore_cookies_under_api(app)
    _problem_details_under_api(app)


def _ignore_cookies_under_api(app: Flask) -> None:
    """No session or remember cookie ever signs anyone in under /api/: tokens only."""
    interface = app.session_interface
    open_session = interface.open_session

    def open_session_outside_api(flask_app: Flask, req: Request) -> SessionMixin | None:
        if is_api_path(req.path):
            return interface.make_null_session(flask_app)
        return open_session(flask_app, req)

    interface.open_session = open_session_outside_api  # type: ignore[method-assign]

    def nobody_signed_in() -> None:
        if is_api_path(request.path):
            g._login_user = login_manager.anonymous_user()

    # First of all before-request functions, ahead of those that look at the signed-in user.
    app.before_request_funcs.setdefault(None, []).insert(0, nobody_signed_in)


def _problem_details_under_api(app: Flask) -> None:
    """Under /api/ every HTTP error is problem details; elsewhere the site's pages stay."""
    site_handler = app.error_handler_spec[None][None].get(HTTPException)

    def handle(error: HTTPException) -> Any:
        if not is_api_path(request.path):
            if site_handler is None:
                return error
            return site_handler(error)
        return api_error(error)

    app.register_error_handler(HTTPException, handle)


def api_error(error: HTTPException) -> Response:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    headers: dict[str, str] = dict(data.get("headers") or {})
    if code == 405:
        headers["Allow"] = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
    if code == 422 and "messages" in data:
        return problem(422, ("Dữ liệu gửi lên không hợp lệ; xem danh sách errors.",
                             "The data sent is not valid; see the errors list."),
                       errors=field_errors(data["messages"]), headers=headers)
    if code == 400 and "messages" in data:
        return problem(400, ("Không đọc được nội dung yêu cầu (JSON?).",
                             "The request body could not be read (JSON?)."),
                       errors=field_errors(data["messages"]), headers=headers)
    return problem(code, headers=headers)
