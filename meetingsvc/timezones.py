"""The office's time zone: one setting (``OFFICE_TIMEZONE``), one way to read a stored time.

Times are stored in UTC (a naive value read back from SQLite means UTC too). Every
time a person sees, on a page, a paper, an export or a report, is the office's
clock: :func:`office_time` turns one into the other. Services take the zone as an
argument (:class:`ZoneInfo`); views and commands ask :func:`office_zone` for the one
the running application is configured with. The signing library receives it from
its caller and never reads a setting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app

__all__ = ["default_office_zone", "office_day_start", "office_time", "office_zone",
           "utc_offset_label", "zone_named"]


@cache
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` ("Asia/Ho_Chi_Minh"), loaded once per process."""
    return ZoneInfo(name)


def office_zone() -> ZoneInfo:
    """The zone ``OFFICE_TIMEZONE`` names, for the application serving this request or command."""
    return zone_named(current_app.config["OFFICE_TIMEZONE"])


def office_time(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A stored time (naive means UTC) as the office's clock reads it, zone attached.

    ``zone`` defaults to the running application's :func:`office_zone`.
    """
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone if zone is not None else office_zone())


def office_day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """When the office's calendar day ``day`` begins, in UTC (for "from"/"to" filters)."""
    local = datetime.combine(day, time(), zone if zone is not None else office_zone())
    return local.astimezone(UTC)


def utc_offset_label(local: datetime) -> str:
    """ "UTC+7", "UTC-3:30": the offset of an aware time, for readers in other zones."""
    offset = local.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    hours, rest = divmod(abs(minutes), 60)
    return "UTC" + ("-" if minutes < 0 else "+") + str(hours) + (f":{rest:02d}" if rest else "")


def default_office_zone() -> ZoneInfo:
    """The zone ``OFFICE_TIMEZONE`` names by default: for data made outside an application."""
    from .config import defaults

    return zone_named(defaults()["OFFICE_TIMEZONE"])
