"""Paper copies of a document (TỐI MẬT, TUYỆT MẬT) printed in one run, and their register.

A print run makes every numbered copy still to be handed over exactly as printing
it alone does: personalised for its delegate and signed by the office on its own,
so each copy's SHA-256 is recorded (``printed_sha256``) and its QR code leads to
``/v/<token>``. For the printer the signed copies are then merged, in copy-number
order, into one file. That file carries no signature: a merge cannot keep the
copies' independent signatures valid, and one new signature would put a stamp of
its own on copy 01's page. Instead each signature's visible stamp (office, time,
QR code) is flattened into its page, so a page printed from the merged file is the
page of that copy's signed file. The run is audited with every copy's hash and the
merged file's; nothing is stored.

The hand-over register (*sổ giao nhận tài liệu mật*) lists every paper copy of the
document with blank columns to sign on receipt and return, signed by the office.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import DocumentSigner, SigningLibraryError, SignRequest

from ..audit.services import Actor, record
from ..documents.blobs import BlobStore
from ..documents.models import Document, DocumentVersion
from ..documents.vocabulary import Confidentiality
from ..errors import N_
from .models import Channel, CopyKind, IssuedCopy
from .pdf import ZipEntry, copy_file_name, prepare_document, write_zip
from .pdf.register import RegisterInfo, RegisterRow, render_register
from .production import WorkerConfig, sign_copy
from .recall import RecallError, may_print, record_print
from .services import LinkSettings, copy_meeting_line, local_time, print_copy_spec

log = logging.getLogger(__name__)

__all__ = [
    "PrintRun",
    "document_paper_copies",
    "handover_register",
    "make_print_run",
    "merge_print_run",
    "print_run_copies",
    "print_run_zip",
    "record_print_run",
]


def document_paper_copies(session: Session, document: Document) -> list[IssuedCopy]:
    """Every paper copy of the document, of any version, by version then copy number."""
    return list(session.scalars(
        select(IssuedCopy).join(DocumentVersion,
                                DocumentVersion.id == IssuedCopy.document_version_id)
        .where(DocumentVersion.document_id == document.id,
               IssuedCopy.channel == Channel.PRINT.value,
               IssuedCopy.kind == CopyKind.ITEM.value)
        .order_by(DocumentVersion.number, IssuedCopy.copy_number)))


def print_run_copies(session: Session, document: Document) -> list[IssuedCopy]:
    """The copies a print run prints: current, printable and not yet handed over, in order.

    A copy already in a delegate's hands is left out, so printing the run again never
    makes a second paper of it; it can still be reprinted alone."""
    return [c for c in document_paper_copies(session, document)
            if may_print(c) and c.superseded_at is None and c.handed_over_at is None]


@dataclass(frozen=True)
class PrintRun:
    """One document's paper copies, each signed on its own, and the merged file to print."""

    copies: tuple[IssuedCopy, ...]
    #: Each copy's signed print file, in the order of ``copies``.
    signed: tuple[bytes, ...]
    #: The pages of every signed file in order, their stamps flattened, unsigned.
    merged: bytes

    @property
    def merged_sha256(self) -> str:
        return hashlib.sha256(self.merged).hexdigest()


def make_print_run(config: WorkerConfig, links: LinkSettings,
                   copies: Sequence[IssuedCopy]) -> PrintRun:
    """Personalise and sign every copy (one key, one parse of the source), then merge."""
    if not copies:
        raise RecallError(N_("No paper copy is left to print: every copy is handed over, "
                             "recalled or replaced by a newer version."))
    specs = [print_copy_spec(copy, links) for copy in copies]
    store = BlobStore(Path(config.blob_dir))
    prepared = {sha: prepare_document(store.path_for(sha).read_bytes(),
                                      font_dir=Path(config.font_dir))
                for sha in {spec.source_sha256 for spec in specs}}
    signed = []
    try:
        with DocumentSigner(config.signer) as signer:
            for spec in specs:
                signed.append(sign_copy(signer, prepared[spec.source_sha256], spec))
    except SigningLibraryError as error:
        log.warning("print run of %s copies not signed: %s", len(specs), error)
        raise RecallError(N_("The print file could not be signed (the signing key or the "
                             "timestamp server did not answer); nothing was recorded. Try "
                             "again in a moment.")) from error
    return PrintRun(tuple(copies), tuple(signed), merge_print_run(signed))


