"""Every setting the service reads, declared once with its type, default and meaning.

Layers, later wins: these defaults, ``instance/config.py``, ``MEETINGSVC_*``
environment variables (converted by the declared type), then the mapping given
to ``create_app`` (tests).
"""

from __future__ import annotations

import difflib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from signing.pki import ISSUING_CERT_FILE, ISSUING_CRL_FILE, ROOT_CERT_FILE, ROOT_CRL_FILE

__all__ = ["DERIVED", "ENV_PREFIX", "EXAMPLE_SECRET_KEY", "MIN_SECRET_KEY_LENGTH", "SETTINGS",
           "Setting", "SettingError", "defaults", "from_environment"]

log = logging.getLogger(__name__)

ENV_PREFIX = "MEETINGSVC_"
#: Environment variables of the test suite share the prefix; they are not settings.
_TEST_ENV_PREFIX = ENV_PREFIX + "TEST_"
MIN_SECRET_KEY_LENGTH = 32
#: The placeholder in instance/config.example.py: long enough, but public.
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string-of-48-characters"  # noqa: S105


class SettingError(ValueError):
    """An environment variable's value does not fit its setting's declared type."""


@dataclass(frozen=True)
class Setting:
    """One setting: its name, the type its value has, its default and what it does."""

    name: str
    #: str, int, float, bool, dict or tuple; an environment value is converted to it.
    type: type
    default: Any
    doc: str
    #: Accepted values, when only a few are.
    choices: tuple[Any, ...] = ()
    #: Also accepts this string besides a value of ``type`` ("auto" for COOKIE_SECURE).
    also: str | None = None


