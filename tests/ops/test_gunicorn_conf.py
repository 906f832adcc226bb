"""The production gunicorn settings, read as gunicorn reads them, against nginx's template."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace

from gunicorn.app.base import Application

NGINX_SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "meetingsvc.conf"


class _Loaded(Application):  # type: ignore[misc]
    """gunicorn's own loading of ``-c python:meetingsvc.ops.gunicorn_conf``, without serving."""

    def init(self, parser, opts, args):  # type: ignore[no-untyped-def]
        return None

    def load_config(self) -> None:
        self.cfg.set("config", "python:meetingsvc.ops.gunicorn_conf")
        self.load_config_from_module_name_or_filename(self.cfg.config)

    def load(self) -> None:
        raise AssertionError("not served")


def _upstream_keepalive_timeout() -> int:
    upstream = re.search(r"upstream meetingsvc_app \{(.*?)\}", NGINX_SITE.read_text(), re.S)
    assert upstream, "no upstream block in the nginx template"
    timeout = re.search(r"keepalive_timeout (\d+)s;", upstream.group(1))
    assert timeout, "the upstream block names no keepalive_timeout"
    return int(timeout.group(1))


def test_each_worker_takes_one_request_at_a_time_and_keeps_nginx_connections():
    config = _Loaded().cfg
    assert config.worker_class_str == "gthread"  # keep-alive with nginx, unlike "sync"
    assert config.threads == 1
    assert config.workers == 2


def test_gunicorn_never_closes_a_connection_nginx_may_still_use():
    """An idle upstream connection closed by gunicorn first makes nginx answer 502."""
    assert _Loaded().cfg.keepalive > _upstream_keepalive_timeout()


def test_a_worker_opens_the_checkpoint_key_before_its_first_request(app, monkeypatch):
    """Not under the audit chain's lock at the first checkpoint, every action waiting."""
    from meetingsvc.audit import checkpoints
    from meetingsvc.ops import gunicorn_conf

    monkeypatch.setattr(checkpoints, "_signers", {})
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app, log=logging.getLogger("test")))
    with app.app_context():
        key = checkpoints.checkpoint_key()
    assert key is not None and key in checkpoints._signers


def test_a_key_that_cannot_be_opened_leaves_the_worker_serving(app, monkeypatch, caplog):
    from meetingsvc.audit import checkpoints
    from meetingsvc.ops import gunicorn_conf

    def unplugged() -> bool:
        raise OSError("token removed")

    monkeypatch.setattr(checkpoints, "open_checkpoint_key", unplugged)
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app, log=logging.getLogger("test")))
    assert "could not open the office key" in caplog.text
