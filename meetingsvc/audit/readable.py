"""A stored verification report in the reader's language.

The signing library reports codes (verdicts, coverage, key usages), distinguished
names and, where it has nothing better, pyHanko's English sentences. Here every one
of them becomes words the auditor reads in the interface's language: codes through
:mod:`.labels`, names as labelled attributes ("Tên chung (CN)"), known library
sentences through a table of patterns, and an unknown sentence through a summary
that says what kind of problem it is, the original kept for the technical details.
Numbers follow the locale (1.155 / 12,5) and times the office's time zone, with the
offset. The report page and the signed PDF report both read the report through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime as babel_datetime
from flask_babel import format_decimal, format_number, get_locale
from flask_babel import gettext as _

from ..errors import N_
from ..timezones import office_time, utc_offset_label
from . import labels

__all__ = [
    "LibraryMessage", "NameField", "certificate_usages", "common_name", "file_size",
    "label", "library_message", "local_time", "log_problem", "name_fields", "number", "sentence",
    "signature_reason", "verdict_reason",
]


# --- numbers and times ----------------------------------------------------------


def number(value: int | float | None) -> str:
    """1155 → "1.155" in Vietnamese, "1,155" in English; 12.5 → "12,5"."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(format_number(value))
    return str(format_decimal(value, format="#,##0.##"))


def file_size(size: int | None) -> str:
    """ "1.155.200 byte (1,1 MB)": the exact count, and a size a person takes in."""
    if size is None:
        return "—"
    exact = _("%(count)s bytes", count=number(size))
    if size < 1024:
        return exact
    if size < 1024 * 1024:
        return f"{exact} ({number(round(size / 1024, 1))} KB)"
    return f"{exact} ({number(round(size / (1024 * 1024), 1))} MB)"


_TIME_FORMATS = {"vi": "dd/MM/yyyy HH:mm:ss", "en": "d MMM yyyy, HH:mm:ss"}
_DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(value: str | datetime | None, *, date_only: bool = False) -> str:
    """A stored time (ISO text or datetime; naive means UTC) in the office's time zone,
    with its offset: "03/12/2026 08:30:15 (UTC+7)"."""
    moment = _moment(value)
    if moment is None:
        return "—"
    local = office_time(moment)
    language = str(get_locale() or "vi")
    if date_only:
        return babel_datetime(local, _DATE_FORMATS.get(language, "medium"), locale=language)
    text = babel_datetime(local, _TIME_FORMATS.get(language, "medium"), tzinfo=local.tzinfo,
                          locale=language)
    return f"{text} ({utc_offset_label(local)})"


# --- distinguished names ------------------------------------------------------------

#: asn1crypto's display names, to read a name kept only as text (older reports,
#: a timestamp authority).
_DISPLAY_NAMES = {
    "Common Name": "common_name", "Surname": "surname", "Serial Number": "serial_number",
    "Country": "country_name", "Locality": "locality_name",
    "State/Province": "state_or_province_name", "Street Address": "street_address",
    "Organization": "organization_name", "Organizational Unit": "organizational_unit_name",
    "Title": "title", "Postal Code": "postal_code", "Telephone Number": "telephone_number",
    "Name": "name", "Given Name": "given_name", "Initials": "initials",
    "Pseudonym": "pseudonym", "Email Address": "email_address",
    "Domain Component": "domain_component", "Organization Identifier":
        "organization_identifier", "User ID": "user_id", "Business Category":
        "business_category", "Unique Identifier": "unique_identifier",
    "DN Qualifier": "dn_qualifier", "Generation Qualifier": "generation_qualifier",
}
_DISPLAY_SPLIT = re.compile(
    "(?:, |; )(?=(?:" + "|".join(re.escape(k) for k in _DISPLAY_NAMES) + "): )")


@dataclass(frozen=True)
class NameField:
    """One attribute of a distinguished name, labelled in the reader's language."""

    code: str
    label: str
    value: str


