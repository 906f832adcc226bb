"""Vietnamese first, English second: the language switch and date formats."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, redirect, request, session
from flask_babel import format_datetime, get_locale, get_translations
from werkzeug.wrappers import Response

bp = Blueprint("i18n", __name__)

#: How dates read in each language; Vietnamese writes the weekday and day first.
_DATETIME_FORMATS = {"vi": "EEEE, 'ngày' dd/MM/yyyy, HH:mm", "en": "EEEE, d MMMM yyyy, HH:mm"}
_DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


@bp.get("/lang/<code>")
def switch_language(code: str) -> Response:
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next")))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site, so a crafted link cannot send users elsewhere."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def long_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return format_datetime(value, _DATETIME_FORMATS.get(str(get_locale()), "medium"))


def short_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    return format_datetime(value, _DATE_FORMATS.get(str(get_locale()), "short"))


class _InterfaceTranslations:
    """WTForms' own messages ("This field is required.") in the interface's language.

    Flask-WTF looks them up in the catalogue WTForms ships, which has no Vietnamese;
    ours (messages.po) has them, so forms read from it instead, asked afresh each
    time so a language switched in this request counts.
    """

    def ugettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


def _form_messages_in_interface_language() -> None:
    # Flask-WTF keeps the catalogue it loaded for a request here (flask_wtf.i18n).
    request.wtforms_translations = _InterfaceTranslations()  # type: ignore[attr-defined]


def register_i18n(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_form_messages_in_interface_language)
    app.add_template_filter(long_datetime, "long_datetime")
    app.add_template_filter(short_date, "short_date")
