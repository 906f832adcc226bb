# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""Archive-timestamp renewal: keep a signed PDF provable after its certificates expire.

A signature proves nothing once its certificate has expired or its algorithms are
broken, unless something made *before* then shows it was valid. PAdES B-LTA
(ETSI EN 319 142-1) does it with validation data (certificates, CRLs) in the
document security store and a document timestamp over the whole file; before
that timestamp's own certificate or algorithm runs out, another one is added
over everything, and so on for as long as the file must be kept.

Usage::

    state = inspect_archive(data)                      # cheap: no trust decisions
    if state.renewal_reason(horizon) is not None:
        with ArchiveRenewer(settings) as renewer:      # once per process
            data = renewer.renew(data)

:meth:`ArchiveRenewer.renew` checks every signature and timestamp of the file
first (intact, and a chain to the trust roots), so a damaged file is refused
rather than timestamped; then it writes one incremental update holding the
validation data of every signature and timestamp in the file, and of the new
timestamp, followed by the new document timestamp, which covers the whole file.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from types import TracebackType
from typing import Any

from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError, extract_certificate_info
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper, TimestampDSSContentSettings
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from .errors import SigningLibraryError, TimestampError
from .tsa_client import KeepAliveTimeStamper

__all__ = [
    "ALGORITHM_ENDS",
    "ArchiveRenewer",
    "ArchiveState",
    "RenewalReason",
    "RenewalRefused",
    "RenewalSettings",
    "algorithm_end",
    "inspect_archive",
]

ALGORITHM_ENDS: dict[str, dt.datetime] = {
    "md5": dt.datetime(2004, 1, 1, tzinfo=dt.UTC),
    "sha1": dt.datetime(2013, 12, 31, tzinfo=dt.UTC),
    "rsa<2048": dt.datetime(2013, 12, 31, tzinfo=dt.UTC),
    "rsa2048": dt.datetime(2030, 12, 31, tzinfo=dt.UTC),
}
"""When an algorithm stops being safe for signatures and timestamps. NIST SP 800-57
Part 1 rev. 5 (and SP 800-131A): SHA-1 and RSA below 2048 bits ended with 2013;
112-bit security (RSA 2048) is acceptable through 2030. Algorithms not listed
(SHA-2 family, RSA 3072 and up, ECDSA P-256 and up) have no announced end yet."""

DIGEST_ALGORITHM = "sha256"
"""Message digest of every new archive timestamp."""


class RenewalRefused(SigningLibraryError):
    """The file cannot be renewed: unreadable, damaged, or its chain no longer validates."""


class RenewalReason(enum.StrEnum):
    """Why a file's archive timestamp must be renewed now, most urgent first."""

    ALGORITHM = "algorithm"
    """The newest timestamp's digest or its TSA's key reaches the end of its safe life."""
    TSA_CERTIFICATE = "tsa_certificate"
    """The certificate of the newest timestamp's TSA expires."""
    SIGNER_CERTIFICATE = "signer_certificate"
    """The signer's certificate expires and no document timestamp preserves the file yet."""
    NO_TIMESTAMP = "no_timestamp"
    """The file has no timestamp at all to build on."""


@dataclass(frozen=True)
class ArchiveState:
    """What protects a signed file over time, read from the file without judging trust."""

    signatures: int
    """Signatures other than document timestamps."""
    document_timestamps: int
    """Document timestamps (archive timestamps) already in the file."""
    newest_timestamp_at: dt.datetime | None
    """Time of the newest document timestamp, else of the newest signature timestamp."""
    newest_tsa_not_after: dt.datetime | None
    """When the certificate of the TSA that made that timestamp expires."""
    newest_timestamp_algorithm_end: dt.datetime | None
    """When that timestamp's digest or its TSA's key stops being safe (``None``: not known)."""
    signer_not_after: dt.datetime | None
    """When the first signer's certificate to expire does."""

    def renewal_reason(self, horizon: dt.datetime) -> RenewalReason | None:
        """Why the file must be renewed before ``horizon``; ``None`` if it can wait."""
        if self.newest_timestamp_at is None:
            return RenewalReason.NO_TIMESTAMP
        end = self.newest_timestamp_algorithm_end
        if end is not None and end <= horizon:
            return RenewalReason.ALGORITHM
        if self.newest_tsa_not_after is not None and self.newest_tsa_not_after <= horizon:
            return RenewalReason.TSA_CERTIFICATE
        if (self.document_timestamps == 0 and self.signer_not_after is not None
                and self.signer_not_after <= horizon):
            return RenewalReason.SIGNER_CERTIFICATE
        return None

    @property
    def renew_by(self) -> dt.datetime | None:
        """The first moment the file's protection ends, which renewal must precede."""
        ends = [self.newest_timestamp_algorithm_end, self.newest_tsa_not_after]
        if self.document_timestamps == 0:
            ends.append(self.signer_not_after)
        known = [e for e in ends if e is not None]
        return min(known) if known else None


