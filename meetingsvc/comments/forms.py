from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_LOCATION, MAX_TEXT


class CallForm(FlaskForm):
    """Open an agenda item for comments, or move its deadline."""

    deadline = DateTimeLocalField(_l("Comment deadline"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])
    request = StringField(_l("What the drafting team asks for (optional)"),
                          validators=[Optional(), Length(max=1000)])


class CommentForm(FlaskForm):
    location = StringField(_l("Page or section (optional)"),
                           validators=[Optional(), Length(max=MAX_LOCATION)])
    text = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=MAX_TEXT)])
