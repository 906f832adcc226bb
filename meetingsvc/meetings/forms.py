from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class MeetingForm(FlaskForm):
    body_id = SelectField(_l("Body"), coerce=int, validators=[DataRequired()])
    session_number = IntegerField(
        _l("Session number"), validators=[DataRequired(), NumberRange(min=1, max=10000)]
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    starts_at = DateTimeLocalField(
        _l("Starts at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])


class GuestForm(FlaskForm):
    user_id = SelectField(_l("Guest"), coerce=int, validators=[DataRequired()])


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Agenda item"), validators=[DataRequired(), Length(max=500)])
    presenter = StringField(_l("Presenter"), validators=[Optional(), Length(max=300)])


class EmptyForm(FlaskForm):
    """Buttons that only post: the form is there for its CSRF token."""
