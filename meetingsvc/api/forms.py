"""The web page's forms for personal API keys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from .tokens import DEFAULT_DAYS, MAX_DAYS, MAX_NAME


class NewKeyForm(FlaskForm):
    name = StringField(_l("What the key is for"),
                       validators=[DataRequired(), Length(max=MAX_NAME)])
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS)])


class RevokeKeyForm(FlaskForm):
    """The CSRF token of a revoke button."""
