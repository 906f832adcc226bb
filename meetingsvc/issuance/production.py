"""The worker side of issuing: stamp, sign and store one delegate's copies.

Runs in worker processes (the embedded pool or Celery), with no database: the
input is a ``UnitSpec``, the output a ``UnitResult``. Each process opens the
signing key once and prepares each source document once (parsing it, laying
out the stamp's fixed parts), then reuses that for every delegate's copy.
Whatever else a unit makes is released when it ends (:func:`unit_memory`), so a
process stays the same size from the first delegate to the last.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from signing import DocumentSigner, SignerSettings, SignRequest
from signing.pool import current_signer, init_signer

from ..documents.blobs import BlobStore
from ..ops.logging_setup import ensure_handler
from .numbering import copy_label
from .pdf import (
    PORTAL_NOTE,
    Listing,
    PacketBody,
    PacketDocument,
    PacketInfo,
    PacketItem,
    PreparedDocument,
    merge_documents,
    prepare_document,
    render_cover_and_agenda,
    stamp_copy,
    write_packet,
)
from .units import (
    AgendaEntry,
    ItemCopySpec,
    ListedDocument,
    PacketSpec,
    ProducedCopy,
    UnitResult,
    UnitSpec,
)

log = logging.getLogger(__name__)

#: Source documents kept prepared per process: a congress has about 30.
PREPARED_CACHE_SIZE = 48
#: Packet bodies kept per process: a meeting's delegates mostly share one set of
#: documents (the Standing Committee's members may have a few more).
PACKET_BODY_CACHE_SIZE = 2


@dataclass(frozen=True)
class WorkerConfig:
    signer: SignerSettings
    blob_dir: str
    font_dir: str
    #: The app's ``LOG_FORMAT`` and ``LOG_LEVEL``: a process started by a fork server
    #: inherits no logging set-up, and its warnings would reach the log unformatted.
    log_format: str = "text"
    log_level: str = "INFO"


K = TypeVar("K")
V = TypeVar("V")


class _Recent(Generic[K, V]):
    """The ``size`` values used last, by key; a value is made again only once dropped."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = make()
            if len(self._values) > self._size:
                self._values.popitem(last=False)
        else:
            self._values.move_to_end(key)
        return value


class _WorkerState:
    def __init__(self, config: WorkerConfig) -> None:
        self.store = BlobStore(Path(config.blob_dir))
        self.font_dir = Path(config.font_dir)
        self._prepared: _Recent[str, PreparedDocument] = _Recent(PREPARED_CACHE_SIZE)
        self._bodies: _Recent[tuple[str, ...], PacketBody] = _Recent(PACKET_BODY_CACHE_SIZE)

    def prepared(self, sha256: str) -> PreparedDocument:
        """The source document ready to personalise, prepared once per process."""
        return self._prepared.get(sha256, lambda: prepare_document(
            self.store.path_for(sha256).read_bytes(), font_dir=self.font_dir))

    def packet_body(self, sources: tuple[str, ...]) -> PacketBody:
        """These source documents merged in this order, once per process."""
        return self._bodies.get(sources, lambda: merge_documents(
            [self.prepared(sha256) for sha256 in sources]))


_state: _WorkerState | None = None


def init_worker(config: WorkerConfig) -> None:
    """Process initializer: log as the app does, open the signing key and the blob store once."""
    global _state
    ensure_handler(config.log_format, config.log_level)
    init_signer(config.signer)
    _state = _WorkerState(config)


def is_initialised() -> bool:
    return _state is not None


