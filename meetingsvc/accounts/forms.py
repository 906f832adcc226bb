"""Users, roles, bodies, memberships and signing in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


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
