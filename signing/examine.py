"""Gather the facts about every signature of a PDF with pyHanko (no sandbox here).

:func:`examine_pdf` parses the file, validates each signature and document
timestamp (difference analysis always on), and hands the facts to
:mod:`signing.verdict`. It catches every error of a hostile file and turns it
into a FORMAT_FAILURE report; :mod:`signing.verify` runs it in a child process
so that hangs and memory blow-ups are bounded too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import SuspiciousModification
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .metadata import copy_metadata_of_revision
from .report import (
    CertificateInfo,
    Indication,
    SignatureReport,
    SubIndication,
    TimestampInfo,
    VerificationReport,
)
from .settings import TrustSettings
from .verdict import SignatureFacts, explain, judge_document, judge_signature

__all__ = ["examine_pdf", "format_failure", "load_certificates"]


def load_certificates(blobs: tuple[bytes, ...]) -> list[asn1_x509.Certificate]:
    """Certificates from DER or PEM blobs (a PEM blob may hold several)."""
    certs = []
    for blob in blobs:
        if pem.detect(blob):
            certs += [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(blob, True)]
        else:
            certs.append(asn1_x509.Certificate.load(blob))
    return certs


def _report(verdict: tuple[Indication, SubIndication | None], data: bytes,
            **kwargs: Any) -> VerificationReport:
    vi, en = explain(verdict)
    return VerificationReport(indication=verdict[0], sub_indication=verdict[1],
                              explanation_vi=vi, explanation_en=en,
                              file_sha256=hashlib.sha256(data).hexdigest(),
                              file_size=len(data), **kwargs)


def format_failure(data: bytes, detail: str) -> VerificationReport:
    """The report for a file that could not be examined."""
    return _report((Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE), data,
                   detail=detail[:500])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cert_info(cert: asn1_x509.Certificate) -> CertificateInfo:
    validity = cert["tbs_certificate"]["validity"]
    return CertificateInfo(
        subject=cert.subject.human_friendly, issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=validity["not_before"].native.isoformat(),
        not_after=validity["not_after"].native.isoformat(),
        sha256=hashlib.sha256(cert.dump()).hexdigest())


_COVERAGE = {SignatureCoverageLevel.ENTIRE_FILE: "ENTIRE_FILE",
             SignatureCoverageLevel.ENTIRE_REVISION: "ENTIRE_REVISION"}


def _validation_context(reader: PdfFileReader, trust: TrustSettings
                        ) -> tuple[ValidationContext, list[asn1_crl.CertificateList]]:
    """A context with the auditor's roots and CRLs plus what the file's DSS embeds."""
    kwargs: dict[str, Any] = {
        "trust_roots": load_certificates(trust.trust_roots),
        "other_certs": load_certificates(trust.other_certs),
        "crls": [asn1_crl.CertificateList.load(c) for c in trust.crls],
        "allow_fetching": False, "revocation_mode": "soft-fail", "moment": trust.moment,
    }
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        crls = list(kwargs["crls"]) + [asn1_crl.CertificateList.load(ref.get_object().data)
                                       for ref in dss.crls]
        return dss.as_validation_context(kwargs), crls
    except Exception:  # no DSS, or a broken one: validate without it
        return ValidationContext(**kwargs), list(kwargs["crls"])


def _timestamp_info(ts: Any) -> TimestampInfo | None:
    if ts is None:
        return None
    return TimestampInfo(time=_iso(ts.timestamp), authority=ts.signing_cert.subject.human_friendly,
                         valid=bool(ts.intact and ts.valid), trusted=bool(ts.trusted))


def _revocation(status: Any, crls: list[asn1_crl.CertificateList],
                cert: asn1_x509.Certificate) -> tuple[str, str | None]:
    """``revoked``, ``good`` (a CRL of the issuer was checked on a trusted path) or
    ``unknown``."""
    details = status.revocation_details
    if details is not None:
        return "revoked", _iso(details.revocation_date)
    checked = any(c.issuer == cert.issuer for c in crls)
    return ("good" if checked and status.trusted else "unknown"), None


def _examine_signature(emb: EmbeddedPdfSignature, vc: ValidationContext,
                       crls: list[asn1_crl.CertificateList], later_doc_ts: bool,
                       has_dss: bool, revisions: int) -> SignatureReport:
    is_ts = emb.sig_object_type == "/DocTimeStamp"
    status: Any = (validate_pdf_timestamp(emb, validation_context=vc) if is_ts
                   else validate_pdf_signature(emb, signer_validation_context=vc))
    coverage = _COVERAGE.get(status.coverage, "OTHER")
    if coverage == "ENTIRE_REVISION" and emb.signed_revision >= revisions - 1:
        coverage = "OTHER"  # bytes follow the last revision: appended outside any update
    diff = status.diff_result
    level = None if diff is None else (
        "OTHER" if isinstance(diff, SuspiciousModification) else diff.modification_level.name)
    if isinstance(diff, SuspiciousModification):
        details: str | None = str(diff)
    elif diff is not None and diff.changed_form_fields:
        details = "changed form fields: " + ", ".join(sorted(diff.changed_form_fields))
    else:
        details = None
    if coverage == "ENTIRE_FILE":
        level = level or "NONE"
    timestamp = _timestamp_info(status if is_ts else status.timestamp_validity)
    revocation, revoked_at = _revocation(status, crls, emb.signer_cert)
    best_time = (status.timestamp if is_ts else
                 (status.timestamp_validity.timestamp if timestamp and timestamp.valid
                  else emb.self_reported_timestamp))
    facts = SignatureFacts(
        intact=bool(status.intact), valid=bool(status.valid), coverage=coverage,
        modification_level=level,
        modifications_permitted=None if level is None else bool(status.docmdp_ok),
        trusted=bool(status.trusted),
        trust_problem=getattr(status.trust_problem_indic, "name", None),
        revoked=status.revoked,
        revoked_before_signing=bool(status.revoked and best_time is not None and
                                    status.revocation_details.revocation_date <= best_time),
        timestamp_present=timestamp is not None and not is_ts,
        timestamp_valid=bool(timestamp and timestamp.valid),
        timestamp_trusted=bool(timestamp and timestamp.trusted))
    if is_ts:
        profile = None
    elif timestamp is None:
        profile = "B-B"
    else:
        profile = ("B-LTA" if has_dss and later_doc_ts else "B-LT" if has_dss else "B-T")
    path = status.validation_path
    chain = (tuple(_cert_info(c) for c in path.iter_certs(include_root=True))
             if path is not None else (_cert_info(emb.signer_cert),))
    docmdp = emb.docmdp_level
    indication, sub = judge_signature(facts)
    return SignatureReport(
        field_name=str(emb.field_name), kind="document_timestamp" if is_ts else "signature",
        signer=emb.signer_cert.subject.human_friendly,
        claimed_signing_time=_iso(emb.self_reported_timestamp), chain=chain,
        trusted=facts.trusted, trust_problem=facts.trust_problem, revocation=revocation,
        revocation_date=revoked_at, intact=facts.intact, valid=facts.valid, coverage=coverage,
        modification_level=level, modifications_permitted=facts.modifications_permitted,
        modification_details=details, docmdp=docmdp.name if docmdp is not None else None,
        timestamp=timestamp, profile=profile, indication=indication, sub_indication=sub)


def _failed_signature(emb: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    try:
        name = str(emb.field_name)
    except Exception:
        name = "?"
    return SignatureReport(
        field_name=name, kind="signature", signer=None, claimed_signing_time=None, chain=(),
        trusted=False, trust_problem=None, revocation="unknown", revocation_date=None,
        intact=False, valid=False, coverage="OTHER", modification_level=None,
        modifications_permitted=None,
        modification_details=f"{type(exc).__name__}: {exc}"[:500], docmdp=None,
        timestamp=None, profile=None, indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE)


def examine_pdf(data: bytes, trust: TrustSettings) -> VerificationReport:
    """Verify ``data`` in this process; never raises for a bad file."""
    if len(data) > trust.max_file_bytes:
        return format_failure(data, f"file larger than {trust.max_file_bytes} bytes")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        revisions = reader.xrefs.total_revisions
    except Exception as exc:  # hostile input can raise anything
        return format_failure(data, f"{type(exc).__name__}: {exc}")
    regular = [s for s in signatures if s.sig_object_type == "/Sig"]
    if not regular:
        return _report(judge_document([], has_regular_signature=False), data,
                       revisions=revisions)
    try:
        vc, crls = _validation_context(reader, trust)
        has_dss = "/DSS" in reader.root
    except Exception as exc:
        return format_failure(data, f"{type(exc).__name__}: {exc}")
    reports = []
    for index, emb in enumerate(signatures):
        later_ts = any(s.sig_object_type == "/DocTimeStamp" for s in signatures[index + 1:])
        try:
            reports.append(_examine_signature(emb, vc, crls, later_ts, has_dss, revisions))
        except Exception as exc:
            reports.append(_failed_signature(emb, exc))
    try:
        metadata = copy_metadata_of_revision(reader, regular[0].signed_revision)
        altered = copy_metadata_of_revision(reader, revisions - 1) != metadata
    except Exception:
        metadata, altered = {}, True
    verdict = judge_document([(r.indication, r.sub_indication) for r in reports],
                             has_regular_signature=True, copy_metadata_altered=altered)
    return _report(verdict, data, signatures=tuple(reports), copy_metadata=metadata,
                   revisions=revisions)
