"""Bearer-token authentication and the per-token rate limit of every API call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, g, request

from ..accounts.models import User
from ..audit import ratelimit
from ..audit.services import Actor
from ..extensions import db
from ..models_common import utcnow
from .models import ApiToken
from .problems import problem
from .tokens import authenticate


def now() -> datetime:
    """The API's clock; tests replace it."""
    return utcnow()


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    user: User


def unauthorized(detail: tuple[str, str]) -> Response:
    return problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def authenticate_request() -> Response | None:
    """Before every API view: a usable token, within its rate limit, or a problem."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return unauthorized(("Thiếu khóa API: gửi tiêu đề Authorization: Bearer <khóa>.",
                             "No API key: send the header Authorization: Bearer <key>."))
    moment = now()
    token = authenticate(db.session, secret.strip(), moment)
    if token is None:
        return unauthorized(("Khóa API không hợp lệ, đã hết hạn hoặc đã bị thu hồi.",
                             "The API key is invalid, expired or revoked."))
    limit = int(current_app.config["API_REQUESTS_PER_MINUTE"])
    decision = ratelimit.hit(db.session, f"api:{token.id}", limit, now=moment.timestamp())
    if not decision.allowed:
        return problem(429, (f"Khóa này đã gửi quá {limit} yêu cầu trong một phút; "
                             f"thử lại sau {decision.retry_after} giây.",
                             f"This key sent more than {limit} requests in a minute; "
                             f"retry after {decision.retry_after} seconds."),
                       headers={"Retry-After": str(decision.retry_after)})
    g.api_caller = Caller(token, token.user)
    return None


def caller() -> Caller:
    found: Caller = g.api_caller
    return found


def api_actor() -> Actor:
    """The token's user as the audit log records them, with the token's name."""
    who = caller()
    return Actor(user_id=who.user.id, username=who.user.username, address=request.remote_addr,
                 token_name=who.token.name)
