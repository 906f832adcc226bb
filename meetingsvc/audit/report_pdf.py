"""A verification report as an A4 PDF, signed by the office, to file or send on.

It is made again from the kept :class:`~.models.VerificationRecord` (the report as it
was when the file was verified), so the uploaded file itself is never stored. The
text is in the reader's language, through :mod:`.readable`, as on the report page;
the signature is the office's, as on an issued copy (PAdES, timestamped, visible stamp).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from signing import DocumentSigner, SignerSettings, SignRequest

from . import labels
from .readable import (
    certificate_usages,
    common_name,
    file_size,
    label,
    library_message,
    local_time,
    name_fields,
    number,
    sentence,
    signature_reason,
    verdict_reason,
)

__all__ = ["ReportSheet", "build_sheet", "render_sheet", "sign_report"]

_FONT = "DejaVu"
_MONO = "DejaVuMono"
_MARGIN = 18.0
#: Room at the foot of each page for the office's visible signature stamp.
_FOOT = 32.0
_COLOURS = {"TOTAL_PASSED": (20, 83, 45), "INDETERMINATE": (122, 67, 0),
            "TOTAL_FAILED": (122, 17, 17)}
_BACKGROUNDS = {"TOTAL_PASSED": (234, 246, 239), "INDETERMINATE": (255, 244, 224),
                "TOTAL_FAILED": (253, 236, 236)}

Row = tuple[str, str]


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    note: str | None = None
    #: Rows whose values are codes or hashes, printed in a fixed-width face.
    mono: bool = False


@dataclass(frozen=True)
class ReportSheet:
    """Everything the PDF prints, already in the reader's language."""

    office_name: str
    title: str
    number_line: str
    indication: str
    verdict: str
    verdict_lines: list[str]
    sections: list[Section]
    footer: str


def build_sheet(report: dict[str, Any], *, office_name: str, verifier: str,
                made_at: str) -> ReportSheet:
    """The report's words, from the stored report (needs the request's language)."""
    v = report["verification"]
    lines = []
    if v.get("sub_indication"):
        lines.append(sentence(verdict_reason(v) or "") + ".")
    lines.append(v["explanation_vi"] if str(get_locale()) == "vi" else v["explanation_en"])
    detail = library_message(v.get("detail"), "format")
    if detail:
        lines.append(detail.text)
    sections = [Section(_("The file"), [
        (_("File"), report["file_name"]),
        (_("Size"), file_size(v["file_size"])),
        ("SHA-256", v["file_sha256"]),
        (_("Verified"), local_time(report["verified_at"])),
        (_("Verified by"), verifier),
        (_("Saves in the file"), number(int(v.get("revisions") or 0))),
        (_("This report made"), made_at),
    ])]
    sections.append(_copy_section(report))
    signatures = v.get("signatures") or []
    if not signatures:
        sections.append(Section(_("Signatures"), note=_("No digital signature in this file.")))
    for index, signature in enumerate(signatures, start=1):
        sections += _signature_sections(index, signature)
    for change in v.get("visual_changes") or []:
        sections.append(Section(_("Pages that look different from what was signed"), [
            (_("Page"), str(change["page"])),
            (_("Since the signature field"), change["signature"]),
        ]))
    sections.append(_technical(v))
    return ReportSheet(
        office_name=office_name, title=_("Verification report of a PDF file"),
        number_line=_("Report no. %(id)s", id=report["id"]), indication=v["indication"],
        verdict=label(labels.VERDICTS, v["indication"]).upper(), verdict_lines=lines,
        sections=sections,
        footer=f"{office_name} — {_('Verification report')} #{report['id']}")


def _copy_section(report: dict[str, Any]) -> Section:
    c = report.get("issued_copy")
    title = _("Issued copy")
    if c is None:
        claimed = report.get("claimed_copy")
        if claimed:
            return Section(title, [(label(labels.COPY_METADATA, k), str(value))
                                   for k, value in sorted(claimed.items())],
                           note=_("The file claims to be an issued copy, but no copy was "
                                  "issued with these details: it is not an authentic copy "
                                  "of this office."))
        return Section(title, note=_("This file is not one of the copies issued by this "
                                     "service."))
    if c["match"] == "exact":
        note = _("The uploaded bytes are exactly the file issued as this copy.")
    elif c.get("same_signature") is False:
        note = _("NOT THE ISSUED FILE: it names the copy below, but does not carry the "
                 "signature the office made for it.")
    else:
        note = _("ALTERED: this file was issued as the copy below, but its bytes are not "
                 "the ones issued.") + " " + _difference(c.get("difference") or {})
    document = (f"{c['document_symbol']} — {c['document_title']} · "
                + _("version %(number)s", number=c["version_number"])
                if c.get("document_symbol") else _("Meeting packet"))
    return Section(title, [
        (_("Delegate"), f"{c['delegate_name']} ({c['delegate_username']})"
                        + (f" — {c['delegate_title']}" if c.get("delegate_title") else "")),
        (_("Meeting"), f"{c['meeting_title']} · {c['body_name']} · "
                       f"{local_time(c['meeting_starts_at'], date_only=True)}"),
        (_("Document"), document),
        (_("Copy and channel"), f"{c['copy_label']} · {label(labels.CHANNELS, c['channel'])}"),
        (_("Issued"), local_time(c.get("signed_at"))),
        (_("State"), label(labels.COPY_STATES, c["state"])),
        (_("Found by"), label(labels.FOUND_BY, c["found_by"])),
    ], note=note)


