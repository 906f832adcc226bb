"""API: Issuance jobs and recall."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_issuance", "/api/v1",
                   "Issuance (phát hành) jobs: start, status, failures, retry; recall.")
