"""How an issued copy is numbered on paper, shared by the copy rows and the PDF stamp.

It has no PDF dependency, so loading the models does not load the PDF stack.
"""

from __future__ import annotations

__all__ = ["copy_label", "trace_code"]


def copy_label(copy_number: int, copy_total: int) -> str:
    """ "Bản số 07/55": the number is zero-padded to the width of the total (at least 2)."""
    width = max(2, len(str(copy_total)))
    return f"Bản số {copy_number:0{width}d}/{copy_total:0{width}d}"


def trace_code(verification_token: str) -> str:
    """ "K7Q2-9XM4": the reference printed small at the foot of every page of a copy, so
    a printout whose top was cut off can still be traced. Taken from the copy's
    verification token (which its QR code carries anyway), never a database id."""
    code = "".join(ch for ch in verification_token if ch.isalnum())[:8].upper()
    return f"{code[:4]}-{code[4:]}"
