"""A meeting's evidence export: a ZIP an auditor can check years later without our server.

It holds every issued copy's signed file with a manifest, the delivery events,
the audit rows from the meeting's first row to a checkpoint signed at export
time (with every row in between, so the chain can be recomputed), the signed
checkpoints, the trust roots, a signed summary PDF, a SHA256SUMS file signed
by the office, and a README with the commands that check all of it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from string import Template
from typing import IO
from zoneinfo import ZoneInfo

from asn1crypto import cms, pem
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.utils import secure_filename

from signing import KeySource, SignerSettings, SigningLibraryError

from ..documents.blobs import BlobStore
from ..documents.models import Document, DocumentVersion
from ..documents.vocabulary import Confidentiality
from ..errors import N_, DomainError
from ..exports_safe import safe_row
from ..issuance.models import IssuedCopy
from ..issuance.pdf import ascii_slug
from ..meetings.models import Meeting
from ..timezones import office_time, utc_offset_label
from ..tracking.models import DeliveryEvent
from .appends import write_checkpoint
from .chain import chain_hash, content_of
from .checkpoints import newest_checkpoint, sign_detached
from .models import AuditCheckpoint, AuditEvent
from .services import Actor, record
from .summary import DelegateLine, DocumentLine, EvidenceSummary, render_summary, sign_summary


class ExportFailed(DomainError):
    """The export could not be made; the message says why."""


@dataclass(frozen=True)
class EvidenceSettings:
    """Where the files, keys and fonts are; built from the app's configuration by the view."""

    store: BlobStore
    pki_dir: Path
    key: KeySource
    signer: SignerSettings
    font_dir: Path
    office_name: str
    #: Files of ``pki_dir`` the office publishes (PUBLIC_PKI_FILES): copied into the ZIP.
    public_pki_files: tuple[str, ...]
    #: The office's time zone (OFFICE_TIMEZONE): the summary's times are written in it.
    office_zone: ZoneInfo


@dataclass(frozen=True)
class ExportStart:
    """The export's own audit row and the checkpoint that covers it."""

    meeting_id: int
    checkpoint_seq: int
    last_row_id: int
    exported_by: str
    exported_at: datetime


def start_export(session: Session, meeting: Meeting, actor: Actor, key: KeySource) -> ExportStart:
    """Log the export and sign a checkpoint over it, so the ZIP ends on a signed head.

    The caller commits before writing the ZIP: the chain lock is then released
    while the (possibly large) file is built.
    """
    event = record(session, "audit.evidence_exported", actor, object_type="meeting",
                   object_id=meeting.id, meeting_id=meeting.id)
    try:
        checkpoint = write_checkpoint(session, key) or newest_checkpoint(session)
    except (SigningLibraryError, ValueError) as error:
        raise ExportFailed(N_("The checkpoint could not be signed: %(reason)s"),
                           reason=str(error)) from error
    assert checkpoint is not None and checkpoint.event_id == event.id
    return ExportStart(meeting.id, checkpoint.seq, checkpoint.event_id,
                       actor.username or "", event.at)


