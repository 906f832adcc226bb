"""Module-level worker functions for the pool tests (workers import them by name)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from signing.pool import current_signer, init_signer
from signing.settings import SignerSettings, SignRequest

_prefix: str | None = None


def init_issuance_like_worker(settings: SignerSettings, prefix: str) -> None:
    """An initializer that sets up the signer and some state of its own."""
    global _prefix
    init_signer(settings)
    _prefix = prefix


@dataclass(frozen=True)
class CopyJob:
    """A stand-in for issuance's per-copy job."""

    pdf: bytes
    copy_number: int
    crash: bool = False


def personalise_and_sign(job: CopyJob) -> bytes:
    """Personalise (here: only metadata) and sign with this process's signer."""
    if job.crash:
        os._exit(3)  # simulate a worker dying in C code
    request = SignRequest(metadata={"copy_number": f"{_prefix}{job.copy_number:02d}",
                                    "worker_pid": str(os.getpid())})
    return current_signer().sign(job.pdf, request)


def frozen_objects(_item: object) -> int:
    """How many objects this worker keeps out of the garbage collector."""
    import gc

    return gc.get_freeze_count()
