"""The Alembic revisions build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from meetingsvc import create_app
from meetingsvc.extensions import Base
from meetingsvc.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES_ADMIN_URL, base_test_config, unavailable


def _fresh_postgres_database() -> tuple[str, str]:
    name = f"meetingsvc_migrate_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as error:
        unavailable(f"PostgreSQL unreachable: {error}")
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False), name


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_upgrade_to_head_matches_the_models(tmp_path, backend):
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        url, name = _fresh_postgres_database()
    try:
        config = base_test_config(tmp_path / "instance") | {"DATABASE_URL": url}
        app = create_app(config)
        upgrade(app)
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        engine.dispose()
        # Autogenerate finds nothing left to migrate: the revisions and the models agree.
        command.check(alembic_config(app))
    finally:
        if name:
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
