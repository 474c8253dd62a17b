"""Alembic environment: the URL comes from the settings unless the caller hands over a URL or connection."""

from alembic import context
from sqlmodel import SQLModel

import benefits.models  # noqa: F401  (registers every table on the metadata)
from benefits.db import make_engine
from benefits.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    # `benefits db ...` and the tests pass the URL in; the plain alembic command uses the settings.
    return config.attributes.get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations over a connection, in one transaction."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        # batch mode lets SQLite alter tables by copying them
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
