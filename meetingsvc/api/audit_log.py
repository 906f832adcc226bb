"""API: Audit log and chain check."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_audit", "/api/v1",
                   "The audit log (nhật ký) and its chain check, for auditors.")
