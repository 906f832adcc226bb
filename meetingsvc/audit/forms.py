"""The auditor's forms: a PDF to verify, and the audit log's filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional


class VerifyForm(FlaskForm):
    file = FileField(_l("PDF file"), validators=[FileRequired()])


class LogFilterForm(FlaskForm):
    """Read from the query string: a filter changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    meeting = SelectField(_l("Meeting"), validators=[Optional()], validate_choice=False)
    user = StringField(_l("User (username)"), validators=[Optional(), Length(max=80)])
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])
