"""The search page: staff and auditors only; anyone else gets a 404, as for any page
that is not theirs."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..access import roles_required, the_user
from ..accounts.models import Role
from ..extensions import db
from ..meetings.services import STAFF_ROLES
from .services import MIN_QUERY, query_words, search

bp = Blueprint("search", __name__)

#: Who may search: they see every meeting, document and invitation anyway.
SEARCH_ROLES = (*STAFF_ROLES, Role.AUDITOR)


@bp.get("/search")
@roles_required(*SEARCH_ROLES)
def search_page() -> str:
    query = (request.args.get("q") or "").strip()[:200]
    too_short = bool(query) and len("".join(query_words(query))) < MIN_QUERY
    results = search(db.session, query) if query and not too_short else None
    return render_template("search/results.html", query=query, results=results,
                           too_short=too_short, is_admin=the_user().has_role(Role.ADMIN))