S = Setting
MiB = 1024 * 1024
SETTINGS: tuple[Setting, ...] = (
    S("INSTANCE_PATH", str, None,
      "Instance folder (config.py, blobs, the development PKI); None means ./instance."),
    S("DATABASE_URL", str, None,
      "Database URL; None means the SQLite file in the instance folder."),
    S("SECRET_KEY", str, None,
      f"Signs sessions and links; required, at least {MIN_SECRET_KEY_LENGTH} random characters."),
    S("MAX_UPLOAD_BYTES", int, 100 * MiB, "Largest accepted upload, in bytes."),
    S("ACTIVE_CONTENT_POLICY", str, "remove",
      "An upload with JavaScript, actions, embedded files or XFA: remove them or refuse the file.",
      choices=("remove", "refuse")),
    S("MAX_PDF_DECOMPRESSED_BYTES", int, 512 * MiB,
      "Most an uploaded PDF's streams may decompress to, all together, in bytes."),
    S("MAX_PDF_OBJECTS", int, 500_000,
      "Most objects an uploaded PDF may hold (object streams and the trailer's /Size included)."),
    S("BLOB_DIR", str, None, "Where content-addressed files live; None means instance/blobs."),
    S("LANGUAGES", tuple, ("vi", "en"), "Interface languages, the first is the default."),
    S("BABEL_DEFAULT_LOCALE", str, "vi", "Locale of text rendered outside a request."),
    S("OFFICE_TIMEZONE", str, "Asia/Ho_Chi_Minh",
      "The office's time zone (IANA name): every time shown, printed or exported is in it."),
    S("SIGN_IN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS", int, 5,
      "Failed sign-ins from one address against one account before that pair is slowed down."),
    S("SIGN_IN_FREE_FAILURES_PER_ADDRESS", int, 20,
      "Failed sign-ins from one address, whatever the accounts, before it is slowed down."),
    S("SIGN_IN_ACCOUNT_ALERT_FAILURES", int, 50,
      "Failures against one account from all addresses that are audited as an attack."),
    S("SIGN_IN_MAX_DELAY_SECONDS", int, 15 * 60,
      "Longest wait imposed after repeated failures, in seconds."),
    S("SIGN_IN_FORGET_AFTER_SECONDS", int, 24 * 3600,
      "A failure counter with no new failure for this long starts again from zero, in seconds."),
    S("REQUIRE_2FA_FOR_STAFF", bool, True,
      "Admin, secretariat and auditor accounts sign in with a second factor (TOTP app)."),
    S("OFFICE_NAME", str, "Văn phòng Tỉnh ủy", "The office's name, on stamps and cover sheets."),
    S("PDF_FONT_DIR", str, "/usr/share/fonts/truetype/dejavu",
      "Folder of the DejaVu TrueType fonts used on generated PDFs (Vietnamese needs Unicode)."),
    S("SESSION_COOKIE_HTTPONLY", bool, True, "Flask: the session cookie is hidden from scripts."),
    S("SESSION_COOKIE_SAMESITE", str, "Lax", "Flask: SameSite of the session cookie."),
    S("REMEMBER_COOKIE_NAME", str, "remember_token", "Flask-Login: the remember-me cookie."),
    S("REMEMBER_COOKIE_HTTPONLY", bool, True, "Flask-Login: that cookie is hidden from scripts."),
    S("REMEMBER_COOKIE_SAMESITE", str, "Lax", "Flask-Login: SameSite of that cookie."),
    S("COOKIE_SECURE", bool, "auto",
      "Mark cookies Secure: auto on HTTPS requests (X-Forwarded-Proto behind a proxy); or a bool.",
      also="auto"),
    S("HSTS_SECONDS", int, 365 * 24 * 3600,
      "Strict-Transport-Security max-age sent on HTTPS responses, in seconds; 0 sends none."),
    S("BEHIND_PROXY", bool, False,
      "Trust one proxy hop's X-Forwarded-For and X-Forwarded-Proto (nginx in front)."),
    # Stored files (signed copies, uploads) after the access check and the event's commit:
    # streamed by the app (sendfile under gunicorn) or handed to nginx (deploy/nginx/).
    S("FILE_SENDING", str, "app",
      "Who sends stored files: app (sendfile, Range) or x-accel (nginx's X-Accel-Redirect).",
      choices=("app", "x-accel")),
    S("X_ACCEL_PREFIX", str, "/_stored/",
      "nginx's internal location aliasing BLOB_DIR, with FILE_SENDING = x-accel."),
    S("WTF_CSRF_TIME_LIMIT", int, 8 * 3600, "Flask-WTF: seconds a form's CSRF token lasts."),
    S("WTF_CSRF_ENABLED", bool, True, "Flask-WTF: forms need a CSRF token; off only in tests."),
    S("TESTING", bool, False, "Flask: errors reach the test client instead of an error page."),
    S("PASSWORD_HASH_TIME_COST", int, 3, "Argon2id time cost; lowered only by the tests."),
    S("PASSWORD_HASH_MEMORY_KIB", int, 64 * 1024, "Argon2id memory cost, in KiB."),
    S("ISSUANCE_POLICY", dict,
      {"none": "download", "mat": "view_only", "toi_mat": "print", "tuyet_mat": "print"},
      "How each confidentiality level is issued: download, view_only or print (paper only)."),
    S("ISSUANCE_LEASE_SECONDS", int, 300,
      "Seconds a worker holds an issuance unit before another may take it over."),
    S("ISSUANCE_MAX_ATTEMPTS", int, 3,
      "Failed attempts after which a unit stays failed until the secretariat retries it."),
    S("ISSUANCE_PROCESSES", int, 0,
      "Signing processes of the issuance worker's pool; 0 means one per core."),
    S("ISSUANCE_DISPATCH", str, "worker",
      "Without a broker, who runs issuance: 'worker' (the one `flask issuance worker` "
      "process) or 'thread' (a thread of the web process: tests, a one-process dev server)."),
    S("ISSUANCE_POLL_SECONDS", float, 1.0,
      "How often the issuance worker looks for new units and for leases that ran out."),
    S("ISSUANCE_SWEEP_SECONDS", float, 30.0,
      "Celery beat: how often units whose offer or lease ran out are offered again."),
    S("ISSUANCE_STALLED_AFTER_SECONDS", float, 60.0,
      "The job page says no signing worker is at work once none of a running job's units "
      "was queued, held or finished for this long; longer where a shared Celery pool is "
      "often busy with other work."),
    S("CELERY_BROKER_URL", str, None,
      "Celery broker (e.g. redis://127.0.0.1:6379/0); None runs issuance in-process."),
    S("PUBLIC_BASE_URL", str, "http://127.0.0.1:5000",
      "Public base of verification links printed as QR codes, e.g. https://tailieu.tinhuy.vn"),
    S("SIGNING_PKCS12_PATH", str, None,
      "The office's production signing key, a PKCS#12 file; None: the development PKI's."),
    S("SIGNING_PKCS12_PASSWORD", str, None,
      "Password of the SIGNING_PKCS12_PATH file (never the development PKI's passphrase)."),
    S("DEV_PKI_PASSPHRASE", str, None,
      "Passphrase of the development PKI's keys (signing init-pki): its office key and its TSA."),
    S("SIGNING_PKCS11_MODULE", str, None, "Or a PKCS#11 token: its module path ..."),
    S("SIGNING_PKCS11_TOKEN", str, None, "... the token's label ..."),
    S("SIGNING_PKCS11_PIN", str, None, "... the user PIN (a string: leading zeros count) ..."),
    S("SIGNING_PKCS11_KEY_LABEL", str, None, "... and the key's label."),
    S("SIGNING_PROFILE", str, "B-T", "PAdES level of issued copies.",
      choices=("B-B", "B-T", "B-LT", "B-LTA")),
    S("SIGNING_LOCATION", str, None, "Place written into each signature, e.g. the office's city."),
    S("TSA_URL", str, None,
      "RFC 3161 timestamp authority; None means the service's own: PUBLIC_BASE_URL + /tsa."),
    S("PKI_DIR", str, None, "Where the development PKI lives; None means instance/pki."),
    S("TRUST_ROOT_FILES", tuple, (),
      "PEM certificates of the roots signatures are validated against; (): the dev PKI's root."),
    S("TRUST_INTERMEDIATE_FILES", tuple, (),
      "PEM certificates of intermediate CAs; (): the development PKI's issuing CA."),
    S("TRUST_CRL_FILES", tuple, (),
      "DER CRL files used in validation; (): the development PKI's two CRLs."),
    S("PUBLIC_PKI_FILES", tuple,
      (ROOT_CERT_FILE, ISSUING_CERT_FILE, ROOT_CRL_FILE, ISSUING_CRL_FILE),
      "Files of PKI_DIR anyone may fetch at /pki/<name> (certificates and CRLs)."),
    S("ARCHIVE_RENEW_MARGIN_DAYS", int, 365,
      "signing renew renews an archive timestamp this many days before what it rests on ends."),
    S("MAIL_SERVER", str, None,
      "SMTP server for reminders and issuance notices; None disables sending."),
    S("MAIL_PORT", int, 25, "SMTP port."),
    S("MAIL_USE_TLS", bool, False, "STARTTLS on the SMTP connection."),
    S("MAIL_USERNAME", str, None, "SMTP user."),
    S("MAIL_PASSWORD", str, None, "SMTP password."),
    S("MAIL_FROM", str, "Văn phòng Tỉnh ủy <vanphong@example.invalid>",
      "Sender of reminders and issuance notices."),
    S("REMINDER_MIN_INTERVAL_HOURS", int, 12,
      "A delegate is not reminded about the same meeting again within this many hours."),
    S("CONSULTATION_ANSWERS_VISIBLE_BEFORE_CLOSE", bool, False,
      "Members of the body see each other's answers to a written consultation before it closes."),
    S("CONSULTATION_PASS_RULE", str, "majority_of_members",
      "A consultation's question passes with more agrees than half of all the body's "
      "members, or than half of the answers given.",
      choices=("majority_of_members", "majority_of_answers")),
    S("VERIFY_MAX_UPLOAD_BYTES", int, 100 * MiB,
      "Largest PDF an auditor may upload for verification, in bytes."),
    S("VERIFY_TIMEOUT_SECONDS", float, 20.0,
      "Seconds the signature check of one upload may take in its child process."),
    S("TSA_REQUESTS_PER_MINUTE", int, 120,
      "Anonymous RFC 3161 requests to the embedded /tsa allowed per address per minute."),
    S("PUBLIC_VERIFY_PER_MINUTE", int, 30,
      "Public QR verification: requests allowed per address per minute."),
    S("AUDIT_CHECKPOINT_EVERY", int, 100,
      "A signed checkpoint of the audit log's head is written every this many new rows."),
    S("PAGE_IMAGE_CACHE_DIR", str, None,
      "Cache of clean page renderings of view-only copies; None means instance/page-cache."),
    S("PAGE_IMAGE_CACHE_MAX_BYTES", int, 512 * MiB,
      "Bound of that cache in bytes; the least recently used renderings go first."),
    S("API_REQUESTS_PER_MINUTE", int, 120,
      "API calls one personal API key may make per minute (429 with Retry-After beyond)."),
    S("PAGE_IMAGES_PER_MINUTE", int, 240,
      "Page images one delegate may be sent per minute (each is watermarked on the fly)."),
    S("LOG_FORMAT", str, "json",
      "Log lines of the web, the CLI and the workers: json (one object a line) or text.",
      choices=("json", "text")),
    S("LOG_LEVEL", str, "INFO", "Lowest level logged.",
      choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    S("METRICS_ALLOWED_NETWORKS", tuple, ("127.0.0.1/32", "::1/128"),
      "Networks (CIDR) whose direct requests may read /metrics; anyone else gets 404."),
    S("READINESS_TIMEOUT_SECONDS", float, 2.0,
      "Seconds each /readyz check may take before it counts as failed."),
    S("READINESS_CACHE_SECONDS", float, 30.0,
      "Seconds /readyz reuses its signing-key and TSA results (a token and a TSA are slow)."),
    S("READINESS_MIN_FREE_BYTES", int, 1024 * MiB,
      "/readyz fails when the disk of BLOB_DIR or of the instance folder has less free."),
)
del S

#: Not settings: create_app works them out from the declared ones (and Flask reads them).
DERIVED = ("MAX_CONTENT_LENGTH", "BABEL_DEFAULT_TIMEZONE")

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    """The Flask config defaults: each declared setting's default."""
    return {setting.name: setting.default for setting in SETTINGS}


def from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Read ``MEETINGSVC_*`` variables, each converted by its setting's declared type.

    A value that does not fit raises ``SettingError`` naming the variable. An
    unknown name is logged as a warning with the closest declared name, not
    refused: a misspelt setting must be seen, but the prefix is shared with the
    deployment's and test suite's own variables, which must not stop the service.
    """
    settings: dict[str, Any] = {}
    for variable, raw in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable.startswith(_TEST_ENV_PREFIX):
            continue
        name = variable.removeprefix(ENV_PREFIX)
        setting = BY_NAME.get(name)
        if setting is None:
            close = difflib.get_close_matches(name, BY_NAME, n=1)
            log.warning("%s is not a setting and is ignored%s", variable,
                        f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else "")
            continue
        settings[name] = convert(setting, raw, variable)
    return settings


def convert(setting: Setting, raw: str, source: str) -> Any:
    """``raw`` as a value of the setting's type; strings stay exactly as given."""
    if setting.also is not None and raw.strip().lower() == setting.also:
        return setting.also
    try:
        value = _PARSERS[setting.type](raw)
    except (ValueError, TypeError) as error:
        raise SettingError(f"{source}={raw!r}: {setting.name} takes "
                           f"{_KIND[setting.type]} ({error})") from None
    if setting.choices and value not in setting.choices:
        raise SettingError(f"{source}={raw!r}: {setting.name} takes one of "
                           f"{', '.join(map(str, setting.choices))}")
    return value


def _bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("true", "1"):
        return True
    if word in ("false", "0"):
        return False
    raise ValueError("not true, false, 1 or 0")


def _json(expected: type) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = json.loads(raw)
        if expected is tuple and isinstance(value, list):
            return tuple(value)
        if not isinstance(value, expected):
            raise TypeError(f"the JSON is not {_KIND[expected]}")
        return value
    return parse


_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str, int: lambda raw: int(raw.strip(), 10), float: lambda raw: float(raw.strip()),
    bool: _bool, dict: _json(dict), tuple: _json(tuple)}
_KIND = {str: "a string", int: "a whole number", float: "a number", bool: "true or false",
         dict: "a JSON object", tuple: "a JSON array"}
