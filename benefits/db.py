"""Engines and sessions over SQLite or PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from benefits import ledger  # noqa: F401  (keeps the finance ledger in step with every flush)
from benefits.settings import get_settings


def _prepare_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and real transactions (so savepoints work) on every SQLite connection."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # IMMEDIATE takes the write lock at the start, so concurrent requests queue on the busy timeout
        # instead of failing when a read-then-write transaction tries to upgrade its lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """A new engine for the URL, prepared for its dialect."""
    is_sqlite = url.startswith("sqlite")
    connect_args: dict[str, Any] = {"check_same_thread": False} if is_sqlite else {}
    # hide_parameters: statement values (a password hash, say) never reach a log or an error message.
    engine = sa.create_engine(
        url, echo=echo, connect_args=connect_args, pool_pre_ping=not is_sqlite, hide_parameters=True
    )
    if is_sqlite:
        _prepare_sqlite(engine)
    return engine


@lru_cache
def engine_for(url: str) -> Engine:
    """One shared engine per URL for the life of the process."""
    return make_engine(url, echo=get_settings().sql_echo)


def get_engine() -> Engine:
    """The engine for the configured database."""
    return engine_for(get_settings().database_url)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (for the CLI and scripts)."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
