"""Archive-timestamp renewal of the stored copies, as a pass that resumes where it stopped.

A pass looks at every stored signed copy (paper copies have no stored file),
reads when its protection ends (``signing.inspect_archive``: the newest
timestamp's TSA certificate and algorithms, the signer's certificate while no
document timestamp preserves it yet) and renews each copy whose protection ends
before the pass's horizon: the file with validation data and a new document
timestamp is stored as a new blob, the copy points to it, a ``CopyFileVersion``
keeps the link to the file before, and the audit log records it. Each copy is
one transaction. The pass lives in the database: run again after a crash, it
resumes and skips the copies it already renewed; a unique constraint holds a copy
to one renewal per pass even if two processes run it at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signing import SigningLibraryError
from signing.renew import RenewalReason, RenewalSettings, inspect_archive

from ..audit.services import Actor, record
from ..documents.blobs import BlobStore
from ..documents.models import Blob
from ..models_common import utcnow
from .keys import trust_settings
from .models import (
    ArchiveRenewalRun,
    Channel,
    CopyFileVersion,
    IssuedCopy,
    RenewalRunStatus,
)

log = logging.getLogger(__name__)

__all__ = ["ArchiveRenewerLike", "RenewalOutcome", "RenewalProgress", "default_horizon",
           "renew_archive_timestamps", "renewal_settings"]


class ArchiveRenewerLike(Protocol):
    """What a pass needs of :class:`signing.ArchiveRenewer` (tests hand in a wrapper)."""

    def renew(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class RenewalProgress:
    """Reported after each copy of a pass, renewed or failed."""

    #: Copies of the pass handled so far, including those of an interrupted earlier run.
    done: int
    #: Copies the pass has to renew.
    total: int
    copy_id: int
    reason: str
    #: Why the copy could not be renewed; ``None`` when it was.
    error: str | None = None


@dataclass(frozen=True)
class RenewalOutcome:
    run_id: int
    horizon: datetime
    #: The pass was begun by an earlier run that stopped before its end.
    resumed: bool
    #: Stored copies looked at.
    checked: int
    #: Copies the pass has to renew, including those renewed before a resume.
    total: int
    #: Renewed by an earlier, interrupted run of this pass.
    already_done: int
    #: Renewed by this run.
    renewed: int
    #: ``(copy id, reason)`` of each copy that could not be renewed or read.
    failures: tuple[tuple[int, str], ...]


class _CopyChanged(Exception):
    """The copy's file changed under us (another process renewed or reissued it)."""


def default_horizon(config: Mapping[str, Any], now: datetime) -> datetime:
    """Renew what ends within ``ARCHIVE_RENEW_MARGIN_DAYS`` of ``now``."""
    return now + timedelta(days=int(config["ARCHIVE_RENEW_MARGIN_DAYS"]))


def renewal_settings(config: Mapping[str, Any], instance_path: str) -> RenewalSettings:
    """The TSA the office signs with, and the trust and CRLs its verification uses."""
    trust = trust_settings(config, instance_path)
    return RenewalSettings(tsa_url=config["TSA_URL"], trust_roots=trust.trust_roots,
                           other_certs=trust.other_certs, crls=trust.crls)


def renew_archive_timestamps(
    session: Session, store: BlobStore, renewer: ArchiveRenewerLike, *,
    horizon: datetime, actor: Actor,
    progress: Callable[[RenewalProgress], None] | None = None,
) -> RenewalOutcome:
    """Run the open pass to its end, or start one for ``horizon``; commits each copy.

    A resumed pass keeps the horizon it was started with. The pass is closed at its
    end even when some copies failed: they are reported, and the next pass tries
    them again.
    """
    run, resumed = _open_run(session, horizon)
    done = set(session.scalars(select(CopyFileVersion.copy_id)
                               .where(CopyFileVersion.run_id == run.id)))
    due, failures, checked = _due_copies(session, store, run.horizon, done)
    total = len(done) + len(due)
    handled = len(done)
    renewed = 0
    for copy_id, reason in due:
        error: str | None = None
        try:
            _renew_copy(session, store, renewer, run, copy_id, reason, actor)
            session.commit()
            renewed += 1
        except (_CopyChanged, IntegrityError):
            session.rollback()
            error = "changed by another process meanwhile; not renewed here"
        except (SigningLibraryError, OSError) as exc:
            session.rollback()
            error = f"{type(exc).__name__}: {exc}"
            failures.append((copy_id, error))
            log.warning("archive renewal of copy %s failed: %s", copy_id, error)
        handled += 1
        if progress is not None:
            progress(RenewalProgress(handled, total, copy_id, reason.value, error))
    run.status = RenewalRunStatus.COMPLETED.value
    run.finished_at = utcnow()
    session.commit()
    return RenewalOutcome(run.id, run.horizon, resumed, checked, total, len(done), renewed,
                          tuple(failures))


