"""The secretariat's reminder form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Optional, Regexp

from .models import ReminderReason


class RemindForm(FlaskForm):
    reason = SelectField(_l("Remind those who have"), validators=[DataRequired()], choices=[
        SelectChoice(ReminderReason.NOT_OPENED.value, _l("not opened")),
        SelectChoice(ReminderReason.NOT_ACKNOWLEDGED.value, _l("not acknowledged")),
    ])
    #: The item the reminder is about; empty for all items.
    document_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
