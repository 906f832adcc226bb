"""Tracing a PDF to the issued copy it came from, and saying how it differs from it.

Three ways, strongest first: the file's SHA-256 is that of an issued file (the
exact bytes); the copy metadata inside the signed revision names a copy (the
signing library read it); or, when the file is too damaged to parse, the raw
bytes still hold the copy's token. A copy is only ever found by its unguessable
token or its exact hash: a copy id alone proves nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, String, any_, bindparam, column, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ..issuance.models import CopyFileVersion, IssuedCopy

#: Copy metadata keys (see ``issuance.services._metadata``).
TOKEN_KEY = "MeetingsvcToken"  # noqa: S105 - a metadata key, not a secret
COPY_ID_KEY = "MeetingsvcCopyId"

_RAW_TOKEN = re.compile(rb"/Meetingsvc_MeetingsvcToken\s*(?:\(((?:[^()\\]|\\.){1,300})\)"
                        rb"|<([0-9A-Fa-f\s]{2,600})>)")
_CONTENTS = re.compile(rb"/Contents\s*<([0-9A-Fa-f\s]{512,})>")
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_CHUNK = 64 * 1024
#: What ``planning.new_token`` makes: URL-safe base64, within the lengths tokens may have.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Difference:
    """How the uploaded bytes differ from the issued file."""

    #: ``none``, ``appended`` (issued bytes, then more), ``changed_in_place`` (same size),
    #: ``rewritten`` (another size, not a continuation) or ``unavailable`` (issued file gone).
    kind: str
    issued_size: int
    uploaded_size: int
    bytes_appended: int = 0
    bytes_changed: int = 0
    first_offset: int | None = None
    #: Whether the first change lies in the byte range the office's signature covers.
    in_signed_range: bool | None = None


@dataclass(frozen=True)
class CopyTrace:
    """Which issued copy a file is, and what the office knows about it."""

    copy_id: int
    #: ``exact_bytes``, ``signed_metadata`` or ``raw_bytes``.
    found_by: str
    #: ``exact`` or ``altered``.
    match: str
    #: The uploaded file carries the very signature the office made for this copy.
    same_signature: bool | None
    difference: Difference
    meeting_id: int
    meeting_title: str
    meeting_starts_at: str
    body_name: str
    kind: str
    document_symbol: str | None
    document_title: str | None
    version_number: int | None
    copy_label: str
    channel: str
    delegate_id: int
    delegate_username: str
    delegate_name: str
    delegate_title: str | None
    signed_at: str | None
    delivered_at: str | None
    superseded_at: str | None
    recalled_at: str | None
    #: ``current``, ``superseded`` or ``recalled``.
    state: str
    issued_sha256: str
    verification_token: str
    #: "Bản số 08/55" of the copy that replaced this one, when superseded.
    superseded_by_label: str | None = None


def _unescape_literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes, escapes resolved (``\\137`` is ``_``)."""
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C or i + 1 >= len(raw):
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
    return bytes(out)


def _text(value: bytes) -> str:
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be", "replace")
    return value.decode("latin-1")


def raw_tokens(data: bytes) -> list[str]:
    """Copy tokens written in the file's bytes, in file order (the signed revision first).

    One pass over the bytes and a dict for the order: linear however many look-alikes
    a hostile file holds. Only strings shaped like a token are kept."""
    tokens: dict[str, None] = {}
    for match in _RAW_TOKEN.finditer(data):
        literal, hexa = match.groups()
        try:
            value = (_unescape_literal(literal) if literal is not None
                     else bytes.fromhex(re.sub(rb"\s", b"", hexa).decode()))
        except ValueError:
            continue
        token = _text(value)
        if _TOKEN_SHAPE.fullmatch(token):
            tokens.setdefault(token)
    return list(tokens)


def signature_containers(data: bytes) -> set[str]:
    """The CMS signatures in a file's bytes, as hex without their zero padding."""
    return {re.sub(rb"\s", b"", m.group(1)).decode().lower().rstrip("0")
            for m in _CONTENTS.finditer(data)}


def compare(issued: bytes, uploaded: bytes) -> Difference:
    """Where the uploaded bytes part from the issued ones."""
    sizes = {"issued_size": len(issued), "uploaded_size": len(uploaded)}
    if issued == uploaded:
        return Difference("none", **sizes)
    if uploaded.startswith(issued):
        return Difference("appended", bytes_appended=len(uploaded) - len(issued),
                          first_offset=len(issued), in_signed_range=False, **sizes)
    first, changed = _first_and_count(issued, uploaded)
    kind = "changed_in_place" if len(issued) == len(uploaded) else "rewritten"
    return Difference(kind, bytes_changed=changed, first_offset=first,
                      in_signed_range=_in_signed_range(issued, first), **sizes)


def _first_and_count(a: bytes, b: bytes) -> tuple[int, int]:
    """The first differing offset and how many bytes differ, chunk by chunk in C speed."""
    first: int | None = None
    changed = abs(len(a) - len(b))
    common = min(len(a), len(b))
    for start in range(0, common, _CHUNK):
        end = min(start + _CHUNK, common)
        x, y = a[start:end], b[start:end]
        if x == y:
            continue
        xor = (int.from_bytes(x, "big") ^ int.from_bytes(y, "big")).to_bytes(len(x), "big")
        changed += len(xor) - xor.count(0)
        if first is None:
            first = start + len(xor) - len(xor.lstrip(b"\0"))
    return (first if first is not None else min(len(a), len(b))), changed


