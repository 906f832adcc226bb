from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_common import choices
from .models import Audience
from .vocabulary import KINDS, Confidentiality

CONFIDENTIALITY_LABELS = [
    (Confidentiality.NONE.value, _l("Not classified")),
    (Confidentiality.MAT.value, _l("MẬT (confidential)")),
    (Confidentiality.TOI_MAT.value, _l("TỐI MẬT (secret)")),
    (Confidentiality.TUYET_MAT.value, _l("TUYỆT MẬT (top secret)")),
]

AUDIENCE_LABELS = [
    (Audience.ALL_INVITED.value, _l("Everyone invited")),
    (Audience.BODY_MEMBERS.value, _l("Members of a body only")),
    (Audience.NAMED.value, _l("Named delegates only")),
]


class VersionForm(FlaskForm):
    file = FileField(_l("PDF file"), validators=[FileRequired()])
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=500)])


class DocumentForm(FlaskForm):
    symbol = StringField(_l("Symbol"), validators=[DataRequired(), Length(max=50)])
    kind = SelectField(_l("Kind"), choices=choices(
        (k.name_vi, f"{k.name_vi} ({k.name_en})") for k in KINDS.values()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    confidentiality = RadioField(_l("Confidentiality"), choices=choices(CONFIDENTIALITY_LABELS),
                                 default=Confidentiality.NONE.value)
    audience = RadioField(_l("Who receives it"), choices=choices(AUDIENCE_LABELS),
                          default=Audience.ALL_INVITED.value)
    audience_body_id = SelectField(_l("Body"), coerce=int, validators=[Optional()])
    open_to_guests = BooleanField(_l("Guests receive it too"))
    named_user_ids = SelectMultipleField(_l("Named delegates"), coerce=int,
                                         validators=[Optional()])
    file = FileField(_l("PDF file"), validators=[FileRequired()])
