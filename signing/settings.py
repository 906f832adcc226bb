"""Settings and requests for signing: frozen dataclasses, one docstring per attribute.

:class:`SignerSettings` describes the office's signer once (key, profile, TSA,
validation data, stamp); it is picklable, so a process pool can hand it to each
worker. :class:`SignRequest` carries what changes per document (the QR link,
the copy metadata).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .keys import KeySource

__all__ = [
    "PadesProfile",
    "StampSettings",
    "SignerSettings",
    "SignRequest",
    "TrustSettings",
    "DEFAULT_FONT",
    "METADATA_KEY_PATTERN",
    "MIN_QR_SIDE",
]

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""Debian's DejaVu Sans: a TrueType font with every Vietnamese letter."""

MIN_QR_SIDE = 20 * 72 / 25.4
"""Smallest side of the stamp's QR code, in points (20 mm): it still scans from a
150 dpi scan of a printout."""

METADATA_KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
"""Copy metadata keys must match this (they become PDF name objects)."""


class PadesProfile(enum.Enum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    """Signature only: signer certificate, signing time claimed by the signer."""
    B_T = "B-T"
    """B-B plus an RFC 3161 signature timestamp from a TSA (the default)."""
    B_LT = "B-LT"
    """B-T plus validation data (certificates, CRLs) in the document security store."""
    B_LTA = "B-LTA"
    """B-LT plus a document timestamp over everything, for long-term archiving."""

    @property
    def needs_timestamp(self) -> bool:
        """Whether signing under this profile needs a TSA."""
        return self is not PadesProfile.B_B

    @property
    def embeds_validation_data(self) -> bool:
        """Whether this profile writes a DSS with certificates and CRLs."""
        return self in (PadesProfile.B_LT, PadesProfile.B_LTA)


@dataclass(frozen=True)
class StampSettings:
    """The visible signature on the first page: office, signer, time and a QR code."""

    rect: tuple[float, float, float, float] | None = None
    """``(x1, y1, x2, y2)`` in PDF points on the page; ``None`` puts it in the bottom-right
    margin (:attr:`width` × :attr:`height`, :attr:`margin` from the edges)."""
    width: float = 210.0
    """Width of the default box, in points."""
    height: float = 62.0
    """Height of the default box, in points: the QR code fills it less a small pad, so it
    is at least 20 mm wide (:data:`MIN_QR_SIDE`) and the box fits in a 2.5 cm bottom
    margin with :attr:`margin`."""
    margin: float = 8.0
    """Distance of the default box from the right and bottom edges, in points."""
    page: int = 0
    """Zero-based page the stamp goes on."""
    font_path: Path = DEFAULT_FONT
    """A TrueType/OpenType font with Vietnamese glyphs, embedded (subset) in every file."""
    office_name: str | None = None
    """First line of the stamp; ``None`` uses the signing certificate's common name
    (the office, e.g. "Văn phòng Tỉnh ủy")."""
    timezone: dt.tzinfo = dt.UTC
    """Time zone in which the signing time is shown: the caller passes its office's
    (meetingsvc: OFFICE_TIMEZONE); the library knows no place of its own."""


@dataclass(frozen=True)
class SignerSettings:
    """Everything about how the office signs, fixed for the life of a signer."""

    key_source: KeySource
    """Where the key is: :class:`~signing.keys.Pkcs12KeySource` or ``Pkcs11KeySource``."""
    profile: PadesProfile = PadesProfile.B_T
    """PAdES level to produce."""
    tsa_url: str | None = None
    """RFC 3161 TSA, required for every profile but B-B."""
    tsa_timeout: float = 10.0
    """Seconds to wait for the TSA."""
    certify: bool = True
    """Make a certification signature (DocMDP "no changes"; DSS and document timestamps
    stay allowed, so B-LT and B-LTA upgrades do not break it)."""
    stamp: StampSettings | None = field(default_factory=StampSettings)
    """The visible appearance, or ``None`` for an invisible signature."""
    trust_roots: tuple[bytes, ...] = ()
    """DER root certificates, needed to build the chain for B-LT and B-LTA."""
    other_certs: tuple[bytes, ...] = ()
    """DER intermediate certificates to embed (B-LT, B-LTA)."""
    crls: tuple[bytes, ...] = ()
    """DER CRLs to embed (B-LT, B-LTA); no network fetching happens while signing."""
    reason: str | None = "Phát hành văn bản"
    """The signature's /Reason."""
    location: str | None = None
    """The signature's /Location."""
    field_name: str = "Signature1"
    """Name of the signature field to create."""
    bytes_reserved: int | None = None
    """Bytes reserved for the CMS blob; ``None`` picks a size that fits the profile.
    Reserving up front spares pyHanko building the whole signature twice."""
    max_input_bytes: int = 200 * 1024 * 1024
    """Larger inputs are refused."""

    def reserved_size(self) -> int:
        """The number of bytes to reserve for the signature container."""
        if self.bytes_reserved is not None:
            return self.bytes_reserved
        base = 12 * 1024
        if self.profile.needs_timestamp:
            base += 8 * 1024
        return base + sum(len(c) for c in self.crls) * 2 + 2048 * len(self.other_certs)


@dataclass(frozen=True)
class SignRequest:
    """What varies per signed document."""

    qr_url: str | None = None
    """Verification link of this copy, drawn as a QR code in the stamp."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """Copy metadata (copy id, document symbol, copy number …) written into the signed
    revision's document information dictionary, so the file can be traced offline."""
    signer_name: str | None = None
    """Shown as "Ký số bởi <signer_name>"; ``None`` uses the certificate's common name."""
    copy_label: str | None = None
    """The copy number the reader sees on the document, e.g. "Bản số 05/58": the stamp's
    last line, so a printout's signature names its copy; ``None`` leaves it out."""
    label: str = ""
    """A caller's name for this document, echoed in batch results (not written)."""

    def __post_init__(self) -> None:
        for key, value in self.metadata.items():
            if not METADATA_KEY_PATTERN.match(key) or not isinstance(value, str):
                raise ValueError(f"invalid metadata entry {key!r}: keys are [A-Za-z0-9_], "
                                 "values are strings")


@dataclass(frozen=True)
class TrustSettings:
    """What an auditor trusts, and the bounds within which a file is examined."""

    trust_roots: tuple[bytes, ...] = ()
    """Root certificates (DER or PEM, several PEM blocks allowed per entry)."""
    other_certs: tuple[bytes, ...] = ()
    """Intermediate certificates that may be missing from the files."""
    crls: tuple[bytes, ...] = ()
    """CRLs (DER) known to the auditor, on top of those embedded in the files."""
    moment: dt.datetime | None = None
    """Validate as of this time (``None``: now). Pins results in tests."""
    isolate: bool = True
    """Parse and validate in a child process under the time and memory bounds below."""
    timeout_seconds: float = 30.0
    """Wall-clock bound for one file; beyond it the report says FORMAT_FAILURE."""
    memory_limit_bytes: int = 1024 * 1024 * 1024
    """Address-space bound of the child process (RLIMIT_AS)."""
    max_file_bytes: int = 100 * 1024 * 1024
    """Larger files are refused unread (FORMAT_FAILURE)."""
    visual_dpi: float = 48.0
    """Resolution at which signed revisions and the final file are rendered and compared
    (enough to see a hidden or replaced line of text, cheap to render)."""

    @classmethod
    def from_files(cls, *paths: Path, **kwargs: object) -> TrustSettings:
        """Trust the certificates in ``paths`` (PEM or DER files)."""
        return cls(trust_roots=tuple(Path(p).read_bytes() for p in paths),
                   **kwargs)  # type: ignore[arg-type]
