"""meetingsvc: personalised, digitally signed meeting papers for every delegate."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from . import config as default_config
from .extensions import babel, csrf, db, login_manager

__all__ = ["create_app"]

ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The service refuses to start with this configuration; the message says what to fix."""


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: a number beyond the databases' INTEGER ids matches no
    route (404) instead of overflowing PostgreSQL's integer in the query (500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = 2**31 - 1, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


class MeetingApp(Flask):
    """Flask with one transaction boundary: a request commits on success, else rolls back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = DatabaseId

    def full_dispatch_request(self) -> Response:
        try:
            response = super().full_dispatch_request()
        except BaseException:
            db.session.rollback()
            raise
        if response.status_code >= 500:
            db.session.rollback()
        else:
            db.session.commit()
        return response


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = MeetingApp(
        __name__,
        instance_path=instance_path(test_config),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    configure_settings(app, test_config)
    configure_logging(app)
    configure_database(app)
    configure_transport_security(app)
    configure_auth(app)
    configure_i18n(app)
    configure_blueprints(app)
    configure_issuance(app)
    configure_cli(app)
    if app.config.get("BEHIND_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app


def instance_path(test_config: Mapping[str, Any] | None = None) -> str:
    """The instance folder every command uses: the test's, MEETINGSVC_INSTANCE_PATH, or ours."""
    import os

    path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("MEETINGSVC_INSTANCE_PATH")
    return str(path or ROOT / "instance")


def configure_settings(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    app.config.from_mapping(default_config.defaults())
    app.config.from_pyfile("config.py", silent=True)
    try:
        app.config.from_mapping(default_config.from_environment())
    except default_config.SettingError as error:
        raise ConfigurationError(str(error)) from None
    if test_config:
        app.config.from_mapping(test_config)
    _refuse_a_weak_secret_key(app)
    largest_file = max(int(app.config["MAX_UPLOAD_BYTES"]),
                       int(app.config["VERIFY_MAX_UPLOAD_BYTES"]))
    app.config["MAX_CONTENT_LENGTH"] = largest_file + 1024 * 1024  # room for the form
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'meetingsvc.sqlite3'}"
    if not app.config.get("TSA_URL"):
        app.config["TSA_URL"] = app.config["PUBLIC_BASE_URL"].rstrip("/") + "/tsa"
    if not app.config.get("BLOB_DIR"):
        app.config["BLOB_DIR"] = str(Path(app.instance_path) / "blobs")
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["OFFICE_TIMEZONE"]
    _read_an_old_dev_pki_passphrase(app)


def _refuse_a_weak_secret_key(app: Flask) -> None:
    """A missing, short or published (the example file's) key would let anyone forge sessions."""
    secret = app.config.get("SECRET_KEY")
    where = (f"set it in {Path(app.instance_path) / 'config.py'} or MEETINGSVC_SECRET_KEY "
             "(`make run` writes a random one on first start)")
    if not isinstance(secret, str) or len(secret) < default_config.MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            "SECRET_KEY is missing or shorter than "
            f"{default_config.MIN_SECRET_KEY_LENGTH} characters: {where}")
    if secret == default_config.EXAMPLE_SECRET_KEY:
        raise ConfigurationError(
            "SECRET_KEY is the placeholder from config.example.py, which anyone can read: "
            f"{where}, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'")


def _read_an_old_dev_pki_passphrase(app: Flask) -> None:
    """An instance made before DEV_PKI_PASSPHRASE stored the development PKI's passphrase
    as SIGNING_PKCS12_PASSWORD; without a PKCS#12 file of its own that is what it means."""
    config = app.config
    if (not config.get("DEV_PKI_PASSPHRASE") and not config.get("SIGNING_PKCS12_PATH")
            and config.get("SIGNING_PKCS12_PASSWORD")):
        config["DEV_PKI_PASSPHRASE"] = config["SIGNING_PKCS12_PASSWORD"]
        config["SIGNING_PKCS12_PASSWORD"] = None
        logging.getLogger(__name__).warning(
            "SIGNING_PKCS12_PASSWORD is read as DEV_PKI_PASSPHRASE (no SIGNING_PKCS12_PATH "
            "is set); rename it in %s", Path(app.instance_path) / "config.py")


def configure_logging(app: Flask) -> None:
    from .ops.logging_setup import configure_logging as configure

    configure(app)


def configure_database(app: Flask) -> None:
    from . import models  # noqa: F401 - registers every table on the metadata
    from .accounts.services import set_password_hash_cost

    options: dict[str, Any] = {}
    if app.config["DATABASE_URL"].startswith("postgresql"):
        options = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
    db.init_app(app, app.config["DATABASE_URL"], **options)
    set_password_hash_cost(
        app.config["PASSWORD_HASH_TIME_COST"], app.config["PASSWORD_HASH_MEMORY_KIB"]
    )


class TransportAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure as ``COOKIE_SECURE`` says: forced, or on HTTPS requests."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or cookie_secure(app)


def cookie_secure(app: Flask) -> bool:
    """Whether cookies set now carry Secure; "auto" follows the request's scheme.

    Behind a proxy (``BEHIND_PROXY``) ProxyFix has already taken the scheme from
    ``X-Forwarded-Proto``.
    """
    setting = app.config["COOKIE_SECURE"]
    if setting == "auto":
        return has_request_context() and request.is_secure
    return bool(setting)


def configure_transport_security(app: Flask) -> None:
    """Secure cookies and HSTS on HTTPS. Runs before ``configure_auth``: after-request
    functions run last-registered first, so this one sees Flask-Login's remember cookie."""
    app.session_interface = TransportAwareSessionInterface()
    remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")

    @app.after_request
    def secure_transport(response: Response) -> Response:
        if cookie_secure(app):
            cookies = response.headers.getlist("Set-Cookie")
            if any(_is_insecure(c, remember_cookie) for c in cookies):
                response.headers.setlist("Set-Cookie", [
                    f"{c}; Secure" if _is_insecure(c, remember_cookie) else c for c in cookies])
        hsts = int(app.config["HSTS_SECONDS"])
        if hsts > 0 and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={hsts}; includeSubDomains")
        return response


def _is_insecure(set_cookie: str, name: str) -> bool:
    attributes = [part.strip().lower() for part in set_cookie.split(";")]
    return set_cookie.startswith(f"{name}=") and "secure" not in attributes


def configure_auth(app: Flask) -> None:
    from .accounts.models import User
    from .accounts.services import session_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = None  # type: ignore[assignment]
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """``<id>:<session generation>`` (``User.get_id``) from the session or remember cookie.

        A cookie made before the account's sessions were ended carries an older
        generation and signs in nobody; so does one without a generation.
        """
        user_key, _, generation = user_id.partition(":")
        if not (user_key.isdigit() and generation.isdigit()):
            return None
        return session_user(db.session, int(user_key), int(generation))

    csrf.init_app(app)


def configure_i18n(app: Flask) -> None:
    from flask_babel import refresh

    from .i18n import register_i18n
    from .labels import register_labels

    def select_locale() -> str:
        chosen = session.get("lang")
        return chosen if chosen in app.config["LANGUAGES"] else app.config["LANGUAGES"][0]

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    register_i18n(app)
    register_labels(app)

    @app.before_request
    def remember_locale() -> None:
        refresh()  # forget a locale cached by an enclosing app context (tests, CLI)
        g.lang = select_locale()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'self'",
        )
        if request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        return response


def configure_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .attendance.views import bp as attendance_bp
    from .audit.views import bp as audit_bp
    from .comments.views import bp as comments_bp
    from .consultation.views import bp as consultation_bp
    from .documents.views import bp as documents_bp
    from .errors_views import register_error_pages
    from .favicon import bp as favicon_bp
    from .issuance.paper_views import bp as paper_bp
    from .issuance.views import bp as issuance_bp
    from .meetings.views import bp as meetings_bp
    from .search.views import bp as search_bp
    from .tracking.receipts_views import bp as receipts_bp
    from .tracking.views import bp as tracking_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(issuance_bp)
    app.register_blueprint(paper_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(receipts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(favicon_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(consultation_bp)
    register_error_pages(app)
    from .api.setup import init_api

    init_api(app)  # after the error pages: under /api/ errors are problem details
    from .ops.views import init_ops

    init_ops(app)  # health, readiness, metrics; last, so its timing runs first


def configure_issuance(app: Flask) -> None:
    """Set up the one issuance driver: Celery's broker and sweep, or this process's thread.

    The default (``worker``) needs nothing here: ``flask issuance worker`` polls."""
    from .extensions import celery_app
    from .issuance.dispatcher import EmbeddedRunner
    from .issuance.runner import SWEEP_TASK, dispatch_mode

    if dispatch_mode(app.config) == "thread":
        app.extensions["issuance_runner"] = EmbeddedRunner(app)
    lease = int(app.config["ISSUANCE_LEASE_SECONDS"])
    celery_app.conf.update(
        # Beat (``celery -A meetingsvc.jobs beat``, or ``worker -B`` on one worker)
        # re-offers units whose offer or lease ran out: nothing waits for a reader.
        beat_schedule={"issuance-sweep": {
            "task": SWEEP_TASK, "schedule": float(app.config["ISSUANCE_SWEEP_SECONDS"])}},
        broker_url=app.config.get("CELERY_BROKER_URL") or "memory://",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": lease + 30},
    )


def configure_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)