def _open_run(session: Session, horizon: datetime) -> tuple[ArchiveRenewalRun, bool]:
    """The pass still running, or a new one (the database holds one running at most)."""
    for _ in range(2):
        run = session.scalar(select(ArchiveRenewalRun).where(
            ArchiveRenewalRun.status == RenewalRunStatus.RUNNING.value))
        if run is not None:
            return run, True
        run = ArchiveRenewalRun(horizon=horizon, status=RenewalRunStatus.RUNNING.value,
                                started_at=utcnow())
        session.add(run)
        try:
            session.commit()
            return run, False
        except IntegrityError:  # another process opened one just now: join it
            session.rollback()
    raise RuntimeError("could not open an archive renewal pass")


def _due_copies(session: Session, store: BlobStore, horizon: datetime, done: set[int]
                ) -> tuple[list[tuple[int, RenewalReason]], list[tuple[int, str]], int]:
    """The stored copies whose protection ends before ``horizon``, in id order."""
    due: list[tuple[int, RenewalReason]] = []
    unreadable: list[tuple[int, str]] = []
    rows = session.execute(
        select(IssuedCopy.id, IssuedCopy.blob_sha256)
        .where(IssuedCopy.blob_sha256.is_not(None), IssuedCopy.channel != Channel.PRINT.value)
        .order_by(IssuedCopy.id)).all()
    session.commit()  # nothing held open while files are read
    for copy_id, sha256 in rows:
        if copy_id in done:
            continue
        try:
            state = inspect_archive(store.path_for(sha256).read_bytes())
        except (SigningLibraryError, OSError) as exc:
            unreadable.append((copy_id, f"{type(exc).__name__}: {exc}"))
            continue
        reason = state.renewal_reason(horizon)
        if reason is not None:
            due.append((copy_id, reason))
    return due, unreadable, len(rows)


def _renew_copy(session: Session, store: BlobStore, renewer: ArchiveRenewerLike,
                run: ArchiveRenewalRun, copy_id: int, reason: RenewalReason,
                actor: Actor) -> None:
    """Renew one copy's file and point the copy to the new one, in the caller's transaction."""
    copy = session.get(IssuedCopy, copy_id)
    if copy is None or copy.blob_sha256 is None:
        raise _CopyChanged
    previous = copy.blob_sha256
    renewed = renewer.renew(store.path_for(previous).read_bytes())
    sha256 = store.put_bytes(renewed)
    if session.get(Blob, sha256) is None:
        session.add(Blob(sha256=sha256, size=len(renewed)))
    session.add(CopyFileVersion(copy_id=copy_id, blob_sha256=sha256, previous_sha256=previous,
                                reason=reason.value, run_id=run.id, made_at=utcnow()))
    session.flush()  # a second renewal of the copy in this pass fails here
    moved = session.execute(
        update(IssuedCopy).where(IssuedCopy.id == copy_id, IssuedCopy.blob_sha256 == previous)
        .values(blob_sha256=sha256).execution_options(synchronize_session="fetch"))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise _CopyChanged
    record(session, "copy.archive_renewed", actor, object_type="issued_copy", object_id=copy_id,
           meeting_id=copy.meeting_id,
           details={"reason": reason.value, "previous_sha256": previous, "sha256": sha256,
                    "run": run.id, "horizon": run.horizon.isoformat()})