def _parse_display(text: str) -> list[tuple[str, str]]:
    """ "Common Name: X, Organization: Y, Country: VN" → [(common_name, X), …]."""
    parts = []
    for piece in _DISPLAY_SPLIT.split(text):
        name, sep, value = piece.partition(": ")
        parts.append((_DISPLAY_NAMES.get(name, name), value) if sep and name in _DISPLAY_NAMES
                     else ("", piece))
    return parts


def _value(code: str, value: str) -> str:
    if code == "country_name" and len(value) == 2:
        country = get_locale().territories.get(value.upper()) if get_locale() else None
        return f"{value} ({country})" if country else value
    return value


def name_fields(attributes: Iterable[Sequence[str]] | None, display: str | None
                ) -> list[NameField]:
    """A name's attributes, most specific first (CN, then OU, O, L, ST, C), labelled.

    ``attributes`` are the structured ``(type, value)`` pairs a report holds; a report
    made before they were kept has only ``display``, asn1crypto's text, read back here.
    """
    pairs = [(str(a[0]), str(a[1])) for a in attributes or ()] or \
        (_parse_display(display) if display else [])
    order = {code: index for index, code in enumerate(labels.NAME_ATTRIBUTES)}
    pairs.sort(key=lambda pair: order.get(pair[0], len(order)))
    fields = []
    for code, value in pairs:
        label = labels.NAME_ATTRIBUTES.get(code)
        fields.append(NameField(code, _(label) if label else (code or "—"), _value(code, value)))
    return fields


def common_name(attributes: Iterable[Sequence[str]] | None, display: str | None) -> str:
    """The name a person reads first: the CN, with the organisation when there is one."""
    fields = {f.code: f.value for f in reversed(name_fields(attributes, display))}
    name = fields.get("common_name") or fields.get("organization_name") or display or "—"
    organisation = fields.get("organization_name")
    return f"{name} · {organisation}" if organisation and organisation not in name else name


def certificate_usages(cert: Mapping[str, Any]) -> list[str]:
    """What the certificate's key may do, in words: "Ký số", "Chống chối bỏ" …"""
    words = []
    for usage in list(cert.get("key_usage") or ()) + list(cert.get("extended_key_usage") or ()):
        label = labels.KEY_USAGES.get(usage)
        words.append(_(label) if label else usage)
    return words


# --- the library's sentences ----------------------------------------------------------


@dataclass(frozen=True)
class LibraryMessage:
    """A sentence of the signing library, as the auditor reads it."""

    #: In the reader's language: the known sentence translated, or a summary.
    text: str
    #: The library's own (English, technical) text, for the technical details.
    original: str
    #: Whether the sentence was recognised (``False``: ``text`` is a summary).
    known: bool


def _pages(match: re.Match[str]) -> dict[str, str]:
    return {"pages": match["pages"]}


def _bytes(match: re.Match[str]) -> dict[str, str]:
    return {"size": file_size(int(match["bytes"]))}


