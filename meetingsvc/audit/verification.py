"""An auditor verifies any PDF: the signing library's report, the trace to an issued copy,
kept as a record and appended to the audit log."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import TrustSettings, VerificationReport, verify_pdf

from ..documents.blobs import BlobStore
from ..errors import N_, DomainError
from ..models_common import utcnow
from .models import VerificationRecord
from .services import Actor, record
from .tracing import CopyTrace, find_copy, stored_file_sha256, trace


class VerificationRefused(DomainError):
    """An upload that cannot be verified at all (empty, too large); the message says why."""


@dataclass(frozen=True)
class UploadedPdf:
    """The bytes an auditor sent, whatever they are, and the name they came under."""

    name: str
    data: bytes


def read_upload(stream: BinaryIO, filename: str | None, limit: int) -> UploadedPdf:
    """Read at most ``limit`` bytes; refuse more, or nothing at all."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise VerificationRefused(N_("The file is larger than the limit of %(limit_mb)s MB."),
                                  field="file", limit_mb=max(1, limit // (1024 * 1024)))
    if not data:
        raise VerificationRefused(N_("The file is empty."), field="file")
    return UploadedPdf((filename or "document.pdf")[:300], data)


def verify_upload(session: Session, upload: UploadedPdf, trust: TrustSettings,
                  store: BlobStore, actor: Actor) -> VerificationRecord:
    """Verify the file, trace it, keep the report and log that it was done.

    ``verify_pdf`` runs in a bounded child process, so any bytes end in a report.
    """
    report = verify_pdf(upload.data, dataclasses.replace(
        trust, max_file_bytes=max(trust.max_file_bytes, len(upload.data))))
    found = find_copy(session, report.file_sha256, report.copy_metadata, upload.data)
    traced: CopyTrace | None = None
    if found is not None:
        copy, how = found
        # A paper copy's print file is kept nowhere: only its hash is there to compare.
        # An earlier file of a renewed copy is compared with itself, not the newest.
        stored = stored_file_sha256(session, copy, report.file_sha256)
        issued = store.path_for(stored) if stored else None
        traced = trace(copy, how, upload.data, issued)
    now = utcnow()
    document = {
        "file_name": upload.name, "verified_at": now.isoformat(timespec="seconds"),
        "verified_by": actor.username, "verification": report.to_dict(),
        "issued_copy": dataclasses.asdict(traced) if traced else None,
        "claimed_copy": _claim(report, traced),
    }
    kept = VerificationRecord(
        at=now, actor_id=actor.user_id, file_name=upload.name, file_sha256=report.file_sha256,
        file_size=report.file_size, indication=report.indication.value,
        sub_indication=report.sub_indication.value if report.sub_indication else None,
        copy_id=traced.copy_id if traced else None, match=traced.match if traced else None,
        report_json=json.dumps(document, ensure_ascii=False))
    session.add(kept)
    session.flush()
    record(session, "audit.pdf_verified", actor, object_type="verification", object_id=kept.id,
           meeting_id=traced.meeting_id if traced else None,
           details={"file": upload.name, "sha256": report.file_sha256,
                    "indication": kept.indication, "sub_indication": kept.sub_indication,
                    "copy_id": kept.copy_id, "match": kept.match,
                    "user": traced.delegate_username if traced else None})
    return kept


def _claim(report: VerificationReport, traced: CopyTrace | None) -> dict[str, str] | None:
    """Copy metadata the file carries that matches no issued copy: a forgery's claim."""
    if traced is not None or not report.copy_metadata:
        return None
    return dict(report.copy_metadata)


def report_of(kept: VerificationRecord) -> dict[str, Any]:
    """The stored report, as plain data."""
    data: dict[str, Any] = json.loads(kept.report_json)
    data["id"] = kept.id
    return data


def recent_verifications(session: Session, limit: int = 20) -> list[VerificationRecord]:
    return list(session.scalars(select(VerificationRecord)
                                .order_by(VerificationRecord.id.desc()).limit(limit)))
