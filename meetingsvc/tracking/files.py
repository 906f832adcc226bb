"""Sending a signed copy: streamed from disk, with Range, an ETag and a readable file name."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file

from ..issuance.pdf import ascii_slug

#: Longest readable file name offered to the browser, before the extension.
_MAX_NAME = 120


def readable_file_name(*parts: str, extension: str = "pdf") -> str:
    """ "15-NQ-TU Nghị quyết về chuyển đổi số - Bản số 07.pdf": what a person saves.

    Slashes (in symbols) and characters no file system takes become hyphens.
    """
    name = " - ".join(p.strip() for p in parts if p and p.strip())
    name = re.sub(r'[/\\:*?"<>|\x00-\x1f]+', "-", name)
    name = re.sub(r"\s+", " ", name).strip(" .-") or "tai-lieu"
    return f"{name[:_MAX_NAME].rstrip(' .-')}.{extension}"


def content_disposition(name: str, *, attachment: bool) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients, the Vietnamese one in ``filename*``."""
    stem, _, extension = name.rpartition(".")
    fallback = f"{ascii_slug(stem, lower=False) or 'tai-lieu'}.{ascii_slug(extension) or 'bin'}"
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_signed_file(path: Path, sha256: str, name: str, *, attachment: bool,
                     mimetype: str = "application/pdf", no_store: bool = False) -> Response:
    """The file from disk (sendfile under gunicorn), answering ``Range`` and ``If-None-Match``.

    The blob's SHA-256 is a perfect ETag: the file behind a name never changes.
    ``no_store`` asks browsers not to keep a copy on disk (view-only papers).
    """
    response = send_file(path, mimetype=mimetype, conditional=True, etag=sha256)
    response.headers["Content-Disposition"] = content_disposition(name, attachment=attachment)
    response.headers["Cache-Control"] = "private, no-store" if no_store else "private, no-cache"
    return response
