"""Fan signing (or any per-document work) out over a pool of worker processes.

Two layers, so that issuance can run its own per-copy function in the workers:

* :class:`WorkerPool` — a process pool with a per-process *initializer* and a
  picklable per-item *function*. :meth:`WorkerPool.imap` yields one
  :class:`ItemResult` per input, in input order: ``ok`` with the value, or
  ``error`` with a reason. One failing item (or even a crashed worker) never
  aborts the batch. Items travel in small chunks and at most ``4 × processes``
  chunks are in flight, so memory does not grow with the batch.
* The signing helpers — :func:`init_signer` (an initializer that builds one
  :class:`~signing.signer.DocumentSigner` per process), :func:`current_signer`
  (that process's signer) and :func:`sign_job` (the per-item function for plain
  signing) — plus :class:`SigningService`, which puts them together.

Issuance reuses the pool like this (``meetingsvc.issuance.production``, in
outline; stamping and storing are its own code)::

    def init_worker(config: WorkerConfig) -> None:  # module-level, so picklable
        init_signer(config.signer)
        ...  # and open the blob store, once per process

    def produce_unit(spec: UnitSpec) -> UnitResult:
        for item in spec.items:
            pdf = personalise(prepared(item.source_sha256), item.stamp)
            signed = current_signer().sign(pdf, SignRequest(qr_url=item.qr_url))
            ...  # store it
        return UnitResult(...)

    with WorkerPool(init_worker, (config,),
                    preload=["meetingsvc.issuance.production"]) as pool:
        for outcome in pool.imap(produce_unit, specs):
            ...  # outcome.index; outcome.ok, outcome.value / outcome.error

Functions and initializers must be importable module-level callables (the
workers are started with ``forkserver``, safe in a multi-threaded web process).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar

from .errors import SigningLibraryError
from .settings import SignerSettings, SignRequest
from .signer import DocumentSigner

__all__ = [
    "ItemResult",
    "WorkerPool",
    "SignJob",
    "SigningService",
    "init_signer",
    "current_signer",
    "sign_job",
    "default_processes",
]

T = TypeVar("T")
R = TypeVar("R")


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ItemResult(Generic[R]):
    """The outcome of one item of a batch."""

    index: int
    """Position of the item in the input."""
    ok: bool
    """Whether the function returned normally."""
    value: R | None = None
    """What the function returned (when ``ok``)."""
    error: str | None = None
    """Why it failed: ``"<ExceptionType>: <message>"`` (when not ``ok``)."""


def _run_item(func: Callable[[T], R], index: int, item: T) -> ItemResult[R]:
    try:
        return ItemResult(index=index, ok=True, value=func(item))
    except Exception as exc:  # a per-item failure is data, not a crash of the batch
        return ItemResult(index=index, ok=False, error=f"{type(exc).__name__}: {exc}")


def _ready() -> bool:
    return True


def _start_worker(initializer: Callable[..., None], *initargs: Any) -> None:
    """A worker's first step: keep what it inherited out of the garbage collector.

    A worker forked from the fork server shares the pages of the modules it preloaded;
    a full collection writes to the header of every object it examines, which would
    copy each of those pages into every worker. Frozen, they stay shared (and the
    collections a worker runs look only at what it made itself)."""
    gc.freeze()
    initializer(*initargs)


def _run_chunk(func: Callable[[T], R], chunk: list[tuple[int, T]]) -> list[ItemResult[R]]:
    return [_run_item(func, index, item) for index, item in chunk]


_Submitted = tuple[ProcessPoolExecutor, "Future[list[ItemResult[R]]]"]


class WorkerPool:
    """A long-lived pool of worker processes, each set up once by ``initializer``."""

    def __init__(self, initializer: Callable[..., None], initargs: Sequence[Any] = (), *,
                 processes: int | None = None, chunksize: int = 4,
                 start_method: str = "forkserver",
                 preload: Sequence[str] = ("signing.pool",)) -> None:
        """Start ``processes`` workers (default: one per core), each calling
        ``initializer(*initargs)`` once; items are sent ``chunksize`` at a time.
        ``preload`` names modules the fork server imports once, so the workers
        share their pages instead of each importing them."""
        self.processes = processes or default_processes()
        self.chunksize = max(1, chunksize)
        self._initializer, self._initargs = initializer, tuple(initargs)
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(list(preload))
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        """Start every worker now (not on first use) and wait until each is initialised,
        so start-up costs stay out of the first batch and a bad key fails here."""
        executor = ProcessPoolExecutor(max_workers=self.processes, mp_context=self._context,
                                       initializer=_start_worker,
                                       initargs=(self._initializer, *self._initargs))
        # each submit with no idle worker spawns one more process
        started = [executor.submit(_ready) for _ in range(self.processes)]
        try:
            for future in started:
                future.result()
        except BrokenProcessPool as exc:
            executor.shutdown(wait=False, cancel_futures=True)
            raise SigningLibraryError("a worker process failed to initialise (see its "
                                      "traceback above: key, passphrase, settings)") from exc
        return executor

    def imap(self, func: Callable[[T], R], items: Iterable[T]) -> Iterator[ItemResult[R]]:
        """Run ``func`` on every item; yield one result per item, in input order.

        Items travel in chunks of :attr:`chunksize` (fewer round trips between
        processes); at most ``4 × processes`` chunks are in flight.
        """
        window = 4 * self.processes
        pending: deque[tuple[list[int], _Submitted[R]]] = deque()
        chunks = _chunked(enumerate(items), self.chunksize)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending.append(([index for index, _ in chunk], self._submit(func, chunk)))
            if pending:
                indexes, submitted = pending.popleft()
                yield from self._collect(indexes, submitted)

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> list[ItemResult[R]]:
        """:meth:`imap`, collected into a list."""
        return list(self.imap(func, items))

    def _submit(self, func: Callable[[T], R], chunk: list[tuple[int, T]]) -> _Submitted[R]:
        try:
            return self._executor, self._executor.submit(_run_chunk, func, chunk)
        except BrokenProcessPool:
            self._restart(self._executor)
            return self._executor, self._executor.submit(_run_chunk, func, chunk)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """Replace ``broken`` by a fresh pool, unless that already happened."""
        if broken is self._executor:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()

    def _collect(self, indexes: list[int], submitted: _Submitted[R]) -> list[ItemResult[R]]:
        executor, future = submitted
        try:
            return future.result()
        except BrokenProcessPool:
            # a worker died (killed, out of memory, crashed in C): the items in its
            # chunk and in flight fail; a new pool takes the items that follow
            self._restart(executor)
            reason = "BrokenProcessPool: a worker process died while handling this item"
        except Exception as exc:  # e.g. an item or a result could not be pickled
            reason = f"{type(exc).__name__}: {exc}"
        return [ItemResult(index=i, ok=False, error=reason) for i in indexes]

    def close(self) -> None:
        """Stop the workers (waits for items in flight)."""
        self._executor.shutdown(wait=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _chunked(items: Iterator[tuple[int, T]], size: int) -> Iterator[list[tuple[int, T]]]:
    chunk: list[tuple[int, T]] = []
    for entry in items:
        chunk.append(entry)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_signer: DocumentSigner | None = None


def init_signer(settings: SignerSettings) -> None:
    """Worker initializer: open the key once and keep a signer for this process."""
    global _signer
    _signer = DocumentSigner(settings)


def current_signer() -> DocumentSigner:
    """This process's signer, created by :func:`init_signer`."""
    if _signer is None:
        raise RuntimeError("init_signer() has not run in this process")
    return _signer


@dataclass(frozen=True)
class SignJob:
    """One document to sign: the PDF (bytes, or a path the workers can read) and its request."""

    pdf: bytes | Path
    """The document."""
    request: SignRequest = SignRequest()
    """Per-document stamp and metadata."""


def sign_job(job: SignJob) -> bytes:
    """Per-item function: sign one job with this process's signer."""
    return current_signer().sign(job.pdf, job.request)


class SigningService:
    """Signs batches of documents on all cores with one long-lived signer per process."""

    def __init__(self, settings: SignerSettings, *, processes: int | None = None) -> None:
        """Start the workers; each opens the key once."""
        self.pool = WorkerPool(init_signer, (settings,), processes=processes)

    def sign_batch(self, jobs: Iterable[SignJob]) -> list[ItemResult[bytes]]:
        """Sign every job; one result per job, in order, failures included."""
        return self.pool.map(sign_job, jobs)

    def imap(self, jobs: Iterable[SignJob]) -> Iterator[ItemResult[bytes]]:
        """Like :meth:`sign_batch`, streaming (bounded memory for large batches)."""
        return self.pool.imap(sign_job, jobs)

    def close(self) -> None:
        """Stop the workers."""
        self.pool.close()

    def __enter__(self) -> SigningService:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
