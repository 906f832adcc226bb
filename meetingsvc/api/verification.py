"""API: Verification of a PDF."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_verification", "/api/v1",
                   "Verification (kiểm tra chữ ký) of a PDF: the web's report.")