def merge_print_run(signed: Sequence[bytes]) -> bytes:
    """The pages of ``signed`` one file after another, each signature's visible stamp
    drawn into its page and the signature fields dropped (they could not validate)."""
    merged = pikepdf.new()
    for data in signed:
        with pikepdf.open(io.BytesIO(data)) as source:
            source.flatten_annotations(mode="print")
            if "/AcroForm" in source.Root:
                del source.Root["/AcroForm"]
            for page in source.pages:
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
            merged.pages.extend(source.pages)
    merged.docinfo["/Title"] = pikepdf.String("Bản in tài liệu mật")
    merged.docinfo["/Creator"] = pikepdf.String("meetingsvc")
    out = io.BytesIO()
    merged.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def record_print_run(session: Session, document: Document, run: PrintRun,
                     actor: Actor) -> None:
    """Record each copy's printed hash (audited per copy), then the run as a whole."""
    for copy, data in zip(run.copies, run.signed, strict=True):
        record_print(session, copy, hashlib.sha256(data).hexdigest(), actor)
    record(session, "paper_copy.print_run", actor, object_type="document",
           object_id=document.id, meeting_id=document.meeting_id,
           details={"symbol": document.symbol, "merged_sha256": run.merged_sha256,
                    "copies": [{"copy": c.label, "copy_id": c.id, "user": c.user.username,
                                "sha256": c.printed_sha256} for c in run.copies]})


def print_run_zip(document: Document, run: PrintRun) -> bytes:
    """The merged print file first, then each copy's signed file, with a SHA-256 manifest."""
    order = document.agenda_item.position if document.agenda_item else 0
    merged_name = copy_file_name(order, document.symbol, 1, 1, title=document.title
                                 ).replace("_ban-so-01", "_ban-in-tat-ca")
    entries = [ZipEntry(merged_name, run.merged, run.merged_sha256, 0, document.symbol,
                        document.title)]
    entries += [ZipEntry(copy_file_name(order, document.symbol, c.copy_number, c.copy_total,
                                        title=document.title),
                         data, hashlib.sha256(data).hexdigest(), c.copy_number,
                         document.symbol, document.title)
                for c, data in zip(run.copies, run.signed, strict=True)]
    buffer = io.BytesIO()
    write_zip(buffer, entries, {"document": document.symbol, "kind": "print_run"})
    return buffer.getvalue()


def handover_register(session: Session, config: WorkerConfig, links: LinkSettings,
                      document: Document, now: datetime) -> bytes:
    """The document's hand-over register as a PDF signed by the office.

    Hand-over and return dates already recorded are printed; the signature columns are
    left blank for the delegates to sign by hand."""
    meeting = document.meeting
    zone = links.office_zone
    copies = document_paper_copies(session, document)
    versions = {c.document_version_id for c in copies}
    rows = tuple(
        RegisterRow(
            number=n, copy_label=c.label[len("Bản số "):],
            version_note=_version_note(c) if len(versions) > 1 or c.recalled_at else "",
            delegate_name=c.user.full_name, delegate_title=c.user.title or "",
            handed_over=_date(c.handed_over_at, zone), returned=_date(c.returned_at, zone))
        for n, c in enumerate(copies, start=1))
    info = RegisterInfo(
        office_name=links.office_name.upper(), symbol=document.symbol, title=document.title,
        confidentiality_mark=Confidentiality(document.confidentiality).label_vi,
        meeting_line=copy_meeting_line(meeting, zone), place=meeting.place,
        made_at=now.astimezone(zone), rows=rows)
    pdf = render_register(info, font_dir=Path(config.font_dir))
    try:
        with DocumentSigner(config.signer) as signer:
            return signer.sign(pdf, SignRequest(
                metadata={"MeetingsvcRegister": document.symbol}, label="register"))
    except SigningLibraryError as error:
        log.warning("hand-over register of %s not signed: %s", document.symbol, error)
        raise RecallError(N_("The register could not be signed (the signing key or the "
                             "timestamp server did not answer). Try again in a moment.")
                          ) from error


def _version_note(copy: IssuedCopy) -> str:
    version = copy.document_version
    note = f"bản in phiên bản {version.number}" if version else ""
    if copy.recalled_at is not None:
        note = f"{note}, đã thu hồi" if note else "đã thu hồi"
    return note


def _date(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{local_time(moment, zone):%d/%m/%Y}" if moment else ""