#: Known sentences, most specific first: a pattern, the message (marked for translation)
#: and how its parameters are taken from the match.
_KNOWN: tuple[tuple[re.Pattern[str], str, Any], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), message, params)
    for pattern, message, params in (
        (r"^visible change on page\(s\) (?P<pages>[\d, ]+) since this signature",
         N_("What page %(pages)s shows differs from what was signed."), _pages),
        (r"^changed form fields: (?P<fields>.+)$",
         N_("Form fields were filled in after signing: %(fields)s."),
         lambda m: {"fields": m["fields"]}),
        (r"^accepted as long-term validation data",
         N_("A later revision adds only validation data (certificates, revocation lists, "
            "timestamps); the strict rules objected to the way it is written, the page "
            "comparison found no visible change."), None),
        (r"^legacy sub-filter adbe\.pkcs7\.sha1.*could not be checked",
         N_("An old format (adbe.pkcs7.sha1): the document is bound to the signature by a "
            "SHA-1 digest, no longer accepted as proof, and the signature value itself "
            "could not be checked."), None),
        (r"^legacy sub-filter adbe\.pkcs7\.sha1",
         N_("An old format (adbe.pkcs7.sha1): the document is bound to the signature by a "
            "SHA-1 digest, no longer accepted as proof."), None),
        (r"unknown sub-filter /?(?P<sub_filter>\S+)",
         N_("The signature is in a format this verifier does not know (%(sub_filter)s)."),
         lambda m: {"sub_filter": m["sub_filter"]}),
        (r"^could not read the signature dictionary",
         N_("The signature field could not be read."), None),
        (r"^could not read the signature",
         N_("The signature could not be read or checked."), None),
        (r"^could not render the signed revision",
         N_("The signed revision could not be drawn to compare it with the file as it is."),
         None),
        (r"^file larger than (?P<bytes>\d+) bytes",
         N_("The file is larger than the verifier's limit of %(size)s."), _bytes),
        (r"^verification exceeded the time bound of (?P<seconds>[\d.]+) s",
         N_("Reading the file took longer than the limit of %(seconds)s seconds."),
         lambda m: {"seconds": number(float(m["seconds"]))}),
        (r"^the verifier process died.*memory bound (?P<bytes>\d+) bytes",
         N_("The verifier stopped while reading the file, most likely at its memory limit "
            "of %(size)s."), _bytes),
        (r"encrypted and does not open",
         N_("The file is protected by a password: it cannot be read to be verified."), None),
        (r"^(RecursionError|MemoryError)",
         N_("The file's structure is nested too deeply or too large to be read within the "
            "verifier's limits."), None),
        (r"^(PdfReadError|PdfStrictReadError|PdfParseError|PdfError|misc\.PdfReadError)\b",
         N_("The file is damaged or not a PDF: its structure cannot be read."), None),
        (r"There are unexplained xrefs in revision (?P<revision>\d+)",
         N_("Update %(revision)s changes objects that no permitted kind of change explains: "
            "page content, pages or the file's structure."),
         lambda m: {"revision": m["revision"]}),
        (r"page tree structure",
         N_("Pages were added, removed or replaced after signing."), None),
        (r"^Annotations .* were deleted",
         N_("Annotations were deleted after signing."), None),
        (r"newly added annotations .* were not recognised",
         N_("Annotations of an unknown kind were added after signing."), None),
        (r"^Fields .* were deleted after signing",
         N_("Form fields were deleted after signing."), None),
        (r"More form fields added than expected",
         N_("More form fields were added after signing than are allowed."), None),
        (r"is not allowed because the form field (?P<field>.+?) is locked",
         N_("The form field %(field)s was changed though the signature locks it."),
         lambda m: {"field": m["field"]}),
        (r"only allowed after an approval signature, not a certification",
         N_("A form field was changed that only an approval signature, not a certification, "
            "allows to change."), None),
        (r"were freed in the revision",
         N_("Objects of the signed revision were deleted afterwards."), None),
        (r"(DSS|VRI)",
         N_("The store of validation data (DSS) was changed in a way that is not allowed."),
         None),
        (r"(Metadata|XMP)",
         N_("The document's XMP metadata was changed in a way that is not allowed."), None),
        (r"clobbers or reuses",
         N_("A later update reuses objects of the signed revision in an unexpected way."),
         None),
        (r"appearance stream",
         N_("The appearance of an existing field or annotation was changed."), None),
        (r"changed field type",
         N_("The type of a form field was changed."), None),
    ))

#: What an unrecognised sentence is about, by where the report holds it.
_SUMMARIES = {
    "modification": N_("The analysis of later changes objected to something this verifier "
                       "has no words for; the technical details give its exact text."),
    "problem": N_("Part of this signature could not be read or accepted; the technical "
                  "details give the reason."),
    "format": N_("The file could not be read as a PDF; the technical details give the "
                 "reader's message."),
}


