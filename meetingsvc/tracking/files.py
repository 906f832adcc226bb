"""Sending a stored file: one helper for every response whose body is a blob.

After the view has checked access and recorded the event (committed with the
request, before the first byte goes out), the bytes leave in one of two ways,
by ``FILE_SENDING``: the app streams the file itself (``send_file`` of the
blob's path, so gunicorn's ``wsgi.file_wrapper`` uses ``sendfile``, with
``Range``), or nginx does (``x-accel``: an empty answer naming the blob in
``X-Accel-Redirect``; nginx's internal location aliasing ``BLOB_DIR`` sends it,
with ``Range``). No database session or lock is held while the file streams.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, current_app, request, send_file

from ..documents.blobs import blob_store
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


def send_stored_file(sha256: str, name: str, *, attachment: bool,
                     mimetype: str = "application/pdf", no_store: bool = False) -> Response:
    """The blob ``sha256`` as the answer, with ``Range``, ``If-None-Match`` and a readable name.

    The blob's SHA-256 is a perfect ETag: the file behind a name never changes.
    ``no_store`` asks browsers not to keep a copy on disk (view-only papers,
    files made for staff).
    """
    config = current_app.config
    store = blob_store(config)
    path = store.path_for(sha256)
    if config["FILE_SENDING"] == "x-accel":
        response = _handed_to_nginx(path.relative_to(store.root).as_posix(), sha256, mimetype)
    else:
        response = send_file(path, mimetype=mimetype, conditional=True, etag=sha256)
    response.headers["Content-Disposition"] = content_disposition(name, attachment=attachment)
    response.headers["Cache-Control"] = "private, no-store" if no_store else "private, no-cache"
    return response


def _handed_to_nginx(stored_as: str, sha256: str, mimetype: str) -> Response:
    """An empty answer that nginx replaces with the file (its own ``Range``, ``sendfile``).

    nginx keeps this answer's Content-Type, Content-Disposition and Cache-Control
    and, by the deployed configuration, its ETag. A revalidation that matches the
    ETag is answered here (304) and names no file.
    """
    response = Response(b"", mimetype=mimetype)
    response.set_etag(sha256)
    response.make_conditional(request)
    if response.status_code == 200:
        prefix = "/" + str(current_app.config["X_ACCEL_PREFIX"]).strip("/") + "/"
        response.headers["X-Accel-Redirect"] = prefix + stored_as
    return response
