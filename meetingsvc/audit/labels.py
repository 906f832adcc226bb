"""Words for the codes a verification report holds, marked for translation."""

from __future__ import annotations

from ..errors import N_
from ..issuance.models import Channel

#: ETSI EN 319 102-1 main indications, written the way auditors read them.
INDICATIONS = {
    "TOTAL_PASSED": "TOTAL-PASSED",
    "INDETERMINATE": "INDETERMINATE",
    "TOTAL_FAILED": "TOTAL-FAILED",
}

SUB_INDICATIONS = {
    "HASH_FAILURE": N_("hash mismatch: the signed bytes were changed"),
    "SIG_CRYPTO_FAILURE": N_("the signature value is cryptographically invalid"),
    "NO_CERTIFICATE_CHAIN_FOUND": N_("unknown signer: no chain to a trusted root"),
    "CHAIN_CONSTRAINTS_FAILURE": N_("the certificate chain breaks its constraints"),
    "REVOKED": N_("the signer's certificate was revoked before signing"),
    "REVOKED_NO_POE": N_("the signer's certificate is revoked, no proof the signature "
                         "came first"),
    "EXPIRED": N_("a certificate expired and no timestamp proves the signature came first"),
    "TRY_LATER": N_("no revocation data yet: try again later"),
    "FORMAT_FAILURE": N_("not a readable PDF, or not within the time and memory bounds"),
    "NO_SIGNATURE": N_("the file is not signed"),
    "MODIFIED_AFTER_SIGNING": N_("modified after signing"),
    "TIMESTAMP_FAILURE": N_("the signature timestamp is invalid"),
}

COVERAGE = {
    "ENTIRE_FILE": N_("the whole file"),
    "ENTIRE_REVISION": N_("its revision; later revisions follow"),
    "OTHER": N_("only part of the file"),
}

MODIFICATION_LEVELS = {
    "NONE": N_("no changes"),
    "LTA_UPDATES": N_("validation data and timestamps only (allowed)"),
    "FORM_FILLING": N_("form filling"),
    "ANNOTATIONS": N_("annotations"),
    "OTHER": N_("other changes: page content, pages or structure"),
}

REVOCATION = {
    "good": N_("checked against the CRL: not revoked"),
    "revoked": N_("revoked"),
    "unknown": N_("no revocation data"),
}

COPY_STATES = {
    "current": N_("Current"),
    "superseded": N_("Superseded by a newer version"),
    "recalled": N_("Recalled"),
}

FOUND_BY = {
    "exact_bytes": N_("its SHA-256 is that of the issued file"),
    "signed_metadata": N_("the copy's token in the signed revision"),
    "raw_bytes": N_("the copy's token found in the damaged file's bytes"),
}

CHANNELS = {
    Channel.DOWNLOAD: N_("download"),
    Channel.VIEW_ONLY: N_("viewer only"),
    Channel.PRINT: N_("paper copy"),
}
