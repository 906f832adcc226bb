"""Where the form fields and signature widgets of one revision sit on its pages.

The visual comparison (:mod:`signing.visual`) allows a later revision to change
what is shown inside the widgets of the fields a signer left open and of later
signatures; this module finds those widgets by walking the page tree and each
page's ``/Annots`` as they stood in a given revision, with bounds so that a
hostile page tree cannot make it loop.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pyhanko.pdf_utils import generic

__all__ = ["Widget", "widgets_of"]

_MAX_PAGES = 10_000
_MAX_DEPTH = 64


@dataclass(frozen=True)
class Widget:
    """One widget annotation of a form field."""

    page: int
    """Zero-based page index."""
    field_name: str
    """Fully qualified field name (``parent.child``)."""
    field_type: str | None
    """``/Tx``, ``/Btn``, ``/Ch``, ``/Sig`` (inherited from the parents), or ``None``."""
    rect: tuple[float, float, float, float]
    """The widget's ``/Rect``, normalised so that x1 ≤ x2 and y1 ≤ y2."""


def _pages(root: generic.DictionaryObject) -> Iterator[generic.DictionaryObject]:
    seen: set[int] = set()
    count = 0

    def walk(node: generic.PdfObject, depth: int) -> Iterator[generic.DictionaryObject]:
        nonlocal count
        if depth > _MAX_DEPTH or count >= _MAX_PAGES or id(node) in seen:
            return
        obj = node.get_object()
        if not isinstance(obj, generic.DictionaryObject):
            return
        if "/Kids" in obj:
            kids = obj["/Kids"]
            if isinstance(kids, generic.ArrayObject):
                for kid in kids:
                    yield from walk(kid, depth + 1)
        else:
            count += 1
            yield obj

    yield from walk(root["/Pages"], 0)


def _inherited(annot: generic.DictionaryObject,
               read: Callable[[generic.DictionaryObject], str | None]) -> str | None:
    node: generic.DictionaryObject | None = annot
    for _ in range(_MAX_DEPTH):
        if node is None:
            return None
        value = read(node)
        if value is not None:
            return value
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _full_name(annot: generic.DictionaryObject) -> str:
    parts: list[str] = []
    node: generic.DictionaryObject | None = annot
    for _ in range(_MAX_DEPTH):
        if node is None:
            break
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def widgets_of(root: generic.DictionaryObject) -> list[Widget]:
    """Every widget with a usable ``/Rect`` on the pages reachable from ``root``."""
    result = []
    for index, page in enumerate(_pages(root)):
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, generic.ArrayObject):
            continue
        for item in annots:
            annot = item.get_object()
            if not isinstance(annot, generic.DictionaryObject) or \
                    annot.get("/Subtype") != "/Widget":
                continue
            try:
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
            except (KeyError, TypeError, ValueError):
                continue
            field_type = _inherited(annot, lambda d: str(d["/FT"]) if "/FT" in d else None)
            result.append(Widget(index, _full_name(annot), field_type,
                                 (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    return result
