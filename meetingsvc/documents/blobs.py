"""Content-addressed file storage: a file is named by the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import N_, DomainError

CHUNK_SIZE = 1024 * 1024
#: Stored files are read-only and readable by the service's group, so a front server put
#: in that group (nginx's X-Accel-Redirect) can send them; staging files stay private.
BLOB_FILE_MODE = 0o640


class TooLarge(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(N_("The file is larger than the limit of %(limit_mb)s MB."),
                         limit_mb=limit // (1024 * 1024))
        self.limit = limit


@dataclass(frozen=True)
class StagedFile:
    """A file written to the store's staging area, hashed, not yet in the store."""

    path: Path
    sha256: str
    size: int


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / "staging"

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    @contextmanager
    def staged(self, stream: BinaryIO, limit: int) -> Iterator[StagedFile]:
        """Copy a stream to a staging file in chunks, hashing as it goes.

        The staging file is removed on leaving the block unless ``commit`` moved it
        into the store, so a refused upload leaves nothing behind.
        """
        self.staging.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.staging, suffix=".part")
        path = Path(name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    digest.update(chunk)
                    out.write(chunk)
            yield StagedFile(path, digest.hexdigest(), size)
        finally:
            with suppress(FileNotFoundError):
                path.unlink()

    def commit(self, staged: StagedFile) -> Path:
        """Move a staged file into the store; an identical file already there is kept."""
        target = self.path_for(staged.sha256)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(staged.path, BLOB_FILE_MODE)
        os.replace(staged.path, target)
        return target

    def put_bytes(self, data: bytes) -> str:
        """Store bytes made by the service itself (demo data, generated files)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.staging, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(name, BLOB_FILE_MODE)
            os.replace(name, target)
        return sha256


def blob_store(config: Mapping[str, Any]) -> BlobStore:
    """The application's store, from its ``BLOB_DIR`` setting."""
    return BlobStore(Path(config["BLOB_DIR"]))
