"""Helpers shared by the feature forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice

from .errors import N_

#: WTForms' and Flask-WTF's own messages. They ship no Vietnamese, so our catalogue
#: (messages.po) carries them and :mod:`meetingsvc.i18n` has forms read them from it;
#: marked here so that ``pybabel extract`` keeps them.
LIBRARY_MESSAGES = (
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid UUID."),
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF tokens do not match."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("File does not have an approved extension: {extensions}"),
    N_("File does not have an approved extension."),
)
#: Their plural messages (singular, plural): check them after a ``pybabel update``,
#: which does not see these as plurals.
LIBRARY_PLURAL_MESSAGES = (
    ("Field must be at least %(min)d character long.",
     "Field must be at least %(min)d characters long."),
    ("Field cannot be longer than %(max)d character.",
     "Field cannot be longer than %(max)d characters."),
    ("Field must be exactly %(max)d character long.",
     "Field must be exactly %(max)d characters long."),
    ("'%(value)s' is not a valid choice for this field.",
     "'%(value)s' are not valid choices for this field."),
)


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]
