"""Gather the facts about every signature of a PDF with pyHanko (no sandbox here).

:func:`examine_pdf` parses the file (opening an encrypted one with the empty user
password), validates each signature and document timestamp, judges the later
revisions by what they change (:mod:`signing.changes`, and for anything beyond
long-term validation data, by what a reader sees: :mod:`signing.visual`), and
hands the facts to :mod:`signing.verdict`. Legacy ``adbe.pkcs7.sha1``
signatures are read and reported, never ignored. A signature that cannot be
read is reported with the reason, and the others are still examined. Errors of
a hostile file become a FORMAT_FAILURE report; :mod:`signing.verify` runs this
in a child process so that hangs and memory blow-ups are bounded too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from io import BytesIO
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.fields import FieldMDPSpec, MDPPerm, enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, read_certification_data
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .changes import LENIENT_DIFF_POLICY, modifications_permitted
from .metadata import copy_metadata_of_revision
from .report import (
    CertificateInfo,
    Indication,
    SignatureReport,
    SubIndication,
    TimestampInfo,
    VerificationReport,
    VisualChange,
)
from .settings import TrustSettings
from .verdict import SignatureFacts, explain, judge_document, judge_signature
from .visual import PageAreas, RenderedDocument, compare_revision
from .widgets import widgets_of

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


def _attributes(name: asn1_x509.Name) -> tuple[tuple[str, str], ...]:
    """A name's attributes in order, typed by asn1crypto's names, values as text."""
    return tuple((str(type_value["type"].native), str(type_value["value"].native))
                 for rdn in name.chosen for type_value in rdn)


def _usages(cert: asn1_x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    key_usage = cert.key_usage_value
    extended = cert.extended_key_usage_value
    return (tuple(sorted(str(u) for u in key_usage.native)) if key_usage else (),
            tuple(str(u) for u in extended.native) if extended else ())


def _cert_info(cert: asn1_x509.Certificate) -> CertificateInfo:
    validity = cert["tbs_certificate"]["validity"]
    key_usage, extended_key_usage = _usages(cert)
    return CertificateInfo(
        subject=cert.subject.human_friendly, issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=validity["not_before"].native.isoformat(),
        not_after=validity["not_after"].native.isoformat(),
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
        subject_attributes=_attributes(cert.subject),
        issuer_attributes=_attributes(cert.issuer),
        key_usage=key_usage, extended_key_usage=extended_key_usage)


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


_LEGACY_SHA1 = "/adbe.pkcs7.sha1"
_KNOWN_SUB_FILTERS = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161",
                      _LEGACY_SHA1}


@dataclasses.dataclass
class _Examined:
    """One signature's report, with what the visual comparison needs to know."""

    report: SignatureReport
    emb: EmbeddedPdfSignature | None = None
    needs_visual: bool = False


def _integrity(emb: EmbeddedPdfSignature) -> tuple[Any, str | None]:
    """Digest, coverage and difference analysis: pyHanko's policy first, and the lenient
    one (:mod:`signing.changes`) when it objects. Returns the diff result and, if the
    lenient policy was needed, pyHanko's objection."""
    emb.compute_integrity_info()  # type: ignore[no-untyped-call]
    diff = emb.diff_result
    if isinstance(diff, SuspiciousModification) and \
            emb.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        second = emb.evaluate_modifications(LENIENT_DIFF_POLICY)
        if isinstance(second, DiffResult):
            emb.diff_result = second
            return second, str(diff)
    return diff, None


def _sub_filter(emb: EmbeddedPdfSignature) -> str:
    return str(emb.sig_object.get("/SubFilter", "/?"))


def _validate(emb: EmbeddedPdfSignature, vc: ValidationContext, *, is_ts: bool,
              legacy: bool) -> Any:
    """pyHanko's status of the signature or timestamp (``None`` for a legacy signature,
    which :func:`_legacy_signature` checks itself); the diff is judged separately."""
    if is_ts:
        return validate_pdf_timestamp(emb, validation_context=vc, skip_diff=True)
    if not legacy:
        return validate_pdf_signature(emb, signer_validation_context=vc, skip_diff=True)
    return None


