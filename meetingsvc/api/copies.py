"""API: Copies and receipts."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_copies", "/api/v1",
                   "Issued copies (bản phát hành) and receipts (theo dõi nhận, mở, ký nhận).")
