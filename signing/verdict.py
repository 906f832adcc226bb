"""The one place where verification facts become a verdict.

:func:`judge_signature` turns the facts gathered about one signature into an
(indication, sub-indication) pair; :func:`judge_document` combines them for the
file; :func:`explain` words the verdict in Vietnamese and English. The rules
are conservative: only a signature that is intact, cryptographically valid,
covers its whole revision, is followed by nothing but permitted changes, and
chains to a trust root can pass. Failures that prove tampering come first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .report import Indication, SubIndication

__all__ = ["SignatureFacts", "Verdict", "judge_signature", "judge_document", "explain"]

Verdict = tuple[Indication, SubIndication | None]

_PASSED: Verdict = (Indication.TOTAL_PASSED, None)


@dataclass(frozen=True)
class SignatureFacts:
    """What verification established about one signature, before any judgment."""

    intact: bool
    """Digest of the signed bytes matches."""
    valid: bool
    """Cryptographic signature valid."""
    coverage: str
    """``ENTIRE_FILE``, ``ENTIRE_REVISION`` or ``OTHER``."""
    modification_level: str | None
    """Difference analysis result (``None``: it could not run)."""
    modifications_permitted: bool | None
    """DocMDP compliance of later revisions (``None``: unknown)."""
    trusted: bool
    """Chain to a trust root found."""
    trust_problem: str | None
    """pyHanko's AdES sub-indication for the chain, if any."""
    revoked: bool
    """The signer's (or a CA's) certificate is on a CRL."""
    revoked_before_signing: bool
    """Revocation precedes the (timestamped, or else claimed) signing time."""
    timestamp_present: bool
    """A signature timestamp token is attached."""
    timestamp_valid: bool
    """That token is intact and validly signed."""
    timestamp_trusted: bool
    """Its TSA chains to a trust root."""


_TRUST_PROBLEMS = {
    "OUT_OF_BOUNDS_NO_POE": SubIndication.EXPIRED,
    "OUT_OF_BOUNDS_NOT_REVOKED": SubIndication.EXPIRED,
    "EXPIRED": SubIndication.EXPIRED,
    "REVOKED_NO_POE": SubIndication.REVOKED_NO_POE,
    "REVOKED_CA_NO_POE": SubIndication.REVOKED_NO_POE,
    "TRY_LATER": SubIndication.TRY_LATER,
    "CHAIN_CONSTRAINTS_FAILURE": SubIndication.CHAIN_CONSTRAINTS_FAILURE,
}


def judge_signature(facts: SignatureFacts) -> Verdict:
    """The verdict for one signature."""
    if not facts.intact:
        return Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE
    if not facts.valid:
        return Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE
    if facts.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return Indication.TOTAL_FAILED, SubIndication.MODIFIED_AFTER_SIGNING
    if facts.coverage == "ENTIRE_REVISION" and (
            facts.modification_level is None or facts.modification_level == "OTHER"
            or facts.modifications_permitted is not True):
        return Indication.TOTAL_FAILED, SubIndication.MODIFIED_AFTER_SIGNING
    if facts.timestamp_present and not facts.timestamp_valid:
        return Indication.TOTAL_FAILED, SubIndication.TIMESTAMP_FAILURE
    if facts.revoked:
        if facts.revoked_before_signing:
            return Indication.TOTAL_FAILED, SubIndication.REVOKED
        return Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE
    if not facts.trusted:
        sub = _TRUST_PROBLEMS.get(facts.trust_problem or "",
                                  SubIndication.NO_CERTIFICATE_CHAIN_FOUND)
        return Indication.INDETERMINATE, sub
    if facts.timestamp_present and not facts.timestamp_trusted:
        return Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    return _PASSED


