"""API: Documents and their versions."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_documents", "/api/v1",
                   "Documents (tài liệu) of a meeting: upload through the web's checks, versions.")
