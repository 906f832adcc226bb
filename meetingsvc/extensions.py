"""Extension objects, created without an application and bound in ``create_app``."""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

#: Stable constraint names, so Alembic revisions name the same things on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """One engine and one request-scoped session per application.

    A small stand-in for Flask-SQLAlchemy that uses SQLAlchemy 2 directly:
    ``db.session`` is scoped to the application context and removed at its end.
    """

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self._factory)

    def init_app(self, app: Flask, url: str, **engine_options: Any) -> None:
        if self._engine is not None:
            self.session.remove()
            self._engine.dispose()
        self._engine = create_engine(url, **engine_options)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine, "connect", _sqlite_pragmas)
        self._factory.configure(bind=self._engine)
        app.extensions["database"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the database is not configured: call init_app first")
        return self._engine

    def new_session(self) -> Session:
        """A session outside the request scope, for background work that owns its transaction."""
        return self._factory()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: Runs issuance units as tasks when ``CELERY_BROKER_URL`` is set (see ``meetingsvc.jobs``).
celery_app = Celery("meetingsvc", set_as_current=False)
