"""Users, roles, bodies, memberships and signing in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class SecondFactorForm(FlaskForm):
    """The code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code from the authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)])


class ConfirmCodeForm(FlaskForm):
    """A six-digit code from the authenticator app, to confirm a change."""

    code = StringField(_l("Six-digit code from the app"),
                       validators=[DataRequired(), Length(max=40)])


class UnlockForm(FlaskForm):
    key = HiddenField(validators=[DataRequired(), Length(max=300)])


# --- one's own password ------------------------------------------------------------

#: Messages of our own, so an empty or too long field is answered in the user's language.
_REQUIRED = _l("Please fill in this field.")
_TOO_LONG = _l("At most %(max)d characters.")


def _required() -> DataRequired:
    return DataRequired(message=_REQUIRED)


def _at_most(count: int) -> Length:
    return Length(max=count, message=_TOO_LONG)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[_required(), _at_most(200)])
    new = PasswordField(_l("New password"), validators=[_required(), _at_most(200)])
    again = PasswordField(_l("New password again"), validators=[
        _required(), EqualTo("new", message=_l("The two new passwords differ."))])


# --- administration -------------------------------------------------------------


def _optional_email() -> list[object]:
    return [Optional(), _at_most(200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an e-mail address."))]


class AccountDetailsForm(FlaskForm):
    """What an administrator edits of an existing account."""

    full_name = StringField(_l("Full name"), validators=[_required(), _at_most(200)])
    title = StringField(_l("Title (position)"), validators=[Optional(), _at_most(300)])
    email = StringField(_l("E-mail"), validators=_optional_email())  # type: ignore[arg-type]
    role = SelectField(_l("Role"), validators=[_required()])


class NewAccountForm(AccountDetailsForm):
    username = StringField(_l("Username"), validators=[
        _required(), _at_most(80),
        Regexp(r"^[A-Za-z0-9._-]+$",
               message=_l("Letters without accents, digits, dots, dashes; no spaces."))])
    password = PasswordField(_l("Temporary password (empty: one is made up)"),
                             validators=[Optional(), _at_most(200)])


class TemporaryPasswordForm(FlaskForm):
    password = PasswordField(_l("Temporary password (empty: one is made up)"),
                             validators=[Optional(), _at_most(200)])


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token: deactivate, reactivate, unlock."""


class BodyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[_required(), _at_most(20)])
    name_vi = StringField(_l("Name in Vietnamese"), validators=[_required(), _at_most(200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), _at_most(200)])
    allows_stand_in = BooleanField(_l("A member who will be absent may name a stand-in"))


class SeatForm(FlaskForm):
    """The user's seat in one body; one such form per body, told apart by its prefix."""

    class Meta:
        csrf = False  # the page's own form carries the token

    member = BooleanField(_l("Member"))
    position = StringField(_l("Position"), validators=[_at_most(200)])
    rank = IntegerField(_l("Order in lists"), default=100, validators=[
        Optional(), NumberRange(min=1, max=10000, message=_l("A number from 1 to 10000."))])
