"""Words for the codes a verification report holds, marked for translation."""

from __future__ import annotations

from ..errors import N_
from ..issuance.models import Channel

#: ETSI EN 319 102-1 main indications as the standard writes them (technical details).
INDICATIONS = {
    "TOTAL_PASSED": "TOTAL-PASSED",
    "INDETERMINATE": "INDETERMINATE",
    "TOTAL_FAILED": "TOTAL-FAILED",
}

#: The same verdicts in words: what the report says first.
VERDICTS = {
    "TOTAL_PASSED": N_("Valid"),
    "INDETERMINATE": N_("Cannot be confirmed"),
    "TOTAL_FAILED": N_("Not valid"),
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
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": N_("a legacy algorithm (SHA-1) and no proof the "
                                            "signature came while it was trusted"),
}

#: pyHanko's reasons (AdES sub-indications) why a certificate chain is not trusted.
TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": N_("no chain to a trusted root"),
    "CHAIN_CONSTRAINTS_FAILURE": N_("the chain breaks its constraints (key usage, policy)"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": N_("the chain could not be checked"),
    "CRYPTO_CONSTRAINTS_FAILURE": N_("an algorithm that is no longer accepted"),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": N_("an algorithm that is no longer accepted, with "
                                            "no proof of an earlier time"),
    "SIG_CONSTRAINTS_FAILURE": N_("the signature breaks the validation constraints"),
    "EXPIRED": N_("a certificate has expired"),
    "NOT_YET_VALID": N_("a certificate is not yet in force"),
    "OUT_OF_BOUNDS_NO_POE": N_("a certificate was not in force at the signing time"),
    "OUT_OF_BOUNDS_NOT_REVOKED": N_("a certificate has expired (it was not revoked)"),
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": N_("revocation data outside the certificate's "
                                          "validity"),
    "REVOKED_NO_POE": N_("the signer's certificate is revoked"),
    "REVOKED_CA_NO_POE": N_("a certificate authority of the chain is revoked"),
    "TRY_LATER": N_("no revocation data yet"),
    "NO_SIGNING_CERTIFICATE_FOUND": N_("the signer's certificate is missing"),
    "TIMESTAMP_ORDER_FAILURE": N_("the timestamps are out of order"),
    "POLICY_PROCESSING_ERROR": N_("the signature policy could not be processed"),
    "SIGNATURE_POLICY_NOT_AVAILABLE": N_("the signature policy is not available"),
    "NO_POE": N_("no proof of existence at the required time"),
    "SIGNED_DATA_NOT_FOUND": N_("the signed data is missing"),
    "GENERIC": N_("the chain could not be checked"),
}

COVERAGE = {
    "ENTIRE_FILE": N_("the whole file"),
    "ENTIRE_REVISION": N_("the file as it was when signed; it was updated afterwards"),
    "OTHER": N_("only part of the file"),
}

MODIFICATION_LEVELS = {
    "NONE": N_("no changes"),
    "LTA_UPDATES": N_("validation data and timestamps only (allowed)"),
    "FORM_FILLING": N_("form filling"),
    "ANNOTATIONS": N_("annotations"),
    "OTHER": N_("other changes: page content, pages or structure"),
}

#: The DocMDP level of a certification signature: what it lets later revisions do.
DOCMDP = {
    "NO_CHANGES": N_("Certification: no change allowed"),
    "FILL_FORMS": N_("Certification: filling in forms and signing allowed"),
    "ANNOTATE": N_("Certification: forms, signing and annotations allowed"),
}

SIGNATURE_KINDS = {
    "signature": N_("Digital signature"),
    "document_timestamp": N_("Document timestamp"),
}

#: Attributes of a distinguished name, in the order a reader looks for them.
NAME_ATTRIBUTES = {
    "common_name": N_("Common name (CN)"),
    "given_name": N_("Given name (G)"),
    "surname": N_("Surname (SN)"),
    "title": N_("Title (T)"),
    "organizational_unit_name": N_("Organisational unit (OU)"),
    "organization_name": N_("Organisation (O)"),
    "organization_identifier": N_("Organisation identifier"),
    "street_address": N_("Street address"),
    "locality_name": N_("Locality (L)"),
    "state_or_province_name": N_("Province or state (ST)"),
    "postal_code": N_("Postal code"),
    "country_name": N_("Country (C)"),
    "email_address": N_("E-mail (E)"),
    "serial_number": N_("Serial number (SERIALNUMBER)"),
    "user_id": N_("User identifier (UID)"),
    "domain_component": N_("Domain component (DC)"),
    "pseudonym": N_("Pseudonym"),
}

#: Key usages and extended key usages of a certificate.
KEY_USAGES = {
    "digital_signature": N_("Digital signature"),
    "non_repudiation": N_("Non-repudiation"),
    "key_encipherment": N_("Key encipherment"),
    "data_encipherment": N_("Data encipherment"),
    "key_agreement": N_("Key agreement"),
    "key_cert_sign": N_("Signing certificates"),
    "crl_sign": N_("Signing revocation lists (CRL)"),
    "encipher_only": N_("Encipher only"),
    "decipher_only": N_("Decipher only"),
    "time_stamping": N_("Timestamping"),
    "server_auth": N_("Server authentication"),
    "client_auth": N_("Client authentication"),
    "code_signing": N_("Code signing"),
    "email_protection": N_("E-mail protection"),
    "ocsp_signing": N_("Signing OCSP responses"),
    "1.3.6.1.4.1.311.10.3.12": N_("Document signing"),
    "1.2.840.113583.1.1.5": N_("Document signing"),
}

#: The copy data the office writes into every issued file.
COPY_METADATA = {
    "MeetingsvcToken": N_("Verification code"),
    "MeetingsvcCopyId": N_("Copy record"),
    "MeetingsvcSymbol": N_("Document symbol"),
    "MeetingsvcCopyNumber": N_("Copy number"),
    "MeetingsvcRegister": N_("Hand-over register of"),
    "MeetingsvcEvidenceMeeting": N_("Evidence export of meeting"),
    "MeetingsvcVerificationReport": N_("Verification report"),
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
