"""Telling a classified page from a page that names a classification.

A page of a MẬT, TỐI MẬT or TUYỆT MẬT copy carries the copy stamp: its first line is
the mark followed by the meeting line ("MẬT Ban Chấp hành Đảng bộ tỉnh · Hội nghị lần
thứ 12 · 07/12/2026"). The packet's cover and agenda also print marks, of the papers
the delegate reads in the portal or receives on paper: a listing, not their pages.
"""

from __future__ import annotations

import re

_STAMP = re.compile(r"^(TUYỆT MẬT|TỐI MẬT|MẬT) \S.* · ", re.M)


def stamped_marks(text: str) -> set[str]:
    """The marks of the copy stamps in ``text`` (pdftotext's reading of some pages)."""
    return set(_STAMP.findall(text))
