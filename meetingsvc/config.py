"""Configuration defaults.

Layers, later wins: these defaults, ``instance/config.py``, ``MEETINGSVC_*``
environment variables, then the mapping given to ``create_app`` (tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

#: Database URL; ``None`` means the SQLite file in the instance folder.
DATABASE_URL: str | None = None
#: Must be set in instance/config.py or MEETINGSVC_SECRET_KEY; at least 32 characters.
SECRET_KEY: str | None = None
#: Largest accepted upload, in bytes.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: An upload with JavaScript, actions, embedded files or XFA: "remove" them or "refuse" the file.
ACTIVE_CONTENT_POLICY: Literal["remove", "refuse"] = "remove"
#: Most an uploaded PDF's streams may decompress to, all together, in bytes.
MAX_PDF_DECOMPRESSED_BYTES = 512 * 1024 * 1024
#: Most objects an uploaded PDF may hold (object streams and the trailer's /Size included).
MAX_PDF_OBJECTS = 500_000
#: Where content-addressed files live; ``None`` means ``instance/blobs``.
BLOB_DIR: str | None = None
#: Interface languages, the first is the default.
LANGUAGES = ("vi", "en")
BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
#: Failed sign-ins from one address against one account before that pair is slowed down.
SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
#: Failed sign-ins from one address, whatever the accounts, before the address is slowed down.
SIGN_IN_FREE_FAILURES_PER_ADDRESS = 20
#: Failures against one account from all addresses that are audited as an attack; past it an
#: address that fails against the account waits at once. No address that has not failed waits.
SIGN_IN_ACCOUNT_ALERT_FAILURES = 50
#: Longest wait imposed after repeated failures, in seconds.
SIGN_IN_MAX_DELAY_SECONDS = 15 * 60
#: A failure counter with no new failure for this long starts again from zero, in seconds.
SIGN_IN_FORGET_AFTER_SECONDS = 24 * 3600
#: Admin, secretariat and auditor accounts sign in with a second factor (TOTP app).
REQUIRE_2FA_FOR_STAFF = True
#: The office's name, as printed on stamps and cover sheets.
OFFICE_NAME = "Văn phòng Tỉnh ủy"
#: TrueType font used on generated PDFs (Vietnamese needs a Unicode font).
PDF_FONT_DIR = "/usr/share/fonts/truetype/dejavu"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
#: Mark cookies Secure: "auto" on HTTPS requests (X-Forwarded-Proto behind a proxy); True/False.
COOKIE_SECURE: bool | str = "auto"
#: Strict-Transport-Security max-age sent on HTTPS responses, in seconds; 0 sends none.
HSTS_SECONDS = 365 * 24 * 3600
#: Trust one proxy hop's X-Forwarded-For and X-Forwarded-Proto (nginx in front).
BEHIND_PROXY = False
WTF_CSRF_TIME_LIMIT = 8 * 3600

ENV_PREFIX = "MEETINGSVC_"
MIN_SECRET_KEY_LENGTH = 32


def from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Read ``MEETINGSVC_*`` variables; whole numbers and true/false become typed values."""
    settings: dict[str, Any] = {}
    for name, raw in environ.items():
        if name.startswith(ENV_PREFIX):
            settings[name.removeprefix(ENV_PREFIX)] = _typed(raw)
    return settings


def _typed(raw: str) -> Any:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if raw.isdigit():
        return int(raw)
    return raw

#: Argon2id cost; lowered only by the test configuration.
PASSWORD_HASH_TIME_COST = 3
PASSWORD_HASH_MEMORY_KIB = 64 * 1024

#: How each confidentiality level is issued: download, view_only (the portal's viewer
#: only) or print (numbered paper copies for the secretariat, no electronic copy).
ISSUANCE_POLICY = {"none": "download", "mat": "view_only", "toi_mat": "print",
                   "tuyet_mat": "print"}
#: Seconds a worker holds an issuance unit before another may take it over.
ISSUANCE_LEASE_SECONDS = 300
#: Failed attempts after which a unit stays failed until the secretariat retries it.
ISSUANCE_MAX_ATTEMPTS = 3
#: Worker processes of the embedded issuance pool; 0 means one per core.
ISSUANCE_PROCESSES = 0
#: Celery broker (e.g. redis://127.0.0.1:6379/0); unset runs issuance in-process.
CELERY_BROKER_URL: str | None = None
#: Public base of verification links printed as QR codes, e.g. https://tailieu.tinhuy.vn
PUBLIC_BASE_URL = "http://127.0.0.1:5000"

#: The office's signing key: a PKCS#12 file (default: the development PKI's) ...
SIGNING_PKCS12_PATH: str | None = None
#: ... and its passphrase (instance/config.py or MEETINGSVC_SIGNING_PKCS12_PASSWORD).
SIGNING_PKCS12_PASSWORD: str | None = None
#: Or a PKCS#11 token: module path, token label, user PIN, key label.
SIGNING_PKCS11_MODULE: str | None = None
SIGNING_PKCS11_TOKEN: str | None = None
SIGNING_PKCS11_PIN: str | None = None
SIGNING_PKCS11_KEY_LABEL: str | None = None
#: PAdES level of issued copies: B-B, B-T, B-LT or B-LTA.
SIGNING_PROFILE = "B-T"
#: RFC 3161 timestamp authority; ``None`` means the service's own: PUBLIC_BASE_URL + /tsa.
TSA_URL: str | None = None
#: Where the development PKI lives; ``None`` means instance/pki.
PKI_DIR: str | None = None
#: ``signing renew`` renews a copy's archive timestamp this many days before its TSA
#: certificate, its algorithms or (with no archive timestamp yet) the signer's certificate end.
ARCHIVE_RENEW_MARGIN_DAYS = 365

#: Outgoing mail for reminders (SMTP). ``MAIL_SERVER = None`` disables sending.
MAIL_SERVER: str | None = None
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
MAIL_FROM = "Văn phòng Tỉnh ủy <vanphong@example.invalid>"
#: A delegate is not reminded about the same meeting again within this many hours.
REMINDER_MIN_INTERVAL_HOURS = 12

#: Largest PDF an auditor may upload for verification, in bytes.
VERIFY_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
#: Seconds the signature check of one upload may take in its child process; tracing the
#: copy after it is linear and one query, so any file is answered within 30 s.
VERIFY_TIMEOUT_SECONDS = 20
#: Anonymous RFC 3161 requests to the embedded /tsa allowed per address per minute
#: (the machine's own workers, on the loopback address, are not counted).
TSA_REQUESTS_PER_MINUTE = 120
#: Public QR verification: requests allowed per address per minute.
PUBLIC_VERIFY_PER_MINUTE = 30
#: A signed checkpoint of the audit log's head is written every this many new rows.
AUDIT_CHECKPOINT_EVERY = 100

#: Cache of clean page renderings of view-only (MẬT) copies; ``None``: instance/page-cache.
PAGE_IMAGE_CACHE_DIR: str | None = None
#: Bound of that cache in bytes; the least recently used renderings go first.
PAGE_IMAGE_CACHE_MAX_BYTES = 512 * 1024 * 1024
#: Page images one delegate may be sent per minute (each is watermarked on the fly).
PAGE_IMAGES_PER_MINUTE = 240
