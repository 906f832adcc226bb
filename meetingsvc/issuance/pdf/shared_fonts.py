"""One copy of each font in a merged packet, however many of its documents embed it.

Every prepared document carries the copy stamp's two font subsets, and papers
made by the same office software often embed the very same subsets too. Merged
into a packet, each document keeps its own copies: in a 13-paper packet of
2 MB, 650 KB were the same few fonts again. A delegate downloads every byte of
it, and the signer hashes it, once per packet.

:func:`share_identical_fonts` points every font resource, and every object
within a font (descriptor, font file, character maps), at one object per
distinct content: the same dictionary entries, the same stream bytes as stored,
and so on down every reference. Two papers whose subsets differ only in their
ToUnicode maps still share the font file. Only objects under font resources
are shared; pages, forms and annotations keep objects of their own (a stamp
form is filled per copy). The duplicates left unreferenced are not written
when the PDF is saved. A font tree deeper than ``MAX_DEPTH`` references (only
a hostile file has one) is left as it is below that depth, never followed to
the interpreter's recursion limit.
"""

from __future__ import annotations

import hashlib
from collections import deque

import pikepdf

__all__ = ["MAX_DEPTH", "share_identical_fonts"]

#: References followed down from a font resource; real fonts are four or five deep.
MAX_DEPTH = 64


def share_identical_fonts(pdf: pikepdf.Pdf) -> None:
    """Point every page's and form's font resources at one object per distinct content."""
    sharing = _Sharing()
    for resources in _font_resources(pdf):
        sharing.within(resources)


def _font_resources(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The ``/Font`` dictionary of every page, in page order, then of the forms they draw."""
    found: list[pikepdf.Dictionary] = []
    seen: set[tuple[int, int]] = set()
    pending = deque(page.obj for page in pdf.pages)
    while pending:
        holder = pending.popleft()
        resources = holder.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            found.append(fonts)
        xobjects = resources.get("/XObject")
        for xobject in (xobjects.values() if isinstance(xobjects, pikepdf.Dictionary) else ()):
            if (isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form"
                    and xobject.objgen not in seen):
                seen.add(xobject.objgen)
                pending.append(xobject)
    return found


class _Sharing:
    """Objects by the digest of their content, their own references already shared."""

    def __init__(self) -> None:
        self._first: dict[bytes, pikepdf.Object] = {}
        self._digest_of: dict[tuple[int, int], bytes] = {}
        self._open: set[tuple[int, int]] = set()  # the references being followed now

    def within(self, container: pikepdf.Object) -> None:
        """Replace each reference in ``container`` (and its direct parts) by the shared one."""
        if b" R" not in container.unparse():  # no reference anywhere inside
            return
        places = (container.keys() if isinstance(container, pikepdf.Dictionary)
                  else range(len(container)))
        for place in places:
            value = container[place]
            if not isinstance(value, pikepdf.Object):
                continue
            if value.is_indirect:
                shared = self._shared(value)
                if shared.objgen != value.objgen:
                    container[place] = shared
            elif isinstance(value, (pikepdf.Dictionary, pikepdf.Array)):
                self.within(value)

    def _shared(self, obj: pikepdf.Object) -> pikepdf.Object:
        """The first object met with ``obj``'s content: ``obj`` itself if there was none."""
        objgen = obj.objgen
        if objgen in self._digest_of:
            return self._first[self._digest_of[objgen]]
        if (objgen in self._open or len(self._open) >= MAX_DEPTH
                or not isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))):
            return obj  # a cycle, too deep, or a number or name: left as it is
        self._open.add(objgen)
        try:
            digest = hashlib.sha256()
            if isinstance(obj, pikepdf.Stream):
                self.within(obj.stream_dict)
                digest.update(b"stream " + obj.stream_dict.unparse() + b"\n")
                digest.update(hashlib.sha256(obj.read_raw_bytes()).digest())
            else:
                self.within(obj)
                digest.update(b"object " + obj.unparse(resolved=True))
        finally:
            self._open.discard(objgen)
        key = self._digest_of[objgen] = digest.digest()
        return self._first.setdefault(key, obj)