def judge_document(verdicts: Sequence[Verdict], *, has_regular_signature: bool,
                   copy_metadata_altered: bool = False, visibly_changed: bool = False
                   ) -> Verdict:
    """The file's verdict: the worst of its signatures' (first one wins a tie).

    A file without a regular signature (none at all, or document timestamps only)
    is ``TOTAL_FAILED`` / ``NO_SIGNATURE``: nothing vouches for its authenticity.
    Copy metadata rewritten by a later revision fails the file even though
    pyHanko counts an /Info update as harmless: it is what traces a copy. A page
    that looks different from the revision a signature covers fails it too, whatever
    a change policy calls the change (form filling, annotation).
    """
    if not has_regular_signature:
        return Indication.TOTAL_FAILED, SubIndication.NO_SIGNATURE
    if copy_metadata_altered or visibly_changed:
        return Indication.TOTAL_FAILED, SubIndication.MODIFIED_AFTER_SIGNING
    worst = _PASSED
    for verdict in verdicts:
        if verdict[0].severity > worst[0].severity:
            worst = verdict
    return worst


_EXPLANATIONS: dict[SubIndication | None, tuple[str, str]] = {
    None: ("Tài liệu được ký số hợp lệ, chữ ký còn nguyên vẹn và không bị thay đổi sau khi ký.",
           "The document is validly signed, intact and unchanged since signing."),
    SubIndication.HASH_FAILURE: (
        "Nội dung đã ký bị thay đổi: giá trị băm không khớp với chữ ký.",
        "The signed content was altered: its hash does not match the signature."),
    SubIndication.SIG_CRYPTO_FAILURE: (
        "Chữ ký số không hợp lệ về mặt mật mã.",
        "The digital signature is cryptographically invalid."),
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: (
        "Không xác lập được chuỗi chứng thư đến một gốc tin cậy.",
        "No certificate chain to a trusted root could be established."),
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: (
        "Chuỗi chứng thư không đáp ứng các ràng buộc (mục đích sử dụng khóa, chính sách).",
        "The certificate chain does not meet its constraints (key usage, policy)."),
    SubIndication.REVOKED: (
        "Chứng thư của người ký đã bị thu hồi trước thời điểm ký.",
        "The signer's certificate was revoked before the signing time."),
    SubIndication.REVOKED_NO_POE: (
        "Chứng thư của người ký đã bị thu hồi và không có bằng chứng chữ ký có trước đó.",
        "The signer's certificate is revoked and nothing proves the signature predates it."),
    SubIndication.EXPIRED: (
        "Chứng thư đã hết hạn và không có dấu thời gian chứng minh chữ ký có trước đó.",
        "A certificate has expired and no timestamp proves the signature predates it."),
    SubIndication.TRY_LATER: (
        "Chưa có đủ thông tin thu hồi để kết luận; hãy thử lại sau.",
        "Revocation information is not yet sufficient to conclude; try again later."),
    SubIndication.FORMAT_FAILURE: (
        "Tệp không phải là PDF hợp lệ hoặc không đọc được trong giới hạn cho phép.",
        "The file is not a valid PDF or could not be read within the allowed bounds."),
    SubIndication.NO_SIGNATURE: (
        "Tài liệu không có chữ ký số.",
        "The document carries no digital signature."),
    SubIndication.MODIFIED_AFTER_SIGNING: (
        "Tài liệu đã bị thay đổi hoặc bổ sung sau khi ký theo cách không được phép.",
        "The document was changed or extended after signing in a way that is not permitted."),
    SubIndication.TIMESTAMP_FAILURE: (
        "Dấu thời gian gắn với chữ ký không hợp lệ.",
        "The timestamp attached to the signature is invalid."),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: (
        "Chữ ký dùng thuật toán cũ không còn an toàn (SHA-1) và không có bằng chứng chữ ký "
        "được tạo khi thuật toán còn tin cậy.",
        "The signature uses a legacy algorithm no longer considered safe (SHA-1), and nothing "
        "proves it was made while that algorithm was still trusted."),
}


def explain(verdict: Verdict) -> tuple[str, str]:
    """One sentence in Vietnamese and one in English for a verdict."""
    return _EXPLANATIONS[verdict[1]]
