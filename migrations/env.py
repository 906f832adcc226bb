"""Alembic environment: the models' metadata against the configured database URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from meetingsvc import models
from meetingsvc.models_common import UTCDateTime

config = context.config
target_metadata = models.Base.metadata


def render_item(kind: str, obj: object, autogen_context: object) -> str | bool:
    """Our UTC type is a plain timezone-aware timestamp in the database."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True, render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