def _coverage(emb: EmbeddedPdfSignature, revisions: int) -> str:
    """What the signature covers, as the report names it."""
    coverage = _COVERAGE.get(emb.coverage, "OTHER") if emb.coverage is not None else "OTHER"
    if coverage == "ENTIRE_REVISION" and emb.signed_revision >= revisions - 1:
        coverage = "OTHER"  # bytes follow the last revision: appended outside any update
    return coverage


def _modification_level(diff: Any, coverage: str) -> ModificationLevel | None:
    """How far later revisions go: ``None`` when there was nothing to compare."""
    level = None if diff is None else (
        ModificationLevel.OTHER if isinstance(diff, SuspiciousModification)
        else diff.modification_level)
    if coverage == "ENTIRE_FILE":
        level = level or ModificationLevel.NONE
    return level


def _modification_details(diff: Any, objection: str | None) -> str | None:
    """What the difference analysis found worth telling the reader."""
    if isinstance(diff, SuspiciousModification):
        return str(diff)
    if objection is not None:
        return f"accepted as long-term validation data: {objection}"
    if diff is not None and diff.changed_form_fields:
        return "changed form fields: " + ", ".join(sorted(diff.changed_form_fields))
    return None


def _signature_facts(emb: EmbeddedPdfSignature, status: Any, timestamp: TimestampInfo | None,
                     *, is_ts: bool, coverage: str, level: str | None,
                     permitted: bool | None) -> SignatureFacts:
    """What :func:`signing.verdict.judge_signature` decides on, from pyHanko's status."""
    best_time = (status.timestamp if is_ts else
                 (status.timestamp_validity.timestamp if timestamp and timestamp.valid
                  else emb.self_reported_timestamp))
    return SignatureFacts(
        intact=bool(status.intact), valid=bool(status.valid), coverage=coverage,
        modification_level=level, modifications_permitted=permitted,
        trusted=bool(status.trusted),
        trust_problem=getattr(status.trust_problem_indic, "name", None),
        revoked=status.revoked,
        revoked_before_signing=bool(status.revoked and best_time is not None and
                                    status.revocation_details.revocation_date <= best_time),
        timestamp_present=timestamp is not None and not is_ts,
        timestamp_valid=bool(timestamp and timestamp.valid),
        timestamp_trusted=bool(timestamp and timestamp.trusted))


def _profile(timestamp: TimestampInfo | None, *, is_ts: bool, has_dss: bool,
             later_doc_ts: bool) -> str | None:
    """The PAdES baseline level the signature reaches (none for a document timestamp)."""
    if is_ts:
        return None
    if timestamp is None:
        return "B-B"
    return "B-LTA" if has_dss and later_doc_ts else "B-LT" if has_dss else "B-T"


def _chain(emb: EmbeddedPdfSignature, status: Any) -> tuple[CertificateInfo, ...]:
    """The validated path up to the root, or the signer's certificate alone."""
    path = status.validation_path
    return (tuple(_cert_info(c) for c in path.iter_certs(include_root=True))
            if path is not None else (_cert_info(emb.signer_cert),))


