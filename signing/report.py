"""The verification report: typed, frozen, JSON-serialisable.

A :class:`VerificationReport` holds one :class:`SignatureReport` per signature
or document timestamp, the copy metadata of the signed revision, and the
overall ETSI-style verdict, which :mod:`signing.verdict` alone derives.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Indication",
    "SubIndication",
    "CertificateInfo",
    "TimestampInfo",
    "SignatureReport",
    "VisualChange",
    "VerificationReport",
]


class Indication(enum.Enum):
    """ETSI EN 319 102-1 main indications."""

    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"

    @property
    def severity(self) -> int:
        """0 passed, 1 indeterminate, 2 failed (for picking the worst)."""
        return {"TOTAL_PASSED": 0, "INDETERMINATE": 1, "TOTAL_FAILED": 2}[self.value]

    @property
    def exit_code(self) -> int:
        """The command line's exit status: 0 passed, 1 failed, 2 indeterminate."""
        return {"TOTAL_PASSED": 0, "TOTAL_FAILED": 1, "INDETERMINATE": 2}[self.value]


class SubIndication(enum.Enum):
    """Why a verdict is not TOTAL_PASSED (ETSI names, plus a few of our own)."""

    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    REVOKED = "REVOKED"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    EXPIRED = "EXPIRED"
    TRY_LATER = "TRY_LATER"
    FORMAT_FAILURE = "FORMAT_FAILURE"
    NO_SIGNATURE = "NO_SIGNATURE"
    MODIFIED_AFTER_SIGNING = "MODIFIED_AFTER_SIGNING"
    TIMESTAMP_FAILURE = "TIMESTAMP_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    """An algorithm no longer reliable (a legacy SHA-1 signature), with nothing proving
    the signature existed while it still was."""


@dataclass(frozen=True)
class CertificateInfo:
    """One certificate of a chain."""

    subject: str
    """Human-readable subject."""
    issuer: str
    """Human-readable issuer."""
    serial: str
    """Serial number in hex."""
    not_before: str
    """Start of validity (ISO 8601)."""
    not_after: str
    """End of validity (ISO 8601)."""
    sha256: str
    """SHA-256 fingerprint of the DER certificate, hex."""
    subject_attributes: tuple[tuple[str, str], ...] = ()
    """The subject's attributes in order, each ``(type, value)`` with asn1crypto's type
    name (``common_name``, ``organization_name``, ``country_name`` …, or a dotted OID),
    so a reader can label them in its own language."""
    issuer_attributes: tuple[tuple[str, str], ...] = ()
    """The issuer's attributes, as :attr:`subject_attributes`."""
    key_usage: tuple[str, ...] = ()
    """Key usage bits set (``digital_signature``, ``non_repudiation``, ``key_cert_sign`` …)."""
    extended_key_usage: tuple[str, ...] = ()
    """Extended key usages (``time_stamping``, ``code_signing`` …, or dotted OIDs)."""


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 timestamp attached to a signature, or a document timestamp."""

    time: str | None
    """The time the TSA vouches for (ISO 8601)."""
    authority: str | None
    """The TSA certificate's subject."""
    valid: bool
    """Token intact and its signature cryptographically valid."""
    trusted: bool
    """The TSA's chain leads to a trust root."""


@dataclass(frozen=True)
class SignatureReport:
    """Everything found about one signature (or document timestamp)."""

    field_name: str
    """The signature field's name."""
    kind: str
    """``signature`` or ``document_timestamp``."""
    signer: str | None
    """Signer certificate's subject (common name first)."""
    claimed_signing_time: str | None
    """Signing time the signer claims (not proof: see :attr:`timestamp`)."""
    chain: tuple[CertificateInfo, ...]
    """Validation path from the trust root down to the signer, or the signer alone."""
    trusted: bool
    """The chain leads to a configured trust root (with the key usage we require)."""
    trust_problem: str | None
    """pyHanko's AdES sub-indication for a chain problem, if any."""
    revocation: str
    """``good`` (checked against a CRL/OCSP), ``revoked``, or ``unknown`` (no data)."""
    revocation_date: str | None
    """When the certificate was revoked, if it was."""
    intact: bool
    """The digest of the signed byte ranges matches the signed digest."""
    valid: bool
    """The signature over the signed attributes is cryptographically valid."""
    coverage: str
    """``ENTIRE_FILE``, ``ENTIRE_REVISION`` (later revisions follow) or ``OTHER``."""
    modification_level: str | None
    """pyHanko's difference analysis of later revisions: ``NONE``, ``LTA_UPDATES``,
    ``FORM_FILLING``, ``ANNOTATIONS`` or ``OTHER``; ``None`` if it could not run."""
    modifications_permitted: bool | None
    """Whether the later revisions are allowed by the document's DocMDP policy."""
    modification_details: str | None
    """What the difference analysis objected to, if anything."""
    docmdp: str | None
    """DocMDP level of a certification signature (``NO_CHANGES`` …), else ``None``."""
    timestamp: TimestampInfo | None
    """The signature timestamp (B-T and up), or the document timestamp itself."""
    profile: str | None
    """PAdES level detected: ``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``."""
    indication: Indication
    """This signature's own verdict."""
    sub_indication: SubIndication | None
    """Why it is not TOTAL_PASSED."""
    sub_filter: str | None = None
    """The signature's /SubFilter (``ETSI.CAdES.detached``, ``adbe.pkcs7.sha1`` …)."""
    problem: str | None = None
    """What could not be read or accepted about this signature, and why (English,
    technical); ``None`` when nothing was left unread."""


@dataclass(frozen=True)
class VisualChange:
    """A page that looks different in the final file from the revision a signature covers."""

    signature: str
    """Field name of the signature whose signed revision was compared."""
    page: int
    """Page number, from 1."""
    regions: tuple[tuple[float, float, float, float], ...]
    """Changed areas ``(x1, y1, x2, y2)`` in PDF points, origin at the bottom left."""
    covers_signed_content: bool
    """A form field the signer left open now hides content that was signed."""


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class VerificationReport:
    """The result of verifying one file."""

    indication: Indication
    """Overall verdict (the worst over the signatures, or a format verdict)."""
    sub_indication: SubIndication | None
    """Why the verdict is not TOTAL_PASSED."""
    explanation_vi: str
    """One sentence for the auditor, in Vietnamese."""
    explanation_en: str
    """The same sentence in English."""
    file_sha256: str
    """SHA-256 of the verified bytes, hex."""
    file_size: int
    """Size of the verified file in bytes."""
    signatures: tuple[SignatureReport, ...] = ()
    """One entry per signature and document timestamp, in signing order."""
    copy_metadata: dict[str, str] = field(default_factory=dict)
    """Copy metadata from the revision the first signature covers."""
    revisions: int = 0
    """Number of revisions (incremental updates) in the file."""
    detail: str | None = None
    """Technical detail of a format failure (parser message, time or memory bound)."""
    encrypted: bool = False
    """The file is encrypted and was opened with the empty user password."""
    visual_changes: tuple[VisualChange, ...] = ()
    """Visible differences between a signed revision and the final file; any fails it."""
    pages_compared: int = 0
    """Pages rendered and compared against a signed revision (0: none needed)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data (str, int, bool, None, lists, dicts) for JSON."""
        result: dict[str, Any] = _plain(self)
        return result

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text (UTF-8 characters kept as they are)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