class _Zip:
    """A ZIP being written that remembers each member's SHA-256 for SHA256SUMS."""

    def __init__(self, out: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
        self.sums: dict[str, str] = {}

    def add(self, name: str, data: bytes) -> str:
        self.zip.writestr(name, data)
        self.sums[name] = hashlib.sha256(data).hexdigest()
        return self.sums[name]

    def add_file(self, name: str, path: Path, sha256: str) -> None:
        """A stored file, listed under the hash the database holds for it (so a blob
        changed on disk since issuance fails ``sha256sum -c``)."""
        self.zip.write(path, name, compress_type=zipfile.ZIP_STORED)
        self.sums[name] = sha256


def write_evidence(session: Session, start: ExportStart, settings: EvidenceSettings,
                   out: IO[bytes]) -> None:
    """Write the whole export to ``out``."""
    meeting = session.get(Meeting, start.meeting_id)
    assert meeting is not None
    archive = _Zip(out)
    copies = _copies(session, meeting.id)
    files = _add_copies(archive, copies, settings.store)
    archive.add("manifest.csv", _manifest(copies, files))
    events = list(session.scalars(select(DeliveryEvent).join(IssuedCopy).where(
        IssuedCopy.meeting_id == meeting.id).order_by(DeliveryEvent.id)))
    archive.add("delivery_events.csv", _delivery_events(events, {c.id: c for c in copies}))
    log = _add_audit_log(archive, session, meeting.id, start.last_row_id)
    checkpoint = _add_checkpoints(archive, session, log.first)
    _add_trust(archive, settings.pki_dir, settings.public_pki_files, checkpoint)
    archive.add("verify_audit_log.py", _resource("verify_audit_log.py"))
    summary = _summary(meeting, start, settings, copies, events, log, checkpoint, archive.sums)
    try:
        archive.add("summary.pdf", sign_summary(render_summary(summary, settings.font_dir),
                                                settings.signer, meeting.id))
    except SigningLibraryError as error:
        raise ExportFailed(N_("The summary could not be signed: %(reason)s"),
                           reason=str(error)) from error
    archive.add("README.txt", _readme(meeting, start, len(copies), len(files),
                                      settings.office_zone))
    sums = "".join(f"{sha}  {name}\n" for name, sha in sorted(archive.sums.items())).encode()
    archive.zip.writestr("SHA256SUMS", sums)
    archive.zip.writestr("SHA256SUMS.p7s", sign_detached(settings.key, sums)[0])
    archive.zip.close()


def _copies(session: Session, meeting_id: int) -> list[IssuedCopy]:
    return list(session.scalars(
        select(IssuedCopy).where(IssuedCopy.meeting_id == meeting_id).order_by(IssuedCopy.id)
        .options(selectinload(IssuedCopy.user), selectinload(IssuedCopy.document_version)
                 .selectinload(DocumentVersion.document).selectinload(Document.agenda_item))))


def _symbol(copy: IssuedCopy) -> str:
    version = copy.document_version
    return version.document.symbol if version is not None else "goi-tai-lieu"


def _add_copies(archive: _Zip, copies: list[IssuedCopy], store: BlobStore) -> dict[int, str]:
    files: dict[int, str] = {}
    for copy in copies:
        if copy.blob_sha256 is None:
            continue
        name = secure_filename(f"{copy.id:06d}-{_symbol(copy)}-{copy.copy_number:02d}-"
                               f"{copy.user.username}.pdf")
        archive.add_file(f"copies/{name}", store.path_for(copy.blob_sha256), copy.blob_sha256)
        files[copy.id] = f"copies/{name}"
    return files


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def _csv(header: list[str], rows: Iterator[list[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return text.getvalue().encode()


def _manifest(copies: list[IssuedCopy], files: dict[int, str]) -> bytes:
    header = ["copy_id", "kind", "delegate_username", "delegate_name", "document_symbol",
              "document_title", "version", "copy_number", "copy_total", "channel", "status",
              "signed_at", "delivered_at", "superseded_at", "recalled_at", "sha256",
              "verification_token", "file"]
    return _csv(header, ([
        c.id, c.kind, c.user.username, c.user.full_name, _symbol(c),
        c.document_version.document.title if c.document_version else "",
        c.document_version.number if c.document_version else "", c.copy_number,
        c.copy_total, c.channel, c.status, _iso(c.signed_at), _iso(c.delivered_at),
        _iso(c.superseded_at), _iso(c.recalled_at), c.blob_sha256 or c.printed_sha256 or "",
        c.verification_token, files.get(c.id, "")] for c in copies))


def _delivery_events(events: list[DeliveryEvent], copies: dict[int, IssuedCopy]) -> bytes:
    header = ["event_id", "copy_id", "delegate_username", "document_symbol", "copy_number",
              "kind", "at", "page", "address", "user_agent"]
    return _csv(header, ([
        e.id, e.copy_id, copies[e.copy_id].user.username, _symbol(copies[e.copy_id]),
        copies[e.copy_id].copy_number, e.kind, _iso(e.at), e.page or "", e.address or "",
        e.user_agent or ""] for e in events))


@dataclass(frozen=True)
class _LogRange:
    first: int
    last: int
    meeting_rows: int
    intact: bool


def _add_audit_log(archive: _Zip, session: Session, meeting_id: int, last: int) -> _LogRange:
    """Rows from the meeting's first row up to ``last``, every one of them, as JSON lines."""
    first = session.scalar(select(func.min(AuditEvent.id)).where(
        AuditEvent.meeting_id == meeting_id)) or last
    lines, table = hashlib.sha256(), io.StringIO()
    meeting_csv = csv.writer(table, lineterminator="\n")
    meeting_csv.writerow(["id", "at", "actor", "action", "object_type", "object_id",
                          "address", "details", "row_hash"])
    count, intact, expected = 0, True, None
    with archive.zip.open("audit_log.jsonl", "w") as out:
        for event in _rows(session, first, last):
            in_meeting = event.meeting_id == meeting_id
            row = {"id": event.id, **content_of(event), "prev_hash": event.prev_hash,
                   "row_hash": event.row_hash, "in_meeting": in_meeting}
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode()
            out.write(line)
            lines.update(line)
            intact = intact and chain_hash(event.prev_hash, event) == event.row_hash and (
                expected is None or expected == event.prev_hash)
            expected = event.row_hash
            if in_meeting:
                count += 1
                meeting_csv.writerow(safe_row([
                    event.id, _iso(event.at), event.actor_name or "", event.action,
                    event.object_type or "", event.object_id or "", event.address or "",
                    event.details, event.row_hash]))
    archive.sums["audit_log.jsonl"] = lines.hexdigest()
    archive.add("audit_log_meeting.csv", table.getvalue().encode())
    return _LogRange(first, last, count, intact and expected is not None)


def _rows(session: Session, first: int, last: int, batch: int = 2000) -> Iterator[AuditEvent]:
    after = first - 1
    while True:
        rows = session.scalars(select(AuditEvent).where(
            AuditEvent.id > after, AuditEvent.id <= last).order_by(AuditEvent.id)
            .limit(batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        for row in rows:
            session.expunge(row)


def _add_checkpoints(archive: _Zip, session: Session, first: int) -> AuditCheckpoint:
    checkpoints = list(session.scalars(select(AuditCheckpoint).where(
        AuditCheckpoint.event_id >= first).order_by(AuditCheckpoint.seq)))
    for checkpoint in checkpoints:
        archive.add(f"checkpoints/{checkpoint.seq:06d}.json", checkpoint.payload.encode())
        archive.add(f"checkpoints/{checkpoint.seq:06d}.p7s", checkpoint.signature)
    return checkpoints[-1]


def _add_trust(archive: _Zip, pki_dir: Path, public_files: tuple[str, ...],
               checkpoint: AuditCheckpoint) -> None:
    """The office's published CA certificates and CRLs, and the chain the signatures carry."""
    for name in public_files:
        if (pki_dir / name).is_file():
            archive.add(f"trust/{name}", (pki_dir / name).read_bytes())
    certificates = cms.ContentInfo.load(checkpoint.signature)["content"]["certificates"]
    chain = b"".join(pem.armor("CERTIFICATE", c.chosen.dump()) for c in certificates)
    archive.add("trust/office-chain.pem", chain)


def _resource(name: str) -> bytes:
    return resources.files(__package__).joinpath("offline", name).read_bytes()


def _readme(meeting: Meeting, start: ExportStart, copies: int, files: int,
            zone: ZoneInfo) -> bytes:
    text = Template(_resource("README.txt").decode()).safe_substitute(
        meeting_title=meeting.title,
        exported_at=_local(start.exported_at, zone, seconds=True),
        exported_by=start.exported_by, checkpoint_seq=start.checkpoint_seq,
        checkpoint_event=start.last_row_id, copy_count=copies, file_count=files,
        attime=int(start.exported_at.timestamp()))
    return text.encode()


def _local(moment: datetime, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """A stored time (naive means UTC) as the office reads it, with its offset: "(UTC+7)"."""
    local = office_time(moment, zone)
    return local.strftime("%d/%m/%Y %H:%M" + (":%S" if seconds else "")) + \
        f" ({utc_offset_label(local)})"


def evidence_file_name(meeting: Meeting, zone: ZoneInfo) -> str:
    """ "bang-chung-hoi-nghi-ban-thuong-vu-lan-thu-45-2026-12-03.zip": the meeting's name
    (ASCII, for every file system and mail client) and its day in the office's calendar."""
    slug = ascii_slug(meeting.title)[:80].rstrip("-")
    if len(ascii_slug(meeting.title)) > 80 and "-" in slug:
        slug = slug.rsplit("-", 1)[0]  # not a word cut in half
    day = office_time(meeting.starts_at, zone).strftime("%Y-%m-%d")
    return f"bang-chung-{slug or 'hoi-nghi'}-{day}.zip"


def _agenda_order(copy: IssuedCopy) -> tuple[int, int, int]:
    """Where a copy's document sits in the meeting's agenda: by item, then as uploaded;
    documents on no item come last."""
    document = copy.document_version.document  # type: ignore[union-attr]
    item = document.agenda_item
    return (0, item.position, document.id) if item is not None else (1, 0, document.id)


def _summary(meeting: Meeting, start: ExportStart, settings: EvidenceSettings,
             copies: list[IssuedCopy], events: list[DeliveryEvent], log: _LogRange,
             checkpoint: AuditCheckpoint, sums: dict[str, str]) -> EvidenceSummary:
    by_copy = {c.id: c for c in copies}
    per_user: dict[int, Counter[str]] = {}
    for event in events:
        per_user.setdefault(by_copy[event.copy_id].user_id, Counter())[event.kind] += 1
    documents: dict[tuple[int, int, int], list[IssuedCopy]] = {}
    for copy in copies:
        if copy.document_version is not None:
            documents.setdefault(_agenda_order(copy), []).append(copy)
    users = {c.user_id: c.user for c in copies}
    return EvidenceSummary(
        office_name=settings.office_name, meeting_title=meeting.title,
        body_name=meeting.body.name_vi, place=meeting.place,
        starts_at=_local(meeting.starts_at, settings.office_zone),
        exported_at=_local(start.exported_at, settings.office_zone),
        exported_by=start.exported_by,
        copies_total=len(copies),
        copies_delivered=sum(1 for c in copies if c.delivered_at is not None),
        copies_superseded=sum(1 for c in copies if c.superseded_at is not None),
        copies_recalled=sum(1 for c in copies if c.recalled_at is not None),
        channels=tuple(sorted(Counter(c.channel for c in copies).items())),
        events=tuple(sorted(Counter(e.kind for e in events).items())),
        documents=tuple(DocumentLine(
            str(order[1]) if order[0] == 0 else "—", _symbol(group[0]),
            group[0].document_version.document.title,  # type: ignore[union-attr]
            Confidentiality(group[0].document_version.document  # type: ignore[union-attr]
                            .confidentiality).label_vi or "—",
            ", ".join(sorted({str(c.document_version.number)  # type: ignore[union-attr]
                              for c in group})), len(group))
            for order, group in sorted(documents.items())),
        delegates=tuple(DelegateLine(
            user.full_name, user.username, sum(1 for c in copies if c.user_id == uid),
            per_user.get(uid, Counter())["downloaded"], per_user.get(uid, Counter())["opened"],
            per_user.get(uid, Counter())["acknowledged"])
            for uid, user in sorted(users.items(), key=lambda item: item[1].full_name)),
        log_rows_in_meeting=log.meeting_rows, log_first=log.first, log_last=log.last,
        chain_intact=log.intact, checkpoint_seq=checkpoint.seq,
        checkpoint_row_hash=checkpoint.row_hash,
        files=tuple((name, sums[name]) for name in ("manifest.csv", "delivery_events.csv",
                                                    "audit_log.jsonl", "audit_log_meeting.csv")),
    )