def _examine_signature(emb: EmbeddedPdfSignature, vc: ValidationContext,
                       crls: list[asn1_crl.CertificateList], later_doc_ts: bool,
                       has_dss: bool, revisions: int, cert_docmdp: MDPPerm | None,
                       data: bytes) -> _Examined:
    is_ts = emb.sig_object_type == "/DocTimeStamp"
    legacy = _sub_filter(emb) == _LEGACY_SHA1
    diff, objection = _integrity(emb)
    status = _validate(emb, vc, is_ts=is_ts, legacy=legacy)
    coverage = _coverage(emb, revisions)
    level_enum = _modification_level(diff, coverage)
    details = _modification_details(diff, objection)
    level = level_enum.name if level_enum is not None else None
    docmdp = cert_docmdp if is_ts else emb.docmdp_level
    permitted = None if level_enum is None else modifications_permitted(level_enum, docmdp)
    if legacy:
        return _legacy_signature(emb, data, coverage, level, permitted, details)
    timestamp = _timestamp_info(status if is_ts else status.timestamp_validity)
    revocation, revoked_at = _revocation(status, crls, emb.signer_cert)
    facts = _signature_facts(emb, status, timestamp, is_ts=is_ts, coverage=coverage,
                             level=level, permitted=permitted)
    indication, sub = judge_signature(facts)
    needs_visual = (coverage == "ENTIRE_REVISION" and facts.intact and facts.valid
                    and bool(permitted) and level_enum is not None
                    and (objection is not None or level_enum > ModificationLevel.LTA_UPDATES))
    report = SignatureReport(
        field_name=str(emb.field_name), kind="document_timestamp" if is_ts else "signature",
        signer=emb.signer_cert.subject.human_friendly,
        claimed_signing_time=_iso(emb.self_reported_timestamp), chain=_chain(emb, status),
        trusted=facts.trusted, trust_problem=facts.trust_problem, revocation=revocation,
        revocation_date=revoked_at, intact=facts.intact, valid=facts.valid, coverage=coverage,
        modification_level=level, modifications_permitted=facts.modifications_permitted,
        modification_details=details, docmdp=docmdp.name if docmdp is not None else None,
        timestamp=timestamp,
        profile=_profile(timestamp, is_ts=is_ts, has_dss=has_dss, later_doc_ts=later_doc_ts),
        indication=indication, sub_indication=sub, sub_filter=_sub_filter(emb).lstrip("/"))
    return _Examined(report, emb, needs_visual)


def _legacy_signature(emb: EmbeddedPdfSignature, data: bytes, coverage: str,
                      level: str | None, permitted: bool | None,
                      details: str | None) -> _Examined:
    """An ``adbe.pkcs7.sha1`` signature: the CMS signs the SHA-1 digest of the byte range.

    Its integrity and signature are checked, but SHA-1 is no longer trusted to bind a
    signature to a document, so at best it is INDETERMINATE (never "no signature").
    """
    start1, length1, start2, length2 = (int(v) for v in emb.byte_range)
    signed = data[start1:start1 + length1] + data[start2:start2 + length2]
    content = emb.signed_data["encap_content_info"]["content"].native
    intact = content == hashlib.sha1(signed, usedforsecurity=False).digest()
    problem = "legacy sub-filter adbe.pkcs7.sha1: the document is bound to the signature " \
              "by a SHA-1 digest, which is no longer accepted as proof of integrity"
    try:
        from pyhanko.sign.validation.generic_cms import validate_sig_integrity

        algorithm = emb.signer_info["digest_algorithm"]["algorithm"].native
        _, valid = validate_sig_integrity(emb.signer_info, emb.signer_cert, "data",
                                          hashlib.new(algorithm, content or b"").digest())
    except Exception as exc:
        valid = False
        problem += f"; its signature could not be checked ({type(exc).__name__}: {exc})"
    facts = SignatureFacts(intact=intact, valid=bool(valid), coverage=coverage,
                           modification_level=level, modifications_permitted=permitted,
                           trusted=False, trust_problem=None, revoked=False,
                           revoked_before_signing=False, timestamp_present=False,
                           timestamp_valid=False, timestamp_trusted=False)
    indication, sub = judge_signature(facts)
    if indication is not Indication.TOTAL_FAILED:
        indication, sub = Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE
    report = SignatureReport(
        field_name=str(emb.field_name), kind="signature",
        signer=emb.signer_cert.subject.human_friendly,
        claimed_signing_time=_iso(emb.self_reported_timestamp),
        chain=(_cert_info(emb.signer_cert),), trusted=False, trust_problem=None,
        revocation="unknown", revocation_date=None, intact=intact, valid=bool(valid),
        coverage=coverage, modification_level=level, modifications_permitted=permitted,
        modification_details=details, docmdp=None, timestamp=None, profile=None,
        indication=indication, sub_indication=sub, sub_filter="adbe.pkcs7.sha1",
        problem=problem)
    return _Examined(report)