def _difference(d: dict[str, Any]) -> str:
    """How the uploaded bytes differ from the issued file, as the report page says it."""
    kind = d.get("kind")
    if kind == "appended":
        text = _("The issued file is intact at the start; %(count)s bytes were added after it "
                 "(an incremental update or appended data).",
                 count=number(d.get("bytes_appended")))
    elif kind == "changed_in_place":
        text = _("Same size as issued, but %(count)s bytes differ, the first at offset "
                 "%(offset)s.", count=number(d.get("bytes_changed")),
                 offset=number(d.get("first_offset")))
    elif kind == "rewritten":
        text = _("The file was rewritten: %(uploaded)s bytes instead of %(issued)s, differing "
                 "from offset %(offset)s on.", uploaded=number(d.get("uploaded_size")),
                 issued=number(d.get("issued_size")), offset=number(d.get("first_offset")))
    else:
        text = _("The issued file is no longer in the store to compare with.")
    if d.get("in_signed_range"):
        text += " " + _("The first change lies inside the bytes the office's signature covers.")
    return text


def _signature_sections(index: int, s: dict[str, Any]) -> list[Section]:
    chain = s.get("chain") or []
    signer = chain[-1] if chain else {}
    rows: list[Row] = [
        (_("Verdict"), label(labels.VERDICTS, s["indication"])
         + (f" — {signature_reason(s)}" if s.get("sub_indication") else "")),
        (_("Signed by") if s["kind"] == "signature" else _("Timestamp authority"),
         common_name(signer.get("subject_attributes"), s.get("signer"))),
        (_("Integrity"), ("✓ " + _("signed bytes unchanged") if s["intact"]
                          else "✗ " + _("signed bytes changed (hash mismatch)")) + "; "
         + ("✓ " + _("signature value valid") if s["valid"]
            else "✗ " + _("signature value invalid"))),
        (_("Covers"), sentence(label(labels.COVERAGE, s["coverage"]))),
    ]
    if s["coverage"] != "ENTIRE_FILE" and s.get("modification_level"):
        rows.append((_("Later revisions:").rstrip(":"),
                     label(labels.MODIFICATION_LEVELS, s["modification_level"])))
    for text, where in ((s.get("modification_details"), "modification"),
                        (s.get("problem"), "problem")):
        message = library_message(text, where)
        if message:
            rows.append((_("Finding"), message.text))
    rows.append((_("Certification"), label(labels.DOCMDP, s.get("docmdp"),
                                           _("none (approval signature)"))))
    trust = (_("chain leads to a trusted root") if s["trusted"] else
             label(labels.TRUST_PROBLEMS, s.get("trust_problem") or "NO_CERTIFICATE_CHAIN_FOUND"))
    rows.append((_("Trust"), sentence(trust) + "; "
                 + label(labels.REVOCATION, s["revocation"])))
    timestamp = s.get("timestamp")
    rows.append((_("Timestamp"), (
        f"{local_time(timestamp['time'])} · {common_name(None, timestamp.get('authority'))} · "
        + (_("timestamp valid") if timestamp["valid"] else _("timestamp invalid")))
        if timestamp else _("none")))
    if s.get("profile"):
        rows.append(("PAdES", s["profile"]))
    sections = [Section(_("Signature %(number)s: %(kind)s", number=index,
                          kind=label(labels.SIGNATURE_KINDS, s["kind"])), rows)]
    for position, cert in enumerate(chain, start=1):
        cert_rows = [(f.label, f.value) for f in name_fields(cert.get("subject_attributes"),
                                                             cert["subject"])]
        cert_rows += [
            (_("Issuer"), common_name(cert.get("issuer_attributes"), cert["issuer"])),
            (_("In force"), _("from %(start)s to %(end)s", start=local_time(cert["not_before"]),
                              end=local_time(cert["not_after"]))),
            (_("Serial number"), cert["serial"]),
        ]
        usages = certificate_usages(cert)
        if usages:
            cert_rows.append((_("Key usage"), ", ".join(usages)))
        cert_rows.append((_("SHA-256 fingerprint"), cert["sha256"]))
        sections.append(Section(_("Certificate %(position)s of %(count)s",
                                  position=position, count=len(chain)), cert_rows))
    return sections


