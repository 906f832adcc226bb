"""Public verification of a printed or saved copy by the token in its QR code."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..extensions import db
from ..issuance.models import IssuedCopy

bp = Blueprint("audit", __name__)


@bp.get("/v/<token>")
def verify_token(token: str) -> tuple[str, int]:
    """What anyone holding the copy may know: authentic or not, what it is, whether current.

    Never the delegate's name: a lost printout must not say whose it was.
    """
    copy = None
    if 16 <= len(token) <= 64:
        copy = db.session.scalar(select(IssuedCopy).where(IssuedCopy.verification_token == token))
    if copy is None or copy.blob_sha256 is None:
        return render_template("audit/public_verify.html", copy=None), 404
    return render_template("audit/public_verify.html", copy=copy), 200