def _failed_signature(name: str, kind: str, what: str, exc: Exception,
                      sub_filter: str | None = None) -> _Examined:
    return _Examined(SignatureReport(
        field_name=name, kind=kind, signer=None, claimed_signing_time=None, chain=(),
        trusted=False, trust_problem=None, revocation="unknown", revocation_date=None,
        intact=False, valid=False, coverage="OTHER", modification_level=None,
        modifications_permitted=None, modification_details=None, docmdp=None,
        timestamp=None, profile=None, indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE, sub_filter=sub_filter,
        problem=f"could not read {what}: {type(exc).__name__}: {exc}"[:500]))


def _open(data: bytes) -> tuple[PdfFileReader, bool]:
    """The reader, and whether the file was encrypted (opened with the empty password)."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    if not reader.encrypted:
        return reader, False
    if reader.decrypt("").status == AuthStatus.FAILED:
        raise ValueError("the file is encrypted and does not open with the empty user "
                         "password")
    return reader, True


def _embedded(reader: PdfFileReader) -> tuple[list[EmbeddedPdfSignature], list[_Examined]]:
    """Every filled signature field, legacy sub-filters included; unreadable ones reported."""
    found, failed = [], []
    for name, sig_obj, sig_field in enumerate_sig_fields(reader, filled_status=True):
        kind = "signature"
        sub_filter = None
        try:
            value = sig_obj.get_object()
            kind = ("document_timestamp" if value.get("/Type") == "/DocTimeStamp"
                    else "signature")
            sub_filter = str(value.get("/SubFilter", "/?"))
            if sub_filter not in _KNOWN_SUB_FILTERS:
                raise ValueError(f"unknown sub-filter {sub_filter}")
            emb = EmbeddedPdfSignature(reader, sig_field, name)
            emb.signed_revision  # noqa: B018 - reads the byte range and finds the revision
            found.append(emb)
        except Exception as exc:
            failed.append(_failed_signature(str(name), kind, "the signature dictionary", exc,
                                            (sub_filter or "").lstrip("/") or None))
    found.sort(key=lambda emb: emb.signed_revision)
    return found, failed


def _allowed_areas(reader: PdfFileReader, emb: EmbeddedPdfSignature, docmdp: MDPPerm | None,
                   later_signatures: set[str]) -> dict[int, PageAreas]:
    """Widgets where later revisions may change the page: fields the signer left open
    (as they stood when signed) and the signature fields signed afterwards."""
    areas: dict[int, PageAreas] = {}
    lock: FieldMDPSpec | None = emb.fieldmdp
    if docmdp is None or docmdp.value >= MDPPerm.FILL_FORMS.value:
        root = reader.get_historical_resolver(emb.signed_revision).root
        for widget in widgets_of(root):
            if widget.field_type != "/Sig" and not (lock and lock.is_locked(widget.field_name)):
                areas.setdefault(widget.page, PageAreas()).forms.append(widget.rect)
    for widget in widgets_of(reader.root):
        if widget.field_type == "/Sig" and widget.field_name in later_signatures:
            areas.setdefault(widget.page, PageAreas()).signatures.append(widget.rect)
    return areas


def _compare_visually(data: bytes, reader: PdfFileReader, examined: list[_Examined],
                      cert_docmdp: MDPPerm | None, trust: TrustSettings
                      ) -> tuple[list[_Examined], list[VisualChange], int]:
    """Render each signed revision that later changes could have altered and compare it
    with the final file; a signature whose pages changed visibly fails."""
    needing = [e for e in examined if e.needs_visual and e.emb is not None]
    if not needing:
        return examined, [], 0
    changes: list[VisualChange] = []
    compared = 0
    final = RenderedDocument(data, trust.visual_dpi / 72)
    try:
        result = []
        for item in examined:
            emb = item.emb
            if not item.needs_visual or emb is None:
                result.append(item)
                continue
            report = item.report
            try:
                later = {str(e.emb.field_name) for e in examined if e.emb is not None
                         and e.emb.signed_revision > emb.signed_revision}
                docmdp = cert_docmdp if report.kind == "document_timestamp" else \
                    emb.docmdp_level
                areas = _allowed_areas(reader, emb, docmdp, later)
                end = int(emb.byte_range[2]) + int(emb.byte_range[3])
                found, pages = compare_revision(data[:end], final, report.field_name, areas)
            except Exception as exc:
                result.append(_Examined(dataclasses.replace(
                    report, indication=Indication.TOTAL_FAILED,
                    sub_indication=SubIndication.FORMAT_FAILURE,
                    problem=f"could not render the signed revision to compare it: "
                            f"{type(exc).__name__}: {exc}"[:500]), emb))
                continue
            compared += pages
            if found:
                changes += found
                pages_changed = ", ".join(str(c.page) for c in found)
                report = dataclasses.replace(
                    report, indication=Indication.TOTAL_FAILED,
                    sub_indication=SubIndication.MODIFIED_AFTER_SIGNING,
                    modification_details=f"visible change on page(s) {pages_changed} "
                                         f"since this signature")
            result.append(_Examined(report, emb))
        return result, changes, compared
    finally:
        final.close()


def examine_pdf(data: bytes, trust: TrustSettings) -> VerificationReport:
    """Verify ``data`` in this process; never raises for a bad file."""
    if len(data) > trust.max_file_bytes:
        return format_failure(data, f"file larger than {trust.max_file_bytes} bytes")
    try:
        reader, encrypted = _open(data)
        revisions = reader.xrefs.total_revisions
        signatures, failed = _embedded(reader)
    except Exception as exc:  # hostile input can raise anything
        return format_failure(data, f"{type(exc).__name__}: {exc}")
    if not any(e.report.kind == "signature" for e in failed) and \
            not any(s.sig_object_type == "/Sig" for s in signatures):
        return _report(judge_document([], has_regular_signature=False), data,
                       revisions=revisions, encrypted=encrypted,
                       signatures=tuple(e.report for e in failed))
    try:
        vc, crls = _validation_context(reader, trust)
        has_dss = "/DSS" in reader.root
    except Exception as exc:
        return format_failure(data, f"{type(exc).__name__}: {exc}")
    try:
        certification = read_certification_data(reader)
        cert_docmdp: MDPPerm | None = certification.permission if certification else None
    except Exception:
        cert_docmdp = MDPPerm.NO_CHANGES  # unreadable: assume the strictest
    examined = []
    for index, emb in enumerate(signatures):
        later_ts = any(s.sig_object_type == "/DocTimeStamp" for s in signatures[index + 1:])
        try:
            examined.append(_examine_signature(emb, vc, crls, later_ts, has_dss, revisions,
                                               cert_docmdp, data))
        except Exception as exc:
            kind = "document_timestamp" if emb.sig_object_type == "/DocTimeStamp" \
                else "signature"
            examined.append(_failed_signature(str(emb.field_name), kind, "the signature", exc,
                                              _sub_filter(emb).lstrip("/")))
    examined, visual_changes, compared = _compare_visually(data, reader, examined,
                                                           cert_docmdp, trust)
    reports = [e.report for e in examined] + [e.report for e in failed]
    regular = [s for s in signatures if s.sig_object_type == "/Sig"]
    try:
        metadata = copy_metadata_of_revision(reader, regular[0].signed_revision) \
            if regular else {}
        altered = bool(regular) and copy_metadata_of_revision(reader, revisions - 1) != metadata
    except Exception:
        metadata, altered = {}, True
    verdict = judge_document([(r.indication, r.sub_indication) for r in reports],
                             has_regular_signature=True, copy_metadata_altered=altered,
                             visibly_changed=bool(visual_changes))
    return _report(verdict, data, signatures=tuple(reports), copy_metadata=metadata,
                   revisions=revisions, encrypted=encrypted,
                   visual_changes=tuple(visual_changes), pages_compared=compared)
