"""``/healthz``, ``/readyz`` and ``/metrics``: for the load balancer, systemd and Prometheus.

None needs a session, a form or a sign-in: they are read by machines. ``/metrics``
answers only direct requests from ``METRICS_ALLOWED_NETWORKS``; anyone else,
and anything that came through a proxy, gets 404.
"""

from __future__ import annotations

import ipaddress
import shutil
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from ..extensions import csrf, db
from .health import Readiness, ResultCache
from .logging_setup import track_request_ids
from .metrics import exposition, observe_unit_durations, time_downloads

__all__ = ["bp", "init_ops"]

bp = Blueprint("ops", __name__)
csrf.exempt(bp)

#: Where the app keeps its readiness checks (their cache lives as long as the app).
READINESS = "ops.readiness"


def init_ops(app: Flask) -> None:
    """Request ids, download timing, unit durations, and the three endpoints."""
    track_request_ids(app)
    time_downloads(app)
    observe_unit_durations()
    app.extensions[READINESS] = Readiness(
        config=app.config, instance_path=app.instance_path, engine=lambda: db.engine,
        disk_usage=shutil.disk_usage,  # type: ignore[arg-type]
        cache=ResultCache(ttl=float(app.config["READINESS_CACHE_SECONDS"])))
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. Nothing else is asked, so a restart never hides a cause."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when every check passed, 503 naming those that did not."""
    readiness: Readiness = current_app.extensions[READINESS]
    results = readiness.check()
    ready = all(result.ok for result in results)
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable",
                            "checks": {result.name: result.as_json() for result in results}}
    if not ready:
        body["failing"] = [result.name for result in results if not result.ok]
    return _no_store(jsonify(body)), 200 if ready else 503


@bp.get("/metrics")
def metrics() -> Response:
    if not _may_read_metrics():
        abort(404)
    response = Response(exposition(db.new_session),
                        mimetype="text/plain; version=0.0.4; charset=utf-8")
    return _no_store(response)


def _may_read_metrics() -> bool:
    """A direct request (no proxy's header) from an allowed network."""
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False)
               for network in current_app.config["METRICS_ALLOWED_NETWORKS"])


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
