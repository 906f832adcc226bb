# mypy: disable-error-code="no-untyped-call"
# (pyHanko's difference-analysis API is largely unannotated)
"""How later revisions are judged: pyHanko's change policy, and a lenient one for
the long-term validation data other producers write.

pyHanko's default policy refuses DSS updates that EU DSS, Adobe and national
CAs' tools write every day: a ``/VRI`` entry rewritten when a later timestamp
is added ("VRI key modified"), VRI keys in lower case, and old DSS arrays
freed when a new DSS replaces them. None of these can change what a page
shows. :data:`LENIENT_DIFF_POLICY` is pyHanko's default with those three
allowances; the verifier uses it only when the default policy objects, and
then always compares the rendered pages too (see :mod:`signing.visual`), so
anything the allowances let through that a reader could see still fails.

:func:`modifications_permitted` answers the DocMDP question for any
signature or document timestamp, where pyHanko leaves it unset for
timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.reader import HistoricalResolver, RawPdfPath
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    WhitelistRule,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.commons import compare_key_refs
from pyhanko.sign.diff_analysis.rules.form_field_rules import _validate_dss_substructure
from pyhanko.sign.diff_analysis.rules_api import Context, ReferenceUpdate
from pyhanko.sign.fields import MDPPerm

__all__ = ["LENIENT_DIFF_POLICY", "LenientDSSRule", "FreedDSSObjectsRule",
           "modifications_permitted"]

_VRI_KEY = re.compile(r"/[A-Fa-f0-9]{40}")
"""A VRI key: the SHA-1 of a signature's /Contents, in hex (case varies by producer)."""
_VRI_VALUE_KEYS = {"/Type", "/TU", "/TS", "/Cert", "/CRL", "/OCSP"}
_DSS_ARRAYS = {"/Certs", "/CRLs", "/OCSPs"}


class LenientDSSRule(DSSCompareRule):
    """pyHanko's DSS rule, also allowing VRI entries to be rewritten or dropped.

    PAdES (ETSI EN 319 142-1, 5.4) lets a later DSS update add validation data
    for earlier signatures; producers that keep one VRI entry per signature
    rewrite that entry, with a new ``/TU``, when they do.
    """

    def apply(self, old: HistoricalResolver, new: HistoricalResolver
              ) -> Iterable[ReferenceUpdate]:
        # pyHanko's DSSCompareRule.apply, with the VRI check below instead of its own
        dss_context = Context.from_absolute(old, RawPdfPath("/Root", "/DSS"))
        old_dss, new_dss = yield from misc.map_with_return(
            compare_key_refs("/DSS", old, old.root, new.root),
            ReferenceUpdate.curry_ref(context_checked=dss_context))
        if new_dss is None:
            return
        if old_dss is None:
            old_dss = generic.DictionaryObject()
        if not isinstance(new_dss, generic.DictionaryObject) or \
                not isinstance(old_dss, generic.DictionaryObject):
            raise SuspiciousModification("/DSS is not a dictionary")
        unexpected = set(new_dss.keys()) - ({"/Type", "/VRI"} | _DSS_ARRAYS)
        if unexpected:
            raise SuspiciousModification(f"Unexpected keys in DSS: {unexpected}.")
        yield from _validate_dss_substructure(old, new, old_dss, new_dss, _DSS_ARRAYS,
                                              is_vri=False, context=dss_context)
        old_vri, new_vri = yield from misc.map_with_return(
            compare_key_refs("/VRI", old, old_dss, new_dss),
            ReferenceUpdate.curry_ref(context_checked=Context.from_absolute(
                old, RawPdfPath("/Root", "/DSS", "/VRI"))))
        if new_vri is None:
            return
        if old_vri is None:
            old_vri = generic.DictionaryObject()
        if not isinstance(new_vri, generic.DictionaryObject) or \
                not isinstance(old_vri, generic.DictionaryObject):
            raise SuspiciousModification("/VRI is not a dictionary")
        yield from self._lenient_vri(old, new, old_vri, new_vri)

    @staticmethod
    def _lenient_vri(old: HistoricalResolver, new: HistoricalResolver,
                   old_vri: generic.DictionaryObject, new_vri: generic.DictionaryObject
                   ) -> Iterator[ReferenceUpdate]:
        for key in new_vri:
            try:
                unchanged = key in old_vri and new_vri.raw_get(key) == old_vri.raw_get(key)
            except Exception:
                unchanged = False
            if unchanged:
                continue
            if not _VRI_KEY.fullmatch(str(key)):
                raise SuspiciousModification(f"VRI key {key} is not formatted correctly.")
            value = new_vri.raw_get(key)
            context = Context.from_absolute(old, RawPdfPath("/Root", "/DSS", "/VRI", key))
            if isinstance(value, generic.IndirectObject):
                yield ReferenceUpdate(value.reference, context_checked=context)
                value = value.get_object()
            if not isinstance(value, generic.DictionaryObject) or isinstance(
                    value, generic.StreamObject):
                raise SuspiciousModification("VRI entries should be dictionaries")
            unexpected = set(value.keys()) - _VRI_VALUE_KEYS
            if unexpected:
                raise SuspiciousModification(f"Unexpected keys in VRI dictionary: {unexpected}.")
            yield from _validate_dss_substructure(old, new, generic.DictionaryObject(), value,
                                                  {"/Cert", "/CRL", "/OCSP"}, is_vri=True,
                                                  context=context)
            ts = value.raw_get("/TS") if "/TS" in value else None
            if isinstance(ts, generic.IndirectObject) and old.is_ref_unassignable(ts.reference):
                yield ReferenceUpdate(ts.reference)


