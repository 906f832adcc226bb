"""API: the audit log, read and checked as the auditor's pages do (auditors only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Response, current_app
from flask_babel import force_locale

from ..audit import log_labels
from ..audit.models import AuditEvent
from ..audit.reading import read_rows
from ..audit.services import LogFilter, log_page, record, verify_log
from ..extensions import db
from ..issuance.keys import trust_settings
from ..timezones import office_zone
from .around_schemas import ChainCheckOut, LogArgs, LogPageOut
from .auth import api_actor
from .common import api_blueprint, auditor_only, json_response, problems
from .problems import language

bp = api_blueprint("api_audit", "/api/v1",
                   "The audit log (nhật ký) and its chain check, for auditors.")


def _entries(rows: Sequence[AuditEvent], checkpointed: frozenset[int]) -> list[dict[str, Any]]:
    labels = {}
    for code in ("vi", "en"):
        with force_locale(code):
            labels[code] = {row.action: log_labels.action_label(row.action) for row in rows}
    with force_locale(language()):
        read = read_rows(db.session, rows)
    names = read.people.names
    return [{
        "id": row.id, "at": row.at, "action": row.action,
        "action_label_vi": labels["vi"][row.action], "action_label_en": labels["en"][row.action],
        "actor": {"id": row.actor_id, "username": row.actor_name,
                  "full_name": names.get(row.actor_name.lower()) if row.actor_name else None},
        "object_type": row.object_type, "object_id": row.object_id,
        "meeting_id": row.meeting_id, "address": row.address, "details": read.raw[row.id],
        "readable": [{"key": item.key, "label": item.label, "text": item.full or item.text}
                     for item in read.details[row.id]],
        "holds": read.holds[row.id],
        "checkpointed": row.id in checkpointed, "prev_hash": row.prev_hash,
        "row_hash": row.row_hash} for row in rows]


@bp.get("/audit/entries")
@auditor_only
@bp.arguments(LogArgs, location="query", as_kwargs=True)
@bp.response(200, LogPageOut, description="Newest first, by id.")
@problems(bp, 403)
def list_entries(page: int, per_page: int, action: str | None = None,
                 meeting_id: int | None = None, actor: str | None = None,
                 since: date | None = None, until: date | None = None) -> Response:
    """List the audit log's entries, filtered as on the auditor's log page (auditors)"""
    found = log_page(db.session, LogFilter.of_days(
        office_zone(), since, until, meeting_id=meeting_id, username=actor, action=action),
        page, per_page)
    return json_response(LogPageOut().dump({
        "items": _entries(found.rows, found.checkpointed),
        "pagination": {"page": page, "per_page": per_page, "total": found.total,
                       "pages": found.pages}}))


@bp.post("/audit/chain")
@auditor_only
@bp.response(200, ChainCheckOut, description="The check is itself logged, as on the web: "
             "a POST, since it adds to the log.")
@problems(bp, 403)
def check_chain() -> Response:
    """Check the whole log's chain and its signed checkpoints now (auditors)"""
    report = verify_log(db.session, trust_settings(current_app.config, current_app.instance_path))
    summary = report.summary()
    record(db.session, "audit.log_verified", api_actor(), details=summary)
    broken = (db.session.get(AuditEvent, report.chain.first_broken_id)
              if report.chain.first_broken_id is not None else None)
    return json_response(ChainCheckOut().dump(summary | {
        "first_broken": _entries([broken], frozenset())[0] if broken else None}))
