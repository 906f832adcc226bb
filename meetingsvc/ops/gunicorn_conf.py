"""gunicorn's settings for production: ``gunicorn -c python:meetingsvc.ops.gunicorn_conf ...``.

gunicorn's own lines (start, worker boots, timeouts) come out in the app's format
(``MEETINGSVC_LOG_FORMAT``, JSON unless ``text``), gunicorn keeps no access log
(nginx does, with the same request id), and in Prometheus multiprocess mode a
dead worker's files are marked so its live gauges stop counting. The address and
the number of workers stay on the command line (``--bind``, ``--workers``).

Behind nginx each worker takes one request at a time. nginx reads slow clients'
requests and sends every stored file itself (``X-Accel-Redirect``), so a worker
is never held by a slow network; and a request alone in its process never waits
for its own process's other threads for the interpreter lock, which matters most
while it holds the database's write lock, the one step downloads take in turn
(BENCHMARKS.md, "Downloads under load"). The workers are threaded all the same
(``gthread``, one thread) so that they keep nginx's upstream connections open.
"""

from __future__ import annotations

import os
from typing import Any

from .logging_setup import TEXT_FORMAT

__all__ = ["accesslog", "child_exit", "keepalive", "logconfig_dict", "post_worker_init",
           "threads", "worker_class", "workers"]

workers = 2
worker_class = "gthread"
threads = 1
#: Seconds an idle connection from nginx stays open: longer than nginx keeps it
#: (``keepalive_timeout`` of the upstream, 60 s), so nginx never sends a request
#: on a connection gunicorn is closing.
keepalive = 75
accesslog = None
_text = os.environ.get("MEETINGSVC_LOG_FORMAT", "json") == "text"

logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    # The app adds its own handler to the root logger in each worker (create_app).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
    "handlers": {
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic",
                          "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "generic": ({"format": TEXT_FORMAT.replace(" [%(request_id)s]", "")} if _text else
                    {"()": "meetingsvc.ops.logging_setup.JsonFormatter"}),
    },
}


def child_exit(_server: Any, worker: Any) -> None:
    """A worker ended: in multiprocess mode its live gauges no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def post_worker_init(worker: Any) -> None:
    """A worker has loaded the app: it opens the office key for audit checkpoints now.

    Opened by the first checkpoint instead, it would be opened under the audit
    chain's lock, every audited action of the deployment waiting. A key that
    cannot be opened is logged and tried again at that checkpoint, as before.
    """
    from meetingsvc.audit.checkpoints import open_checkpoint_key

    app = worker.wsgi
    try:
        with app.app_context():
            open_checkpoint_key()
    except Exception:  # a token unplugged: the worker serves all the same
        worker.log.exception("could not open the office key for audit checkpoints")
