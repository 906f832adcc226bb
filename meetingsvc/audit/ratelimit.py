"""A fixed-window request counter in the database, shared by every web process.

The public QR page is open to anyone, so it is limited per address. The count
lives in the database rather than in memory because gunicorn runs several
processes (an in-memory count would allow the limit once per process) and the
default install has no Redis; one atomic upsert per request is cheap next to the
page's own query.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import RateLimitWindow

#: Windows older than this are deleted now and then.
_STALE_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    hits: int
    #: Seconds until the window ends (for ``Retry-After``).
    retry_after: int


def hit(session: Session, key: str, limit: int, window_seconds: int = 60,
        now: float | None = None) -> RateDecision:
    """Count one request for ``key`` and say whether it is within ``limit`` per window."""
    now = time.time() if now is None else now
    window = int(now // window_seconds) * window_seconds
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitWindow.__table__
    statement = insert(table).values(key=key[:200], window_start=window, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((table.c.window_start == window, table.c.hits + 1), else_=1),
              "window_start": window},
    ).returning(table.c.hits)
    hits = int(session.execute(statement).scalar_one())
    if secrets.randbelow(200) == 0:
        session.execute(delete(RateLimitWindow).where(
            RateLimitWindow.window_start < window - _STALE_AFTER_SECONDS))
    retry_after = max(1, math.ceil(window + window_seconds - now))
    return RateDecision(hits <= limit, hits, retry_after)