def _in_signed_range(issued: bytes, offset: int) -> bool | None:
    ranges = _BYTE_RANGE.findall(issued)
    if not ranges:
        return None
    a, b, c, d = (int(v) for v in ranges[-1])
    return a <= offset < a + b or c <= offset < c + d


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def find_copy(session: Session, data_sha256: str, metadata: dict[str, str],
              data: bytes) -> tuple[IssuedCopy, str] | None:
    """The issued copy a file is, and how it was found; ``None`` if it is none of ours."""
    copy = session.scalar(select(IssuedCopy).where(or_(
        IssuedCopy.blob_sha256 == data_sha256, IssuedCopy.printed_sha256 == data_sha256,
        IssuedCopy.id.in_(_copies_with_file_version(data_sha256)))))
    if copy is not None:
        return copy, "exact_bytes"
    token = metadata.get(TOKEN_KEY)
    if token:
        copy = copy_by_token(session, token)
        if copy is not None and metadata.get(COPY_ID_KEY, str(copy.id)) == str(copy.id):
            return copy, "signed_metadata"
        return None
    tokens = raw_tokens(data)
    found = copies_by_tokens(session, tokens)
    first = next((token for token in tokens if token in found), None)
    return (found[first], "raw_bytes") if first is not None else None


def copies_by_tokens(session: Session, tokens: list[str]) -> dict[str, IssuedCopy]:
    """The made copies among many candidate tokens, in one query whatever their number:
    the list travels as one JSON (SQLite) or array (PostgreSQL) parameter."""
    if not tokens:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        wanted = IssuedCopy.verification_token == any_(
            bindparam("tokens", tokens, type_=ARRAY(String)))
    else:
        wanted = IssuedCopy.verification_token.in_(
            select(column("value")).select_from(func.json_each(json.dumps(tokens))))
    made = or_(IssuedCopy.blob_sha256.is_not(None), IssuedCopy.printed_sha256.is_not(None))
    return {c.verification_token: c for c in session.scalars(
        select(IssuedCopy).where(wanted, made))}


def _copies_with_file_version(sha256: str) -> Select[tuple[int]]:
    """Copies one of whose earlier or renewed files (archive renewal) has this hash."""
    return select(CopyFileVersion.copy_id).where(or_(
        CopyFileVersion.blob_sha256 == sha256, CopyFileVersion.previous_sha256 == sha256))


def stored_file_sha256(session: Session, copy: IssuedCopy, data_sha256: str) -> str | None:
    """The stored file of ``copy`` to compare an upload with: the very version the upload
    is (a file from before an archive renewal), else the newest."""
    if data_sha256 != copy.blob_sha256 and session.scalar(
            _copies_with_file_version(data_sha256).where(
                CopyFileVersion.copy_id == copy.id).limit(1)) is not None:
        return data_sha256
    return copy.blob_sha256


def copy_by_token(session: Session, token: str) -> IssuedCopy | None:
    """The signed copy whose verification token this is (the QR code's), if any."""
    if not 16 <= len(token) <= 64:
        return None
    copy = session.scalar(select(IssuedCopy).where(IssuedCopy.verification_token == token))
    made = copy is not None and (copy.blob_sha256 is not None or copy.printed_sha256 is not None)
    return copy if made else None


def issued_sha256(copy: IssuedCopy) -> str:
    """The hash of the file issued: the stored signed copy, or the last print file made."""
    return copy.blob_sha256 or copy.printed_sha256 or ""


def trace(copy: IssuedCopy, found_by: str, data: bytes, issued_path: Path | None) -> CopyTrace:
    """Describe the copy and compare the uploaded bytes with the file that was issued.

    ``issued_path`` is ``None`` for a paper copy, whose print file was never kept."""
    try:
        issued = issued_path.read_bytes() if issued_path is not None else None
    except OSError:
        issued = None
    if issued is None:
        exact = hashlib.sha256(data).hexdigest() == copy.printed_sha256
        difference = Difference("none" if exact else "unavailable", 0, len(data))
        same_signature = None
    else:
        difference = compare(issued, data)
        ours = signature_containers(issued)
        same_signature = bool(ours) and ours <= signature_containers(data)
    version = copy.document_version
    document = version.document if version is not None else None
    meeting = copy.meeting
    state = ("recalled" if copy.recalled_at else
             "superseded" if copy.superseded_at else "current")
    return CopyTrace(
        copy_id=copy.id, found_by=found_by,
        match="exact" if difference.kind == "none" else "altered",
        same_signature=same_signature, difference=difference,
        meeting_id=meeting.id, meeting_title=meeting.title,
        meeting_starts_at=meeting.starts_at.isoformat(), body_name=meeting.body.name_vi,
        kind=copy.kind, document_symbol=document.symbol if document else None,
        document_title=document.title if document else None,
        version_number=version.number if version else None,
        copy_label=copy.label,
        channel=copy.channel, delegate_id=copy.user.id, delegate_username=copy.user.username,
        delegate_name=copy.user.full_name, delegate_title=copy.user.title,
        signed_at=_iso(copy.signed_at), delivered_at=_iso(copy.delivered_at),
        superseded_at=_iso(copy.superseded_at), recalled_at=_iso(copy.recalled_at),
        state=state, issued_sha256=issued_sha256(copy),
        verification_token=copy.verification_token,
        superseded_by_label=copy.superseded_by.label if copy.superseded_by else None)
