"""A backed-up instance (``issued``: signed copies and their files exist), a fresh empty
instance to restore into (a new SQLite file, or a new PostgreSQL database), and a way to
run ``flask backup …`` against either."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import meetingsvc.models  # noqa: F401 - every table is known before the run's database is made
from meetingsvc import create_app
from meetingsvc.extensions import db
from tests.conftest import PKI_PASSPHRASE, POSTGRES_ADMIN_URL, base_test_config
from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - fixtures


def flask_command(app: Flask, *args: str) -> Result:
    """Run ``flask --app meetingsvc ARGS`` against ``app``, as an operator would (in its
    context: the runner would otherwise reuse the context the test has pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    return tmp_path / "backups" / "2026-11-27"


@pytest.fixture(scope="session")
def restore_database(postgres_url: str) -> Iterator[str]:
    """A second PostgreSQL database for the run, to restore into (emptied before each test)."""
    name = f"meetingsvc_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def empty_instance(request: pytest.FixtureRequest, tmp_path: Path,
                   database_url: str) -> dict[str, Any]:
    """The configuration of an instance that holds nothing yet, on the test's database kind:
    its own folder (blobs, PKI), and its own SQLite file or empty PostgreSQL database."""
    config = base_test_config(tmp_path / "restored")
    config["DEV_PKI_PASSPHRASE"] = PKI_PASSPHRASE  # kept with config.py, never in a backup
    if database_url.startswith("sqlite"):
        config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored' / 'meetingsvc.sqlite3'}"
    else:
        config["DATABASE_URL"] = request.getfixturevalue("restore_database")
        _empty_schema(config["DATABASE_URL"])
    return config


@pytest.fixture
def restored_app(empty_instance: dict[str, Any], session: Session
                 ) -> Iterator[Callable[[], Flask]]:
    """Makes an app on the empty instance. Call it once the source is done with: the
    process has one database engine, and from then on it points there."""
    made: list[Flask] = []

    def make() -> Flask:
        session.close()  # its connection goes back before the source's engine is disposed
        made.append(create_app(empty_instance))
        return made[-1]

    yield make
    if made:  # close its connections before its database is dropped
        db.session.remove()
        db.engine.dispose()
