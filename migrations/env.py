"""Alembic environment: the URL comes from the settings unless the caller hands over a URL or connection."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
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


@contextmanager
def _foreign_keys_off(connection: sa.Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating, and every reference checked before the commit.

    Batch mode alters an SQLite table by copying it and dropping the old one: with foreign keys on, the drop
    would delete every row that points at the table through ON DELETE CASCADE (a benefit's profile, say).
    The pragma only takes effect outside a transaction, so it is set on the driver's connection first.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _check_references(connection: sa.Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite checks none while they are off)."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")


def _migrate(connection: sa.Connection) -> None:
    # batch mode lets SQLite alter tables by copying them
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with _foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()
        _check_references(connection)


def run_migrations_online() -> None:
    """Apply migrations over a connection, in one transaction."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
