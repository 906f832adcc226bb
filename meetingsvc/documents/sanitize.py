"""Finding and removing what a PDF can do besides show pages: nothing active is ever signed.

A copy the office signs vouches for everything inside it, so a source must not carry
scripts, actions that launch programs, send form data or open other files, embedded
files, multimedia or XFA forms. :func:`inspect_active_content` reports them;
:func:`remove_active_content` also deletes them, in place, keeping every page.

The whole object graph is walked from the trailer, not only the places readers
usually look, so an action hidden in an outline item, a ``/Next`` chain or a direct
dictionary inside an array is found as well. Stream data is never decoded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

import pikepdf
from pikepdf import ObjectType

from ..errors import N_

__all__ = [
    "ActiveContentReport",
    "ActiveKind",
    "inspect_active_content",
    "remove_active_content",
]


class ActiveKind(Enum):
    """A kind of active or hidden content; the value is its label, marked for translation."""

    JAVASCRIPT = N_("JavaScript")
    OPEN_ACTION = N_("action on opening")
    ADDITIONAL_ACTION = N_("additional action")
    LAUNCH = N_("program launch")
    SUBMIT_FORM = N_("form submission")
    IMPORT_DATA = N_("data import")
    REMOTE_GOTO = N_("link into another file")
    MULTIMEDIA_ACTION = N_("multimedia action")
    EMBEDDED_FILE = N_("embedded file")
    PORTFOLIO = N_("portfolio")
    RICH_MEDIA = N_("RichMedia annotation")
    THREE_D = N_("3D annotation")
    SCREEN = N_("Screen annotation")
    MOVIE = N_("Movie annotation")
    SOUND = N_("Sound annotation")
    XFA = N_("XFA form")


#: Action types that are removed wherever they appear, by their /S name.
_DANGEROUS_ACTIONS = {
    "/JavaScript": ActiveKind.JAVASCRIPT,
    "/Launch": ActiveKind.LAUNCH,
    "/SubmitForm": ActiveKind.SUBMIT_FORM,
    "/ImportData": ActiveKind.IMPORT_DATA,
    "/GoToE": ActiveKind.REMOTE_GOTO,
    "/GoToR": ActiveKind.REMOTE_GOTO,
    "/Rendition": ActiveKind.MULTIMEDIA_ACTION,
    "/Movie": ActiveKind.MULTIMEDIA_ACTION,
    "/Sound": ActiveKind.MULTIMEDIA_ACTION,
    "/RichMediaExecute": ActiveKind.MULTIMEDIA_ACTION,
    "/GoTo3DView": ActiveKind.MULTIMEDIA_ACTION,
}
#: Annotation subtypes removed from pages (and from anywhere else they are referenced).
_DANGEROUS_ANNOTATIONS = {
    "/FileAttachment": ActiveKind.EMBEDDED_FILE,
    "/RichMedia": ActiveKind.RICH_MEDIA,
    "/3D": ActiveKind.THREE_D,
    "/Screen": ActiveKind.SCREEN,
    "/Movie": ActiveKind.MOVIE,
    "/Sound": ActiveKind.SOUND,
}
#: Arrays whose elements are removed rather than replaced by null.
_LIST_KEYS = {"/Annots", "/Next"}

_DICT_TYPES = (ObjectType.dictionary, ObjectType.stream)


@dataclass(frozen=True)
class ActiveContentReport:
    """What a PDF carried: each kind with how often, in a stable order."""

    counts: tuple[tuple[ActiveKind, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.counts)

    def describe(self, translate: Callable[[str], str] = str) -> str:
        """``JavaScript: 3, program launch: 1``, each label passed through ``translate``."""
        return ", ".join(f"{translate(kind.value)}: {count}" for kind, count in self.counts)

    def as_details(self) -> dict[str, int]:
        """For the audit log: stable codes, not translated labels."""
        return {kind.name.lower(): count for kind, count in self.counts}


def inspect_active_content(pdf: pikepdf.Pdf) -> ActiveContentReport:
    """Report active and hidden content without changing the document."""
    return _Walk(pdf, remove=False).run()


def remove_active_content(pdf: pikepdf.Pdf) -> ActiveContentReport:
    """Delete active and hidden content in place and report what it was; pages are kept."""
    return _Walk(pdf, remove=True).run()


class _Walk:
    def __init__(self, pdf: pikepdf.Pdf, *, remove: bool) -> None:
        self.pdf = pdf
        self.remove = remove
        self.found: Counter[ActiveKind] = Counter()
        self.visited: set[tuple[int, int]] = set()
        self.counted: set[tuple[tuple[int, int], ActiveKind]] = set()

    def run(self) -> ActiveContentReport:
        root = self.pdf.Root
        if "/NeedsRendering" in root and self.remove:
            del root["/NeedsRendering"]
        stack: list[tuple[pikepdf.Object, str]] = [(self.pdf.trailer, "")]
        while stack:
            container, key = stack.pop()
            if container.is_indirect:
                if container.objgen in self.visited:
                    continue
                self.visited.add(container.objgen)
            kind = container._type_code
            if kind in _DICT_TYPES:
                stack.extend(self._dictionary(container))
            elif kind == ObjectType.array:
                stack.extend(self._array(container, key))
        order = list(ActiveKind)
        return ActiveContentReport(tuple(sorted(self.found.items(),
                                                key=lambda item: order.index(item[0]))))

    def _dictionary(self, dictionary: pikepdf.Object) -> Iterator[tuple[pikepdf.Object, str]]:
        for key in list(dictionary.keys()):
            value = dictionary.get(key)
            if not isinstance(value, pikepdf.Object):  # numbers and booleans come out as Python's
                continue
            if self._is_hostile(key, value):
                if self.remove:
                    del dictionary[key]
                continue
            if value._type_code in (*_DICT_TYPES, ObjectType.array):
                yield value, key

    def _array(self, array: pikepdf.Object, key: str) -> Iterator[tuple[pikepdf.Object, str]]:
        hostile: list[int] = []
        for index, value in enumerate(list(array)):
            if not isinstance(value, pikepdf.Object):
                continue
            if self._is_hostile("", value):  # the array's key says nothing of its elements
                hostile.append(index)
            elif value._type_code in (*_DICT_TYPES, ObjectType.array):
                yield value, ""
        if not self.remove:
            return
        for index in reversed(hostile):
            if key in _LIST_KEYS:
                del array[index]
            else:  # keep positions meaningful (name trees, pairs)
                array[index] = None

    def _is_hostile(self, key: str, value: pikepdf.Object) -> bool:
        """Whether ``value``, found under ``key``, is to be removed; counts it if so."""
        code = value._type_code
        if key == "/AA" and code in _DICT_TYPES:
            for action in value.values():
                self._count_actions(action, ActiveKind.ADDITIONAL_ACTION)
            return True
        if key == "/OpenAction" and code in _DICT_TYPES:
            self._count_actions(value, ActiveKind.OPEN_ACTION)
            return True
        if key == "/JavaScript" and code in _DICT_TYPES and ("/Names" in value or "/Kids" in value):
            self._add(value, ActiveKind.JAVASCRIPT, max(1, _name_tree_size(value)))
            return True
        if key == "/EmbeddedFiles" and code in _DICT_TYPES:
            self._add(value, ActiveKind.EMBEDDED_FILE, max(1, _name_tree_size(value)))
            return True
        if key in ("/EF", "/AF"):
            size = len(value) if code == ObjectType.array else 1
            self._add(value, ActiveKind.EMBEDDED_FILE, size)
            return True
        if key == "/XFA":
            self._add(value, ActiveKind.XFA)
            return True
        if key == "/Collection" and code in _DICT_TYPES:
            self._add(value, ActiveKind.PORTFOLIO)
            return True
        if code not in _DICT_TYPES:
            return False
        if _action_kind(value) is not None:
            self._count_actions(value, ActiveKind.ADDITIONAL_ACTION)
            return True
        subtype = value.get("/Subtype")
        if (subtype is not None and str(subtype) in _DANGEROUS_ANNOTATIONS
                and ("/Rect" in value or value.get("/Type") == pikepdf.Name.Annot)):
            self._add(value, _DANGEROUS_ANNOTATIONS[str(subtype)])
            return True
        return False

    def _count_actions(self, action: pikepdf.Object, benign: ActiveKind) -> None:
        """Count an action and its /Next chain; a harmless action counts as ``benign``."""
        pending = [action]
        seen: set[tuple[int, int]] = set()
        first = True
        while pending:
            current = pending.pop()
            if not isinstance(current, pikepdf.Object):
                continue
            if current._type_code == ObjectType.array:
                pending.extend(current)
                continue
            if current._type_code not in _DICT_TYPES:
                continue
            if current.is_indirect:
                if current.objgen in seen:
                    continue
                seen.add(current.objgen)
            kind = _action_kind(current)
            if kind is not None or first:
                self._add(current, kind or benign)
            first = False
            following = current.get("/Next")
            if following is not None:
                pending.append(following)

    def _add(self, value: pikepdf.Object, kind: ActiveKind, count: int = 1) -> None:
        if value.is_indirect:
            if (value.objgen, kind) in self.counted:
                return
            self.counted.add((value.objgen, kind))
        self.found[kind] += count


def _action_kind(value: pikepdf.Object) -> ActiveKind | None:
    """The kind of a dangerous action dictionary, or ``None`` for anything else."""
    if "/JS" in value:
        return ActiveKind.JAVASCRIPT
    subtype = value.get("/S")
    if subtype is None or subtype._type_code != ObjectType.name_:
        return None
    return _DANGEROUS_ACTIONS.get(str(subtype))


def _name_tree_size(node: pikepdf.Object, limit: int = 100_000) -> int:
    """How many entries a name tree holds (bounded, cycles ignored)."""
    count = 0
    seen: set[tuple[int, int]] = set()
    pending = [node]
    while pending and count < limit:
        current = pending.pop()
        if not isinstance(current, pikepdf.Object) or current._type_code not in _DICT_TYPES:
            continue
        if current.is_indirect:
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        names = current.get("/Names")
        if names is not None and names._type_code == ObjectType.array:
            count += len(names) // 2
        kids = current.get("/Kids")
        if kids is not None and kids._type_code == ObjectType.array:
            pending.extend(kids)
    return count
