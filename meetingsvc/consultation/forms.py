from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_common import choices
from .models import Choice
from .services import COMMENT_MAX

CHOICE_LABELS = {
    Choice.AGREE.value: _l("Agree"),
    Choice.DISAGREE.value: _l("Disagree"),
    Choice.OTHER.value: _l("Other opinion"),
}


class QuestionFields(FlaskForm):
    question = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=1000)])
    symbol = StringField(_l("Draft symbol"), validators=[DataRequired(), Length(max=50)])
    title = StringField(_l("Draft title"), validators=[DataRequired(), Length(max=500)])
    file = FileField(_l("Draft (PDF)"), validators=[FileRequired()])


class ConsultationForm(QuestionFields):
    body_id = SelectField(_l("Body consulted"), coerce=int, validators=[DataRequired()])
    subject = StringField(_l("Subject of the consultation"),
                          validators=[DataRequired(), Length(max=500)])
    deadline = DateTimeLocalField(_l("Deadline for answers"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])


class AnswerForm(FlaskForm):
    choice = RadioField(_l("Your answer"), choices=choices(CHOICE_LABELS.items()),
                        validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX)])
