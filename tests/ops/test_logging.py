"""One log format for every process: JSON lines with the request's id, no font-subsetting noise,
and the demo's loading summed up in one line."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from meetingsvc import create_app
from meetingsvc.extensions import Base, db
from meetingsvc.ops.logging_setup import configure_logging, install_handler
from tests.conftest import base_test_config


@pytest.fixture
def log_to(app: Flask) -> Iterator[Callable[[str], io.StringIO]]:
    """Route the root logger's lines, in the format given, into a buffer; then set it back."""

    def install(log_format: str) -> io.StringIO:
        buffer = io.StringIO()
        install_handler(log_format, "INFO", logging.StreamHandler(buffer))
        return buffer

    yield install
    configure_logging(app)


def test_a_log_line_is_json_with_time_level_logger_message_and_request_id(app, log_to):
    output = log_to("json")
    with app.test_request_context(headers={"X-Request-ID": "nginx-0123456789abcdef"}):
        app.preprocess_request()
        logging.getLogger("meetingsvc.test").warning("copy %s sent", 7)
    logging.getLogger("meetingsvc.test").info("outside a request")
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    inside, outside = lines[-2:]
    assert {"time", "level", "logger", "message", "request_id"} <= inside.keys()
    assert inside["level"] == "WARNING"
    assert inside["logger"] == "meetingsvc.test"
    assert inside["message"] == "copy 7 sent"
    assert inside["request_id"] == "nginx-0123456789abcdef"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", inside["time"])
    assert "request_id" not in outside


def test_plain_text_for_development(log_to):
    output = log_to("text")
    logging.getLogger("meetingsvc.test").info("hello")
    assert re.search(r" INFO meetingsvc\.test \[-\]: hello$", output.getvalue().rstrip())


def test_font_subsetting_logs_nothing_at_info(log_to, caplog):
    from meetingsvc.demo.pdfs import render_generic_pdf

    output = log_to("json")
    with caplog.at_level(logging.INFO):
        render_generic_pdf("Báo cáo", pages=1, seed=1)  # fpdf2 subsets fonts with fontTools
    assert not [r for r in caplog.records if r.name.startswith("fontTools")]
    assert "fontTools" not in output.getvalue()


def test_each_response_carries_its_request_id(client):
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert given.headers["X-Request-ID"] == "nginx-0123456789abcdef"
    made = client.get("/healthz", headers={"X-Request-ID": "bad\\id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])


def test_loading_the_demo_logs_one_summary_line(tmp_path, caplog):
    """SQLite only: what is logged does not depend on the database."""
    config = base_test_config(tmp_path / "instance")
    config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    app = create_app(config)
    Base.metadata.create_all(db.engine)
    from meetingsvc.demo.seed import seed_demo

    with app.app_context(), caplog.at_level(logging.INFO):
        summary = seed_demo(db.session, app.config)
        db.session.rollback()
    infos = [r for r in caplog.records if r.levelno == logging.INFO]
    assert [r.getMessage() for r in infos] == [summary]
    assert summary.startswith("demo loaded: ")


def test_gunicorn_logs_its_own_lines_in_the_same_format():
    from logging.config import DictConfigurator

    from meetingsvc.ops import gunicorn_conf
    from meetingsvc.ops.logging_setup import JsonFormatter

    factory = gunicorn_conf.logconfig_dict["formatters"]["generic"]["()"]
    assert DictConfigurator({}).resolve(factory) is JsonFormatter
    assert gunicorn_conf.logconfig_dict["loggers"]["gunicorn.error"]["propagate"] is False
    assert gunicorn_conf.accesslog is None  # nginx keeps the access log
