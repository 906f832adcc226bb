"""Typed errors raised by the signing library.

Every error the library raises on purpose derives from :class:`SigningLibraryError`,
so a caller (the Flask app, the auditor's command line) can catch one base class.
Verification never raises for a bad input file: it returns a report instead.
"""

from __future__ import annotations

__all__ = [
    "SigningLibraryError",
    "PkiError",
    "KeySourceError",
    "TimestampError",
    "DocumentSigningError",
    "InvalidInputDocument",
]


class SigningLibraryError(Exception):
    """Base class of every error this library raises on purpose."""


class PkiError(SigningLibraryError):
    """The development PKI could not be created or loaded (bad passphrase, missing file)."""


class KeySourceError(SigningLibraryError):
    """A signing key could not be loaded from its PKCS#12 file or PKCS#11 token."""


class TimestampError(SigningLibraryError):
    """A time-stamp authority could not be reached or answered with a rejection."""


class DocumentSigningError(SigningLibraryError):
    """pyHanko could not sign a document (the reason is in the message and ``__cause__``)."""


class InvalidInputDocument(DocumentSigningError):
    """The document to sign is not a PDF pyHanko can read (or is encrypted, or too big)."""