def library_message(text: str | None, where: str) -> LibraryMessage | None:
    """``text`` from the report's ``where`` (``modification``, ``problem`` or ``format``),
    in the reader's language; ``None`` when there is none."""
    if not text:
        return None
    for pattern, message, params in _KNOWN:
        match = pattern.search(text)
        if match:
            return LibraryMessage(_(message, **(params(match) if params else {})), text, True)
    return LibraryMessage(_(_SUMMARIES[where]), text, False)


#: What the log check says about a checkpoint or the chain (``checkpoints._check_one``,
#: ``services.verify_chain``), most specific first.
_LOG_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message) for pattern, message in (
        (r"^checkpoint #(?P<seq>\d+): its columns differ from what was signed",
         N_("Checkpoint #%(seq)s: its columns differ from what was signed.")),
        (r"^checkpoint #(?P<seq>\d+): the checkpoint before it was removed or altered",
         N_("Checkpoint #%(seq)s: the checkpoint before it was removed or altered.")),
        (r"^checkpoint #(?P<seq>\d+) covers row (?P<row>\S+), past the last row "
         r"\((?P<last>[^)]*)\)",
         N_("Checkpoint #%(seq)s covers row %(row)s, past the last row (%(last)s): rows were "
            "deleted from the end of the log.")),
        (r"^checkpoint #(?P<seq>\d+): row (?P<row>\S+) it covers is missing",
         N_("Checkpoint #%(seq)s: row %(row)s that it covers is missing (deleted).")),
        (r"^checkpoint #(?P<seq>\d+): row (?P<row>\S+) no longer has the hash that was signed",
         N_("Checkpoint #%(seq)s: row %(row)s no longer has the hash that was signed.")),
        (r"^checkpoint #(?P<seq>\d+): ",
         N_("Checkpoint #%(seq)s: its signature does not verify.")),
        (r"^link to the previous row is broken",
         N_("the link to the previous row is broken")),
        (r"^row content does not match its hash",
         N_("the row's content does not match its hash")),
    ))


def log_problem(text: str) -> LibraryMessage:
    """A problem the log check found, in the reader's language, the original kept."""
    for pattern, message in _LOG_PROBLEMS:
        match = pattern.search(text)
        if match:
            return LibraryMessage(_(message, **match.groupdict()), text, True)
    return LibraryMessage(_("A checkpoint does not match the log; the technical details "
                            "give the exact text."), text, False)


_UNTRUSTED_TSA = N_("the timestamp authority has no chain to a trusted root")


def signature_reason(signature: Mapping[str, Any]) -> str | None:
    """Why a signature did not pass, in words; more precise than its sub-indication where
    the report tells more (the signer is trusted, its timestamp authority is not)."""
    sub = signature.get("sub_indication")
    if sub is None:
        return None
    timestamp = signature.get("timestamp") or {}
    if sub == "NO_CERTIFICATE_CHAIN_FOUND" and signature.get("trusted") and timestamp \
            and not timestamp.get("trusted"):
        return _(_UNTRUSTED_TSA)
    return label(labels.SUB_INDICATIONS, sub)


def verdict_reason(verification: Mapping[str, Any]) -> str | None:
    """Why the file did not pass: the reason of the signature its verdict comes from."""
    sub = verification.get("sub_indication")
    if sub is None:
        return None
    for signature in verification.get("signatures") or ():
        if (signature.get("indication"), signature.get("sub_indication")) == \
                (verification.get("indication"), sub):
            return signature_reason(signature)
    return label(labels.SUB_INDICATIONS, sub)


def sentence(text: str) -> str:
    """The first letter in capitals, the rest as it is ("CRL" stays "CRL")."""
    return text[:1].upper() + text[1:]


def label(table: Mapping[Any, str], code: str | None, default: str = "—") -> str:
    """A code's words, translated; an unknown code as it is."""
    if code is None:
        return default
    words = table.get(code)
    return _(words) if words else code
