"""What a new password must be, and temporary passwords an administrator hands out.

The rules are cheap and explainable to a user: long enough, not the username, not one
of the passwords every guesser tries first. Argon2id (``services.hash_password``) does
the rest.
"""

from __future__ import annotations

import secrets

from ..errors import N_, DomainError

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "WeakPassword",
           "check_new_password", "temporary_password"]

MIN_PASSWORD_LENGTH = 10
#: Argon2 takes any length; a bound keeps a megabyte "password" from costing the server.
MAX_PASSWORD_LENGTH = 200

#: Passwords a guesser tries first, lower-cased: the world's and Vietnam's favourites.
COMMON_PASSWORDS = frozenset({
    "0123456789", "1234567890", "12345678910", "0987654321", "1111111111", "123456789a",
    "a123456789", "1234567890a", "123123123123", "1q2w3e4r5t", "1qaz2wsx3edc",
    "qwertyuiop", "asdfghjkl;", "password123", "password1234", "passw0rd123", "iloveyou123",
    "matkhau123", "matkhau1234", "matkhaumoi", "matkhau2026", "anhyeuem123", "abc123456789",
    "abcd123456", "abcd1234567", "admin12345", "admin123456", "administrator", "welcome123",
    "changeme123", "letmein1234", "tinhuy2026", "tinhuy12345", "vanphong123", "daibieu123",
})

#: Letters and digits that cannot be misread on paper or over the phone (no 0/o, 1/l/i).
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class WeakPassword(DomainError):
    """A new password that the rules refuse; the message says which rule."""


def check_new_password(password: str, username: str) -> None:
    """Raise ``WeakPassword`` unless ``password`` may become the password of ``username``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(N_("A password needs at least %(count)s characters."),
                           count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(N_("A password has at most %(count)s characters."),
                           count=MAX_PASSWORD_LENGTH)
    folded = password.strip().lower()
    name = username.strip().lower()
    if name and name in (folded, "".join(c for c in folded if c.isalpha())):
        raise WeakPassword(N_("The password must not be the username."))
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise WeakPassword(N_("This password is among the first that anyone guesses; "
                              "choose another."))


def temporary_password() -> str:
    """A random password to read out or hand over, e.g. ``k7mp-x3qa-9fzt`` (59 bits)."""
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)
