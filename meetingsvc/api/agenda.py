"""API: Invitations and agenda items of a meeting."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_agenda", "/api/v1",
                   "Invitations (giấy mời) and agenda items (chương trình) of a meeting.")
