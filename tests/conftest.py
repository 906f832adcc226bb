"""Fixtures shared by every feature's tests.

``app`` runs each test twice: on a fresh SQLite file and on PostgreSQL (a
database of its own for the test run, emptied before each test). Outside CI an
unreachable PostgreSQL skips its half with the reason; with ``CI=true`` it fails.
"""

from __future__ import annotations

import io
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from meetingsvc import create_app
from meetingsvc import models as _every_table  # noqa: F401 - the schema made below is whole
from meetingsvc.accounts.models import Body, Membership, Role, User
from meetingsvc.accounts.services import create_user
from meetingsvc.append_only import APPEND_ONLY_TABLES
from meetingsvc.extensions import Base, db
from meetingsvc.meetings.models import Meeting
from meetingsvc.meetings.services import MeetingDetails, create_meeting

IN_CI = os.environ.get("CI") == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "MEETINGSVC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"
PKI_PASSPHRASE = "mat-khau-pki-thu-nghiem"


def unavailable(reason: str) -> None:
    """Skip outside CI; inside CI a missing service is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server, dropped at the end."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    name = f"meetingsvc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # connection refused, no such role, ...
        unavailable(f"PostgreSQL at {admin_url.render_as_string()} unreachable: {error}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in APPEND_ONLY_TABLES:  # a tampering test may have disabled them
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    engine.dispose()


def base_test_config(instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "MAX_UPLOAD_BYTES": 2 * 1024 * 1024,
        "VERIFY_MAX_UPLOAD_BYTES": 2 * 1024 * 1024,
        # Tests sign in with a password; the two-factor tests turn this on.
        "REQUIRE_2FA_FOR_STAFF": False,
        # A page that starts issuing wakes a thread of the test's process (and joins it
        # at teardown); the worker process is tested on its own (test_dispatcher).
        "ISSUANCE_DISPATCH": "thread",
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    """The configuration ``app`` is built from; a test may change it before using ``app``."""
    config = base_test_config(tmp_path / "instance")
    config["DATABASE_URL"] = database_url
    return config


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    # The test's application context outlives each request, and ``g`` with it; as in
    # production, every request must load its user afresh (several clients, one test).
    @app.before_request
    def forget_the_last_requests_user() -> None:
        g.pop("_login_user", None)

    if app_config["DATABASE_URL"].startswith("sqlite"):
        Base.metadata.create_all(db.engine)
    with app.app_context():
        yield app
        runner = app.extensions.get("issuance_runner")
        if runner is not None:  # a page started issuing: never leak it into the next test
            runner.join(timeout=300)
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    current = db.session()
    yield current
    current.rollback()  # even if the app's scoped session was replaced meanwhile
    current.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.DELEGATE, username: str | None = None,
             full_name: str | None = None, **fields: Any) -> User:
        n = next(counter)
        user = create_user(session, username or f"{role.value}{n}",
                           full_name or f"Nguyễn Văn Thử {n}", PASSWORD, role, **fields)
        session.commit()
        return user

    return make


@pytest.fixture
def make_body(session: Session) -> Callable[..., Body]:
    def make(code: str, name_vi: str | None = None, members: list[User] | None = None) -> Body:
        body = Body(code=code, name_vi=name_vi or f"Ban {code.upper()}", name_en=f"Body {code}")
        session.add(body)
        session.flush()
        for rank, user in enumerate(members or [], start=1):
            session.add(Membership(body_id=body.id, user_id=user.id, position="Ủy viên",
                                   rank=rank))
        session.commit()
        return body

    return make


@pytest.fixture
def make_meeting(session: Session) -> Callable[..., Meeting]:
    def make(body: Body, title: str = "Hội nghị lần thứ 12", number: int = 12) -> Meeting:
        meeting = create_meeting(session, MeetingDetails(
            body_id=body.id, session_number=number, title=title,
            starts_at=datetime.now(UTC) + timedelta(days=7), place="Hội trường Tỉnh ủy",
        ), actor=_test_actor())
        session.commit()
        return meeting

    return make


def _test_actor():  # type: ignore[no-untyped-def]
    from meetingsvc.audit.services import Actor

    return Actor(username="test")


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[User], None]:
    def do(user: User) -> None:
        response = client.post("/sign-in", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)

    return do


# --- files -------------------------------------------------------------------


def pdf_bytes(pages: int = 2) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def sample_pdf() -> bytes:
    return pdf_bytes(3)


# --- signing: one development PKI and TSA per run, for every feature that issues ------


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory) -> Path:
    """One development PKI for the whole run: key generation is slow."""
    from signing import create_dev_pki

    directory = tmp_path_factory.mktemp("pki")
    create_dev_pki(directory, office_name="Văn phòng Tỉnh ủy", passphrase=PKI_PASSPHRASE.encode(),
                   crl_url_base="http://127.0.0.1:5000/pki/")
    return directory


@pytest.fixture(scope="session")
def tsa_url(dev_pki):
    """A real RFC 3161 TSA over HTTP on loopback, with the development TSA key."""
    from signing import LocalTsaServer, TimestampAuthority, load_dev_pki

    pki = load_dev_pki(dev_pki, PKI_PASSPHRASE.encode())
    with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as server:
        yield server.url
