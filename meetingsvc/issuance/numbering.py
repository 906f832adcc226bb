"""How an issued copy is numbered on paper, shared by the copy rows and the PDF stamp.

It has no PDF dependency, so loading the models does not load the PDF stack.
"""

from __future__ import annotations

__all__ = ["copy_label"]


def copy_label(copy_number: int, copy_total: int) -> str:
    """ "Bản số 07/55": the number is zero-padded to the width of the total (at least 2)."""
    width = max(2, len(str(copy_total)))
    return f"Bản số {copy_number:0{width}d}/{copy_total:0{width}d}"
