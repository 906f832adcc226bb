"""View tickets: "opened" is recorded for the viewer's own request, not for any GET.

The viewer page mints a short-lived ticket bound to the copy and the delegate;
the viewer's first request for the copy (PDF.js's fetch, or the first page
image) carries it. A link followed from another site, a prefetch, or a file URL
typed by hand carries none, so it reads the copy without counting as an opening.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..issuance.models import IssuedCopy
from .models import DeliveryEvent, EventKind
from .services import Visitor, record_event

__all__ = ["TICKET_MAX_AGE_SECONDS", "mint_view_ticket", "record_opening", "ticket_minted_at"]

#: A ticket is good for this long: a working session with a document.
TICKET_MAX_AGE_SECONDS = 4 * 3600
_SALT = "meetingsvc.tracking.view-ticket"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def mint_view_ticket(secret_key: str, copy_id: int, user_id: int) -> str:
    """A ticket for one viewing of one copy by its delegate."""
    return _serializer(secret_key).dumps({"c": copy_id, "u": user_id, "t": time.time()})


def ticket_minted_at(secret_key: str, ticket: str | None, copy_id: int, user_id: int,
                     max_age: int = TICKET_MAX_AGE_SECONDS) -> datetime | None:
    """When a valid ticket for this copy and delegate was minted; ``None`` if it is not one."""
    if not ticket:
        return None
    try:
        data = _serializer(secret_key).loads(ticket, max_age=max_age)
    except BadSignature:  # also an expired one
        return None
    if not isinstance(data, dict) or data.get("c") != copy_id or data.get("u") != user_id:
        return None
    minted = data.get("t")
    if not isinstance(minted, int | float):
        return None
    return datetime.fromtimestamp(minted, UTC)


def record_opening(session: Session, copy: IssuedCopy, minted_at: datetime | None,
                   fetch_site: str | None, visitor: Visitor) -> DeliveryEvent | None:
    """Record "opened" for a request the viewer started, once per ticket.

    Nothing is recorded without a valid ticket, for a request the browser marks
    cross-site, or when the copy was already opened since the ticket was minted.
    """
    if minted_at is None or (fetch_site or "").lower() == "cross-site":
        return None
    since = session.scalar(select(DeliveryEvent.id).where(
        DeliveryEvent.copy_id == copy.id, DeliveryEvent.kind == EventKind.OPENED.value,
        DeliveryEvent.at >= minted_at).limit(1))
    if since is not None:
        return None
    return record_event(session, copy, EventKind.OPENED, visitor)