@dataclass(frozen=True)
class RenewalSettings:
    """How the office renews archive timestamps: the TSA and what validates the chains."""

    tsa_url: str
    """RFC 3161 TSA that makes the new document timestamps."""
    trust_roots: tuple[bytes, ...]
    """DER root certificates the signatures and timestamps must chain to."""
    other_certs: tuple[bytes, ...] = ()
    """DER intermediate certificates, embedded with the rest."""
    crls: tuple[bytes, ...] = ()
    """DER CRLs to embed; with :attr:`allow_fetching` off they are the only revocation data."""
    tsa_timeout: float = 10.0
    """Seconds to wait for the TSA."""
    allow_fetching: bool = False
    """Fetch missing CRLs and OCSP responses from the addresses in the certificates."""
    revocation_mode: str = "hard-fail"
    """pyhanko-certvalidator's revocation mode: ``hard-fail`` refuses a chain without
    revocation data, so no file gets a timestamp over validation data that is not there."""


def algorithm_end(digest: str, public_key: asn1_x509.PublicKeyInfo | None) -> dt.datetime | None:
    """When ``digest`` with ``public_key`` stops being safe, by :data:`ALGORITHM_ENDS`."""
    ends = [ALGORITHM_ENDS[digest]] if digest in ALGORITHM_ENDS else []
    if public_key is not None and public_key.algorithm == "rsa":
        bits = public_key.bit_size
        if bits < 2048:
            ends.append(ALGORITHM_ENDS["rsa<2048"])
        elif bits == 2048:
            ends.append(ALGORITHM_ENDS["rsa2048"])
    return min(ends) if ends else None


def _not_after(cert: asn1_x509.Certificate) -> dt.datetime:
    value: dt.datetime = cert["tbs_certificate"]["validity"]["not_after"].native
    return value


def _signature_timestamps(signer_info: cms.SignerInfo) -> Iterator[cms.SignedData]:
    """The signature timestamp tokens in a signature's unsigned attributes."""
    attrs = signer_info["unsigned_attrs"]
    if attrs.native is None:
        return
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            for token in attr["values"]:
                yield token["content"]


@dataclass(frozen=True)
class _Timestamp:
    at: dt.datetime
    tsa_not_after: dt.datetime
    algorithm_end: dt.datetime | None


def _timestamp(token: cms.SignedData) -> _Timestamp:
    info = token["encap_content_info"]["content"].parsed
    tsa = extract_certificate_info(token).signer_cert
    digest = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    return _Timestamp(at=info["gen_time"].native, tsa_not_after=_not_after(tsa),
                      algorithm_end=algorithm_end(digest, tsa.public_key))