class FreedDSSObjectsRule(WhitelistRule):
    """Objects may be freed when they belonged to the signed revision's DSS (and nothing
    else: not its pages or forms), or did not exist in the signed revision at all (an
    intermediate DSS replaced by a new one)."""

    def apply(self, old: HistoricalResolver, new: HistoricalResolver
              ) -> Iterable[ReferenceUpdate]:
        freed = set(new.refs_freed_in_revision())
        if not freed:
            return
        xrefs = old.reader.xrefs
        owned: set[generic.Reference] = set()
        if "/DSS" in old.root:
            dss = old.root.raw_get("/DSS")
            owned = old.collect_dependencies(dss)
            if isinstance(dss, generic.IndirectObject):
                owned.add(dss.reference)
            if freed & owned:  # a DSS object that pages or forms also use is theirs
                for key in ("/Pages", "/AcroForm"):
                    if key in old.root:
                        owned -= old.collect_dependencies(old.root.raw_get(key))
        for ref in sorted(freed, key=lambda r: (r.idnum, r.generation)):
            try:
                unsigned = xrefs.get_introducing_revision(ref) > old.revision
            except Exception:
                unsigned = False
            if ref in owned or unsigned:
                yield ReferenceUpdate(ref)


LENIENT_DIFF_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        LenientDSSRule().as_qualified(ModificationLevel.LTA_UPDATES),
        FreedDSSObjectsRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(field_rules=[SigFieldCreationRule(), SigFieldModificationRule(),
                                            GenericFieldModificationRule()]),
    reject_object_freeing=False,
)
"""pyHanko's default policy plus the DSS allowances above; freeing anything that was
not part of the DSS stays unexplained."""


def modifications_permitted(level: ModificationLevel | None, docmdp: MDPPerm | None) -> bool:
    """Whether changes at ``level`` are allowed under the document's DocMDP ``docmdp``.

    The same rule pyHanko applies to signatures, applied to document timestamps
    too: a timestamp has no DocMDP of its own, so what follows it is judged by
    the certification signature's policy, if any, and by what it changes.
    """
    if level is None or level is ModificationLevel.OTHER:
        return False
    return docmdp is None or level.value <= docmdp.value