def _technical(v: dict[str, Any]) -> Section:
    """Codes and the library's own sentences, for experts, at the end."""
    rows: list[Row] = [("ETSI EN 319 102-1", labels.INDICATIONS[v["indication"]]
                        + (f" / {v['sub_indication']}" if v.get("sub_indication") else ""))]
    if v.get("detail"):
        rows.append((_("Reader's message"), v["detail"]))
    for index, s in enumerate(v.get("signatures") or [], start=1):
        rows.append((f"{index}. {_('Signature field')}", s["field_name"]))
        rows.append((f"{index}. ETSI", labels.INDICATIONS[s["indication"]]
                     + (f" / {s['sub_indication']}" if s.get("sub_indication") else "")))
        for key, name in (("sub_filter", "SubFilter"), ("modification_level", _("Change analysis")),
                          ("docmdp", "DocMDP"), ("trust_problem", _("Chain"))):
            if s.get(key):
                rows.append((f"{index}. {name}", str(s[key])))
        for key in ("modification_details", "problem"):
            if s.get(key):
                rows.append((f"{index}. " + _("Library's message"), str(s[key])))
    return Section(_("Technical details"), rows, mono=True)


class _Sheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="L")
        self.set_text_color(0, 0, 0)


def render_sheet(sheet: ReportSheet, font_dir: Path) -> bytes:
    """The report as an unsigned A4 PDF."""
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{sheet.title} — {sheet.number_line}")
    pdf.set_author(sheet.office_name)
    pdf.set_lang("vi")
    pdf.add_font(_FONT, "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.add_font(_MONO, "", str(font_dir / "DejaVuSansMono.ttf"))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, _FOOT)
    pdf.footer_text = sheet.footer
    pdf.add_page()
    pdf.set_font(_FONT, "B", 10)
    pdf.cell(0, 5, sheet.office_name.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(_FONT, "B", 16)
    pdf.multi_cell(0, 8, sheet.title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 9)
    pdf.cell(0, 5, sheet.number_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _verdict(pdf, sheet)
    for section in sheet.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _verdict(pdf: FPDF, sheet: ReportSheet) -> None:
    colour = _COLOURS.get(sheet.indication, (0, 0, 0))
    pdf.set_fill_color(*_BACKGROUNDS.get(sheet.indication, (245, 245, 245)))
    pdf.set_draw_color(*colour)
    pdf.set_text_color(*colour)
    top = pdf.get_y()
    pdf.set_x(_MARGIN + 3)
    pdf.set_font(_FONT, "B", 18)
    pdf.cell(0, 11, sheet.verdict, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "", 10)
    for line in sheet.verdict_lines:
        pdf.set_x(_MARGIN + 3)
        pdf.multi_cell(pdf.epw - 6, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y() + 2
    pdf.set_line_width(0.6)
    pdf.line(_MARGIN, top, _MARGIN, bottom)
    pdf.set_line_width(0.2)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(bottom + 2)


def _section(pdf: FPDF, section: Section) -> None:
    if pdf.will_page_break(16):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(_FONT, "B", 11)
    pdf.multi_cell(0, 6, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(190, 190, 190)
    pdf.line(_MARGIN, pdf.get_y(), _MARGIN + pdf.epw, pdf.get_y())
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(1)
    if section.note:
        pdf.set_font(_FONT, "B", 9)
        pdf.multi_cell(0, 5, section.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    label_width = 52.0
    for name, value in section.rows:
        hashlike = name.startswith("SHA-256") or name == _("SHA-256 fingerprint") or \
            name == _("Serial number")
        mono = section.mono or hashlike
        pdf.set_font(_MONO, "", 7.5) if mono else pdf.set_font(_FONT, "", 9)
        lines = len(pdf.multi_cell(pdf.epw - label_width, 4.6, value or "—", dry_run=True,
                                   output="LINES"))
        if pdf.will_page_break(lines * 4.6):
            pdf.add_page()
        pdf.set_font(_FONT, "", 8.5)
        pdf.set_text_color(90, 90, 90)
        y = pdf.get_y()
        pdf.multi_cell(label_width - 2, 4.6, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        after_label = pdf.get_y()
        pdf.set_xy(_MARGIN + label_width, y)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(_MONO, "", 7.5) if mono else pdf.set_font(_FONT, "", 9)
        pdf.multi_cell(pdf.epw - label_width, 4.6, value or "—", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), after_label) + 0.6)


def sign_report(pdf: bytes, settings: SignerSettings, record_id: int) -> bytes:
    """Sign the report as the office signs copies (PAdES, timestamped, visible stamp)."""
    with DocumentSigner(settings) as signer:
        return signer.sign(pdf, SignRequest(
            metadata={"MeetingsvcVerificationReport": str(record_id)},
            label=f"verification-report-{record_id}"))
