"""API: Attendance and consultations."""

from __future__ import annotations

from .common import api_blueprint

bp = api_blueprint("api_around", "/api/v1",
                   "Attendance (tham dự) and written consultations (xin ý kiến).")
