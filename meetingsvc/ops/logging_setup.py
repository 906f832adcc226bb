"""One logging setup for the web processes, the CLI and the workers.

Each line is a JSON object (``LOG_FORMAT = "json"``: journald and log shippers
read it without a parser of ours) or plain text for development (``"text"``),
with the time, level, logger, message and, inside a request, the request's id.
nginx sends ``X-Request-ID`` (its ``$request_id``); the app echoes it, or makes
one, so one request's lines are found on both sides.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request

__all__ = ["JsonFormatter", "REQUEST_ID_HEADER", "RequestIdFilter", "configure_logging",
           "ensure_handler", "install_handler", "quieted", "track_request_ids"]

REQUEST_ID_HEADER = "X-Request-ID"
#: A request id from outside is kept only if it looks like one: it goes into every log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: Libraries that log every table of every font subset at INFO (fontTools) or every object,
#: and Alembic's list of the plugins it sets up before every migration.
NOISY_LOGGERS = ("fontTools", "pikepdf", "alembic.runtime.plugins")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None)
        if request_id and request_id != "-":
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on each record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id") if has_request_context() else None) or "-"
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (pytest and gunicorn replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def install_handler(log_format: str, level: str, handler: logging.Handler | None = None
                    ) -> logging.Handler:
    """Give the root logger our handler (replacing one installed before) and level."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "meetingsvc", False)]:
        root.removeHandler(old)
    handler = handler or _StderrHandler()
    handler.meetingsvc = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def ensure_handler(log_format: str, level: str) -> None:
    """Our handler, unless this process has one already (set up by the app, or inherited
    through ``fork``): for pool processes a fork server starts, which inherit none."""
    if not any(getattr(h, "meetingsvc", False) for h in logging.getLogger().handlers):
        install_handler(log_format, level)


def configure_logging(app: Flask) -> None:
    """The app's logging, the same in gunicorn, ``flask`` commands and Celery workers."""
    install_handler(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    _keep_celery_off_the_root_logger()


def _keep_celery_off_the_root_logger() -> None:
    """A Celery worker replaces the root logger's handlers unless someone answers this signal."""
    from celery import signals

    signals.setup_logging.connect(_logging_already_set_up, weak=False,
                                  dispatch_uid="meetingsvc.ops.logging")


def _logging_already_set_up(**_kwargs: Any) -> None:
    """The app set logging up when the worker imported it (``meetingsvc.jobs``)."""


def track_request_ids(app: Flask) -> None:
    """Each request gets an id (nginx's, or a new one), logged and sent back.

    Taken before any other before-request function, so their lines carry it too."""

    def take_request_id() -> None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex

    app.before_request_funcs.setdefault(None, []).insert(0, take_request_id)

    @app.after_request
    def send_request_id(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers.setdefault(REQUEST_ID_HEADER, request_id)
        return response


@contextmanager
def quieted(*names: str, level: int = logging.WARNING) -> Iterator[None]:
    """Raise these loggers' level for a while (a bulk job that logs one summary instead)."""
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, before, strict=True):
            logger.setLevel(old)
