"""A delegate's answer to an invitation, and the secretariat's presence and reminder forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .models import AttendanceChoice
from .services import REASON_MAX


class AnswerForm(FlaskForm):
    choice = RadioField(_l("Your answer"), validators=[DataRequired()], choices=[
        SelectChoice(AttendanceChoice.ATTENDING.value, _l("Attending")),
        SelectChoice(AttendanceChoice.ABSENT.value, _l("Absent")),
    ])
    reason = TextAreaField(_l("Reason for the absence"),
                           validators=[Optional(), Length(max=REASON_MAX)])
    stand_in_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    stand_in_position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    #: 0 for none: the stand-in has no account, or there is no stand-in.
    stand_in_user_id = SelectField(_l("Or choose their account"), coerce=int, default=0,
                                   validate_choice=True)

    def validate_reason(self, field: Any) -> None:
        if self.choice.data == AttendanceChoice.ABSENT.value and not (field.data or "").strip():
            raise ValidationError(_l("Please give the reason for the absence."))


class ActionForm(FlaskForm):
    """A POST with nothing but its CSRF token: reminders, presence (ticks read by the view)."""
