"""The words of Party paperwork: confidentiality levels and kinds of document.

Plain Python (no database import), so the demo data, the PDF stamps and the
signing jobs share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["KINDS", "Confidentiality", "DocumentKind"]


class Confidentiality(StrEnum):
    """Độ mật. The value is the code stored in the database."""

    NONE = "none"
    MAT = "mat"
    TOI_MAT = "toi_mat"
    TUYET_MAT = "tuyet_mat"

    @property
    def label_vi(self) -> str:
        """The mark printed on the document, empty when it is not classified."""
        return _MARKS[self.value][0]

    @property
    def label_en(self) -> str:
        return _MARKS[self.value][1]


_MARKS = {
    "none": ("", ""),
    "mat": ("MẬT", "Confidential"),
    "toi_mat": ("TỐI MẬT", "Secret"),
    "tuyet_mat": ("TUYỆT MẬT", "Top secret"),
}


@dataclass(frozen=True)
class DocumentKind:
    """Thể loại văn bản: the abbreviation is the middle part of a symbol."""

    abbreviation: str
    name_vi: str
    name_en: str


KINDS: dict[str, DocumentKind] = {
    kind.abbreviation: kind
    for kind in (
        DocumentKind("NQ", "Nghị quyết", "Resolution"),
        DocumentKind("BC", "Báo cáo", "Report"),
        DocumentKind("TTr", "Tờ trình", "Submission"),
        DocumentKind("CTr", "Chương trình", "Programme"),
        DocumentKind("KH", "Kế hoạch", "Plan"),
        DocumentKind("ĐA", "Đề án", "Scheme"),
        DocumentKind("QĐ", "Quyết định", "Decision"),
        DocumentKind("TB", "Thông báo", "Notice"),
        DocumentKind("KL", "Kết luận", "Conclusion"),
        DocumentKind("QC", "Quy chế", "Regulation"),
        DocumentKind("CV", "Công văn", "Official letter"),
        DocumentKind("TL", "Tài liệu", "Material"),
        DocumentKind("BB", "Biên bản", "Minutes"),
    )
}
