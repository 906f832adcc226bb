"""meetingsvc's signing library: keys, PKI, TSA, PAdES signing, stamps, verification.

It imports neither Flask nor the database, so an auditor can use it alone.
Modules, in the order a reader needs them:

* :mod:`signing.settings` — frozen settings: :class:`SignerSettings`, :class:`SignRequest`,
  :class:`StampSettings`, :class:`TrustSettings`, :class:`PadesProfile`.
* :mod:`signing.keys` — key sources: :class:`Pkcs12KeySource`, :class:`Pkcs11KeySource`.
* :mod:`signing.pki` — the development PKI: :func:`create_dev_pki`, :func:`load_dev_pki`.
* :mod:`signing.tsa` — an RFC 3161 responder (:class:`TimestampAuthority`) and a local server.
* :mod:`signing.signer` — :class:`DocumentSigner`, one per process.
* :mod:`signing.pool` — :class:`WorkerPool` and :class:`SigningService` for batches.
* :mod:`signing.verify` — :func:`verify_pdf` → :class:`VerificationReport`.
* :mod:`signing.metadata` — :func:`read_copy_metadata`.
* :mod:`signing.renew` — archive timestamps: :func:`inspect_archive`, :class:`ArchiveRenewer`.
"""

from .errors import (
    DocumentSigningError,
    InvalidInputDocument,
    KeySourceError,
    PkiError,
    SigningLibraryError,
    TimestampError,
)
from .keys import KeySource, Pkcs11KeySource, Pkcs12KeySource
from .metadata import read_copy_metadata
from .pki import DevPki, create_dev_pki, load_dev_pki
from .pool import ItemResult, SigningService, SignJob, WorkerPool
from .renew import (
    ArchiveRenewer,
    ArchiveState,
    RenewalReason,
    RenewalRefused,
    RenewalSettings,
    inspect_archive,
)
from .report import Indication, SignatureReport, SubIndication, VerificationReport
from .settings import PadesProfile, SignerSettings, SignRequest, StampSettings, TrustSettings
from .signer import DocumentSigner
from .tsa import LocalTsaServer, TimestampAuthority
from .verify import verify_pdf

__all__ = [
    "ArchiveRenewer",
    "ArchiveState",
    "DevPki",
    "DocumentSigner",
    "DocumentSigningError",
    "Indication",
    "InvalidInputDocument",
    "ItemResult",
    "KeySource",
    "KeySourceError",
    "LocalTsaServer",
    "PadesProfile",
    "PkiError",
    "Pkcs11KeySource",
    "Pkcs12KeySource",
    "RenewalReason",
    "RenewalRefused",
    "RenewalSettings",
    "SignJob",
    "SignRequest",
    "SignatureReport",
    "SignerSettings",
    "SigningLibraryError",
    "SigningService",
    "StampSettings",
    "SubIndication",
    "TimestampAuthority",
    "TimestampError",
    "TrustSettings",
    "VerificationReport",
    "WorkerPool",
    "create_dev_pki",
    "inspect_archive",
    "load_dev_pki",
    "read_copy_metadata",
    "verify_pdf",
]
