"""The base of every domain error: a message the interface can translate.

Services raise these with an English message template marked by ``N_`` (so the
translation catalogue finds it) and its parameters; views translate and show it.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a translation marker
    """Mark a message for translation without translating it here."""
    return message


class DomainError(Exception):
    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        #: The input the error is about, when it is one field (the API names it).
        self.field = field
