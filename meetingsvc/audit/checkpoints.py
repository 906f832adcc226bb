"""Signed checkpoints of the audit chain's head, so that truncating the log shows.

A hash chain reveals an edited or removed row in the middle, but not rows cut
from the end. Every ``AUDIT_CHECKPOINT_EVERY`` rows (and on every evidence export
or ``flask audit checkpoint``) the head's id and hash are signed with the office
key as a detached CMS over a small canonical JSON payload, which
``openssl cms -verify`` checks without this service.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms
from flask import current_app, has_app_context
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signing import KeySource, TrustSettings
from signing.examine import load_certificates

from ..models_common import utcnow
from .chain import GENESIS_HASH, lock_chain
from .models import AuditCheckpoint, AuditEvent

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "meetingsvc-audit-checkpoint/1"

_signers: dict[KeySource, Signer] = {}
_sign_lock = threading.Lock()


def checkpoint_key() -> KeySource | None:
    """The office key from the running app's configuration, or ``None`` if there is none."""
    if not has_app_context():
        return None
    from ..issuance.keys import SigningNotConfigured, key_source

    try:
        return key_source(current_app.config, current_app.instance_path)
    except SigningNotConfigured:
        return None


def payload_sha256(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def make_payload(seq: int, event: AuditEvent, at: dt.datetime, prev: str) -> str:
    """The canonical JSON a checkpoint signs (compact, sorted keys, UTF-8)."""
    return json.dumps({"format": CHECKPOINT_FORMAT, "seq": seq, "event_id": event.id,
                       "row_hash": event.row_hash, "at": at.isoformat(timespec="seconds"),
                       "prev": prev}, sort_keys=True, separators=(",", ":"))


def sign_detached(key: KeySource, payload: bytes) -> tuple[bytes, str]:
    """A detached CMS over ``payload``; the key is opened once per process."""
    with _sign_lock:
        signer = _opened(key)
        content = asyncio.run(signer.async_sign_general_data(payload, "sha256", detached=True))
    subject = signer.signing_cert.subject.human_friendly if signer.signing_cert else None
    return content.dump(), subject or ""


def open_checkpoint_key() -> bool:
    """Open the office key now, at a web worker's start; whether there is one to open.

    The first checkpoint a process signs would otherwise open it under the chain
    lock, while every audited action of the deployment waits: 40 ms for the
    development key file, a token's login on a PKCS#11 device.
    """
    key = checkpoint_key()
    if key is None:
        return False
    with _sign_lock:
        _opened(key)
    return True


def _opened(key: KeySource) -> Signer:
    """The process's signer for ``key``; call under ``_sign_lock``."""
    signer = _signers.get(key)
    if signer is None:
        signer = _signers[key] = key.open_signer()
    return signer


def newest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()


def _signed(key: KeySource, head: AuditEvent, last: AuditCheckpoint | None) -> AuditCheckpoint:
    """The next checkpoint over ``head``, signed; nothing touches the database here."""
    now = utcnow()
    seq = (last.seq + 1) if last else 1
    payload = make_payload(seq, head, now, payload_sha256(last.payload) if last else GENESIS_HASH)
    signature, signer = sign_detached(key, payload.encode())
    return AuditCheckpoint(seq=seq, event_id=head.id, row_hash=head.row_hash, created_at=now,
                           payload=payload, signature=signature, signer=signer[:300])


def _store(session: Session, checkpoint: AuditCheckpoint) -> AuditCheckpoint:
    session.add(checkpoint)
    session.flush()
    log.info("audit checkpoint %s at row %s", checkpoint.seq, checkpoint.event_id)
    return checkpoint


def checkpoint_head(session: Session, key: KeySource) -> AuditCheckpoint | None:
    """Sign the chain's current head, unless the newest checkpoint already covers it.

    ``appends.write_checkpoint`` appends this transaction's pending rows first.
    """
    lock_chain(session)
    head = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    last = newest_checkpoint(session)
    if head is None or (last is not None and last.event_id >= head.id):
        return None
    return _store(session, _signed(key, head, last))


@dataclass(frozen=True)
class ChainEnd:
    """Where the chain ends: the newest row's hash, and the row the newest checkpoint covers."""

    head: str
    covered: int  # 0 before the first checkpoint


#: ``chain_end``'s statement, built once: building it cost as much as running it.
_CHAIN_END = select(
    select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery(),
    select(AuditCheckpoint.event_id).order_by(AuditCheckpoint.seq.desc()).limit(1)
    .scalar_subquery())


def chain_end(session: Session) -> ChainEnd:
    """Both in one statement; call under ``lock_chain``.

    Every audited action reads them while it holds the chain lock, so one round
    trip instead of two is saved once per action, one action after another.
    Only the checkpoint's row id is read: the row carries its CMS signature.
    """
    row = session.execute(_CHAIN_END).one()
    return ChainEnd(head=row[0] or GENESIS_HASH, covered=row[1] or 0)


def checkpoint_if_due(session: Session, event: AuditEvent, covered: int) -> int:
    """Called under the chain lock once ``event`` is written: sign it if enough rows went by.

    ``covered`` is the row the newest checkpoint covers (``chain_end``); returns
    the same after this call. A failure to sign (a token unplugged) is logged, never
    a reason to refuse the action being recorded; ``flask audit verify`` then
    shows the uncovered rows.
    """
    if not has_app_context():
        return covered
    every = int(current_app.config.get("AUDIT_CHECKPOINT_EVERY", 100) or 0)
    if every <= 0 or event.id - covered < every:
        return covered
    key = checkpoint_key()
    if key is None:
        return covered
    try:
        checkpoint = _signed(key, event, newest_checkpoint(session))
    except Exception:  # the key or token failed; the action itself still counts
        log.exception("could not sign an audit checkpoint at row %s", event.id)
        return covered
    _store(session, checkpoint)
    return event.id


@dataclass(frozen=True)
class CheckpointReport:
    """What ``verify_checkpoints`` found: how many held, and every problem, in words."""

    checked: int
    problems: tuple[str, ...]
    newest_seq: int | None = None
    newest_event_id: int | None = None
    newest_at: str | None = None
    #: Rows appended after the newest checkpoint (not yet protected against truncation).
    rows_after_newest: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


def signature_holds(payload: bytes, signature: bytes, trust: TrustSettings,
                    moment: dt.datetime | None) -> str | None:
    """``None`` if the CMS is intact, valid and chains to a trusted root at ``moment``;
    else why not."""
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        context = ValidationContext(trust_roots=load_certificates(trust.trust_roots),
                                    other_certs=load_certificates(trust.other_certs),
                                    allow_fetching=False, revocation_mode="soft-fail",
                                    moment=moment)
        status = asyncio.run(async_validate_detached_cms(
            payload, signed_data, signer_validation_context=context))
    except Exception as exc:  # a damaged signature can fail in any way
        return f"signature unreadable ({type(exc).__name__})"
    if not (status.intact and status.valid):
        return "signature does not match the payload"
    if not status.trusted:
        return "signer not trusted"
    return None


def _parse(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    try:
        data = json.loads(checkpoint.payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def verify_checkpoints(session: Session, trust: TrustSettings, last_row_id: int | None,
                       batch_size: int = 500) -> CheckpointReport:
    """Check every checkpoint: its signature, its link to the one before, and its row.

    Reads what the database holds now, never objects the session has cached.
    """
    problems: list[str] = []
    prev_payload: str | None = None
    prev_seq = 0
    checked = 0
    newest: AuditCheckpoint | None = None
    while True:
        batch: Sequence[AuditCheckpoint] = session.scalars(
            select(AuditCheckpoint).where(AuditCheckpoint.seq > prev_seq)
            .order_by(AuditCheckpoint.seq).limit(batch_size)
            .execution_options(populate_existing=True)).all()
        if not batch:
            break
        rows: dict[int, str] = {row.id: row.row_hash for row in session.execute(
            select(AuditEvent.id, AuditEvent.row_hash).where(
                AuditEvent.id.in_([c.event_id for c in batch])))}
        for checkpoint in batch:
            problems += _check_one(checkpoint, prev_payload, prev_seq, rows, last_row_id, trust)
            prev_payload, prev_seq, newest = checkpoint.payload, checkpoint.seq, checkpoint
            checked += 1
    if newest is None:
        return CheckpointReport(0, tuple(problems))
    after = 0
    if last_row_id is not None and last_row_id > newest.event_id:
        after = session.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.id > newest.event_id)) or 0
    return CheckpointReport(checked, tuple(problems), newest.seq, newest.event_id,
                            newest.created_at.isoformat(timespec="seconds"), after)


def _check_one(checkpoint: AuditCheckpoint, prev_payload: str | None, prev_seq: int,
               rows: dict[int, str], last_row_id: int | None,
               trust: TrustSettings) -> list[str]:
    name = f"checkpoint #{checkpoint.seq}"
    signed = _parse(checkpoint)
    at = _when(signed.get("at"))
    why = signature_holds(checkpoint.payload.encode(), checkpoint.signature, trust, at)
    if why is not None:
        return [f"{name}: {why}"]
    problems = []
    if (signed.get("seq"), signed.get("event_id"), signed.get("row_hash")) != (
            checkpoint.seq, checkpoint.event_id, checkpoint.row_hash):
        problems.append(f"{name}: its columns differ from what was signed")
    expected_prev = payload_sha256(prev_payload) if prev_payload is not None else GENESIS_HASH
    if checkpoint.seq != prev_seq + 1 or signed.get("prev") != expected_prev:
        problems.append(f"{name}: the checkpoint before it was removed or altered")
    event_id, row_hash = signed.get("event_id"), signed.get("row_hash")
    if last_row_id is None or (isinstance(event_id, int) and event_id > last_row_id):
        problems.append(f"{name} covers row {event_id}, past the last row "
                        f"({last_row_id or 'none'}): rows were deleted from the end of the log")
    elif event_id not in rows:
        problems.append(f"{name}: row {event_id} it covers is missing (deleted)")
    elif rows[event_id] != row_hash:
        problems.append(f"{name}: row {event_id} no longer has the hash that was signed")
    return problems


def _when(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