def _malloc_trim() -> Callable[[int], object]:
    """glibc's ``malloc_trim``, or a no-op where the C library has none."""
    try:
        trim: Callable[[int], object] = ctypes.CDLL(
            ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda _pad: 0
    return trim


_trim = _malloc_trim()


@contextmanager
def unit_memory() -> Iterator[None]:
    """Give back, when a unit ends, all the memory it used.

    pyHanko's and pikepdf's objects refer to each other, so a 30-document unit leaves
    about 7,000 objects in reference cycles that only a full collection frees; Python
    runs one rarely, and by then a pool process had grown by some 40 MB. Everything
    alive when the unit starts (imports, the signer, prepared documents) is frozen
    first, so the collection afterwards looks at the unit's objects only (milliseconds
    rather than most of a second), then it is thawed again, unless it was frozen before
    (a pool process keeps what it inherited frozen). ``malloc_trim`` then hands the
    freed heap back to the system, which glibc otherwise keeps at its high-water mark:
    a congress's 600-page packets would leave their processes larger than an
    Executive Committee's."""
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        gc.collect()
        if thaw:
            gc.unfreeze()
        _trim(0)


def produce_unit(spec: UnitSpec) -> UnitResult:
    """Make, sign and store every copy of one delegate; a failing copy fails alone."""
    if _state is None:
        raise RuntimeError("init_worker was not called in this process")
    with unit_memory():
        return _produce(_state, spec)


def _produce(state: _WorkerState, spec: UnitSpec) -> UnitResult:
    produced: list[ProducedCopy] = []
    failures: list[tuple[int, str]] = []
    for item in spec.items:
        try:
            prepared = state.prepared(item.source_sha256)
            if item.sign:
                signed = sign_copy(current_signer(), prepared, item)
                produced.append(ProducedCopy(item.copy_id, state.store.put_bytes(signed),
                                             len(signed)))
        except Exception as exc:  # reported per copy, the others go on
            log.exception("copy %s failed", item.copy_id)
            failures.append((item.copy_id, f"{type(exc).__name__}: {exc}"))
    if spec.packet is not None:
        if failures:
            failures.append((spec.packet.copy_id, "not assembled: a document of it failed"))
        else:
            try:
                produced.append(_packet(state, spec.packet, spec.items))
            except Exception as exc:
                log.exception("packet %s failed", spec.packet.copy_id)
                failures.append((spec.packet.copy_id, f"{type(exc).__name__}: {exc}"))
    return UnitResult(spec.unit_id, tuple(produced), tuple(failures))


def make_print_file(config: WorkerConfig, item: ItemCopySpec) -> bytes:
    """A paper copy's signed print file (TỐI MẬT, TUYỆT MẬT), made on demand and kept
    nowhere: the caller streams it to the secretariat's printer and records its hash."""
    store = BlobStore(Path(config.blob_dir))
    prepared = prepare_document(store.path_for(item.source_sha256).read_bytes(),
                                font_dir=Path(config.font_dir))
    with DocumentSigner(config.signer) as signer:
        return sign_copy(signer, prepared, item)


def sign_copy(signer: DocumentSigner, prepared: PreparedDocument, item: ItemCopySpec) -> bytes:
    """One document copy stamped for its delegate and signed, in one pass over the file."""
    request = SignRequest(qr_url=item.qr_url, metadata=dict(item.metadata), label=item.symbol,
                          copy_label=shown_copy_label(item))
    return signer.sign(prepared.pdf, request,
                       update=lambda writer: stamp_copy(writer, prepared, item.stamp))


def shown_copy_label(item: ItemCopySpec) -> str:
    """ "Bản số 05/58", as the copy stamp prints it: the visible signature repeats it."""
    return copy_label(item.stamp.copy_number, item.stamp.copy_total)


def _packet(state: _WorkerState, packet: PacketSpec, items: tuple[ItemCopySpec, ...]
            ) -> ProducedCopy:
    """Cover, agenda and the downloadable copies, merged with bookmarks, signed as a whole.

    The agenda lists every document issued to the delegate: those downloadable with
    their pages here, the others with where to find them (portal, paper, recalled)."""
    agenda: dict[int, list[ItemCopySpec | ListedDocument]] = {}
    for item in items:  # downloadable ones, and this unit's view-only ones
        agenda.setdefault(item.agenda_position, []).append(item)
    for listed in packet.listed_only:
        agenda.setdefault(listed.agenda_position, []).append(listed)
    for entries in agenda.values():
        entries.sort(key=lambda e: e.symbol)
    # Numbered as the delegate's meeting page numbers them: no gap shows another's item.
    seen = {entry.position: entry for entry in packet.agenda}
    positions = sorted(set(agenda) | set(seen))
    packet_items = [
        PacketItem(position=number, title=_entry(position, seen, agenda).title,
                   presenter=_entry(position, seen, agenda).presenter,
                   documents=tuple(_packet_document(e) for e in agenda.get(position, [])))
        for number, position in enumerate(positions, start=1)]
    info = PacketInfo(
        body_name=packet.body_name, session_number=packet.session_number,
        meeting_title=packet.meeting_title, starts_at=packet.starts_at, place=packet.place,
        delegate_name=packet.delegate_name, delegate_title=packet.delegate_title,
        copy_number=packet.copy_number, copy_total=packet.copy_total,
        items=tuple(packet_items), copy_id=packet.reference, issued_on=packet.issued_on,
        office_name=packet.office_name.upper(), session_name=packet.session_name)
    cover = render_cover_and_agenda(info, font_dir=state.font_dir)
    # In the order the agenda lists them: by item, then by symbol within it.
    merged = [entry for position in positions for entry in agenda.get(position, [])
              if isinstance(entry, ItemCopySpec) and entry.in_packet]
    body = state.packet_body(tuple(entry.source_sha256 for entry in merged))
    stamps = [entry.stamp for entry in merged]
    request = SignRequest(qr_url=packet.qr_url, metadata=dict(packet.metadata), label="packet",
                          copy_label=copy_label(packet.copy_number, packet.copy_total))
    signed = current_signer().sign(
        body.pdf, request,
        update=lambda writer: write_packet(writer, cover, packet_items, body, stamps))
    return ProducedCopy(packet.copy_id, state.store.put_bytes(signed), len(signed))


def _entry(position: int, seen: dict[int, AgendaEntry],
           agenda: dict[int, list[ItemCopySpec | ListedDocument]]) -> AgendaEntry:
    """The agenda item at ``position``: as the meeting page shows it, else as the first of
    its documents names it."""
    if position in seen:
        return seen[position]
    first = agenda[position][0]
    return AgendaEntry(position, first.agenda_title, first.presenter)


def _packet_document(entry: ItemCopySpec | ListedDocument) -> PacketDocument:
    if isinstance(entry, ListedDocument):
        return PacketDocument(entry.symbol, entry.title, entry.confidentiality_mark, 0,
                              entry.note, Listing(entry.listing))
    if not entry.in_packet:
        return PacketDocument(entry.symbol, entry.title, entry.stamp.confidentiality_mark, 0,
                              PORTAL_NOTE, Listing.PORTAL)
    return PacketDocument(entry.symbol, entry.title, entry.stamp.confidentiality_mark,
                          entry.page_count)