def _read(data: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise RenewalRefused(f"not a readable PDF: {exc}") from exc


def inspect_archive(data: bytes) -> ArchiveState:
    """Read the signatures and timestamps of ``data`` to decide whether it needs renewal.

    Raises :class:`RenewalRefused` if the file cannot be read or holds no signature.
    """
    reader = _read(data)
    try:
        regular = list(reader.embedded_regular_signatures)
        archives = list(reader.embedded_timestamp_signatures)
        if not regular and not archives:
            raise RenewalRefused("the file holds no signature")
        signer_ends = [_not_after(s.signer_cert) for s in regular]
        if archives:
            newest: _Timestamp | None = _timestamp(archives[-1].signed_data)
        else:
            stamps = [_timestamp(t) for s in regular for t in _signature_timestamps(s.signer_info)]
            newest = max(stamps, key=lambda t: t.at) if stamps else None
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise RenewalRefused(f"cannot read the signatures: {exc}") from exc
    return ArchiveState(
        signatures=len(regular), document_timestamps=len(archives),
        newest_timestamp_at=newest.at if newest else None,
        newest_tsa_not_after=newest.tsa_not_after if newest else None,
        newest_timestamp_algorithm_end=newest.algorithm_end if newest else None,
        signer_not_after=min(signer_ends) if signer_ends else None)


class ArchiveRenewer:
    """Adds validation data and a new document timestamp; create once per process."""

    def __init__(self, settings: RenewalSettings) -> None:
        """Check the settings and open the TSA connection (kept alive between files)."""
        if not settings.trust_roots:
            raise RenewalRefused("renewal needs the trust roots to validate the chains")
        self.settings = settings
        self._timestamper = KeepAliveTimeStamper(settings.tsa_url, timeout=settings.tsa_timeout)

    def _validation_context(self) -> ValidationContext:
        s = self.settings
        return ValidationContext(
            trust_roots=[asn1_x509.Certificate.load(c) for c in s.trust_roots],
            other_certs=[asn1_x509.Certificate.load(c) for c in s.other_certs],
            crls=[asn1_crl.CertificateList.load(c) for c in s.crls],
            allow_fetching=s.allow_fetching, revocation_mode=s.revocation_mode)

    def renew(self, data: bytes) -> bytes:
        """Return ``data`` with validation data and a new document timestamp appended.

        Raises :class:`RenewalRefused` when a signature or timestamp of the file is
        not intact or does not validate, and :class:`~signing.errors.TimestampError`
        when the TSA cannot be reached.
        """
        reader = _read(data)
        context = self._validation_context()
        paths = self._validated_paths(reader, context)
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        # Everything known now goes into the DSS in the same revision as the new
        # timestamp, so that timestamp covers it and is the file's last revision.
        DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths,
                                                   validation_context=context)
        count = len(reader.embedded_timestamp_signatures)
        stamper = PdfTimeStamper(self._timestamper, field_name=f"ArchiveTimestamp{count + 1}")
        out = BytesIO()
        try:
            stamper.timestamp_pdf(
                writer, DIGEST_ALGORITHM, validation_context=context, output=out,
                dss_settings=TimestampDSSContentSettings(update_before_ts=True,
                                                         include_vri=False))
        except TimestampRequestError as exc:
            raise TimestampError(f"the TSA did not answer: {exc}") from exc
        except (PdfError, SigningError, ValueError, KeyError, TypeError, OSError) as exc:
            raise RenewalRefused(f"cannot add the archive timestamp: {exc}") from exc
        return out.getvalue()

    def _validated_paths(self, reader: PdfFileReader, context: ValidationContext) -> list[Any]:
        """The chains of every signature, signature timestamp and document timestamp."""
        paths: list[Any] = []
        signatures: list[EmbeddedPdfSignature] = list(reader.embedded_signatures)
        if not signatures:
            raise RenewalRefused("the file holds no signature")
        for sig in signatures:
            name = sig.field_name
            try:
                if sig.sig_object_type == "/DocTimeStamp":
                    status: Any = validate_pdf_timestamp(sig, validation_context=context,
                                                         skip_diff=True)
                else:
                    status = validate_pdf_signature(sig, signer_validation_context=context,
                                                    skip_diff=True)
            except (PdfError, SigningError, ValueError, KeyError, TypeError) as exc:
                raise RenewalRefused(f"{name}: cannot validate: {exc}") from exc
            if not (status.intact and status.valid):
                raise RenewalRefused(f"{name}: not intact, the file was changed")
            if not status.trusted or status.validation_path is None:
                raise RenewalRefused(f"{name}: no valid chain to a trusted root now "
                                     f"({status.trust_problem_indic})")
            paths.append(status.validation_path)
            stamp = getattr(status, "timestamp_validity", None)
            if stamp is not None:
                if not (stamp.intact and stamp.valid and stamp.trusted):
                    raise RenewalRefused(f"{name}: its signature timestamp does not validate")
                paths.append(stamp.validation_path)
        return paths

    def close(self) -> None:
        """Close the TSA connection."""
        self._timestamper.close()

    def __enter__(self) -> ArchiveRenewer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
