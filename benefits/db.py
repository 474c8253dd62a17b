"""Engines and sessions over SQLite or PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from benefits import ledger  # noqa: F401  (keeps the finance ledger in step with every flush)
from benefits.settings import get_settings

# An execution option: the transaction only reads (a GET, an export), so SQLite need not take the write lock.
READ_ONLY = "benefits_read_only"


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
        if connection.get_execution_options().get(READ_ONLY):
            # A deferred read sees one snapshot of the WAL and never waits for a writer, nor makes one wait.
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock at the start, so concurrent requests queue on the busy timeout
        # instead of failing when a read-then-write transaction tries to upgrade its lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """A new engine for the URL, prepared for its dialect."""
    is_sqlite = url.startswith("sqlite")
    # A server that does not answer (a host gone, a firewall) fails a request in seconds rather than holding it.
    connect_args: dict[str, Any] = {"check_same_thread": False} if is_sqlite else {"connect_timeout": 5}
    # hide_parameters: statement values (a password hash, say) never reach a log or an error message.
    # pool_pre_ping: after an outage the pool's dead connections are found and replaced on their next use,
    # so the service recovers by itself when the server returns.
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


def reading(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read: on SQLite they start deferred, without the lock."""
    return engine.execution_options(**{READ_ONLY: True})


class WriteInARead(RuntimeError):
    """A unit of work that promised only to read tried to write (a GET must not change the record)."""


def refuse_writes(session: Session, _context: object = None, _instances: object = None) -> None:
    """A `before_flush` listener for units of work that only read: any change to flush is a programming error."""
    changed = [*session.new, *session.dirty, *session.deleted]
    if changed:
        raise WriteInARead(
            f"A read tried to write {type(changed[0]).__name__}; writes belong to POST, PUT, PATCH or DELETE."
        )


def reading_session(engine: Engine) -> Session:
    """A unit of work that only reads: deferred on SQLite, so it never waits for a writer, and refusing to write."""
    session = Session(reading(engine), expire_on_commit=False)
    sa.event.listen(session, "before_flush", refuse_writes)
    return session


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


@dataclass(frozen=True)
class Readiness:
    """Whether the database can serve: reachable, and its schema at the migrations' head."""

    reachable: bool
    revision: str | None
    head: str | None

    @property
    def problems(self) -> list[str]:
        """What is wrong, in words for an operator; empty when ready."""
        if not self.reachable:
            return ["The database does not answer."]
        if self.revision != self.head:
            at = f"is at migration {self.revision}" if self.revision else "has no migrations applied"
            return [f"The database {at}, not the newest ({self.head}): run `benefits db upgrade`."]
        return []


@lru_cache
def _migrations_head() -> str | None:
    from benefits import migrate

    return migrate.head()


def readiness(*, engine: Engine) -> Readiness:
    """Connect once and read the schema's migration; an unreachable database is a result, not an error."""
    from alembic.runtime.migration import MigrationContext

    head = _migrations_head()
    try:
        # A read: on SQLite it does not queue behind a long write and call the database unreachable.
        with reading(engine).connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except (sa.exc.DBAPIError, sa.exc.TimeoutError):
        return Readiness(reachable=False, revision=None, head=head)
    return Readiness(reachable=True, revision=revision, head=head)
