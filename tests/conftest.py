"""Shared fixtures: the suite runs on SQLite and on a real PostgreSQL, each test in a rolled-back transaction."""

import itertools
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.deps import READING_METHODS, get_session
from benefits import migrate
from benefits.db import make_engine, refuse_writes
from benefits.models import Role
from benefits.settings import get_settings
from tests.support.factories import make_person, make_token
from tests.support.postgres import PostgresUnavailable, create_database, throwaway_server
from tests.support.spreadsheet import SpreadsheetUnavailable, soffice

DATABASES = ["sqlite", "postgresql"]
_DATABASE_NUMBERS = itertools.count(1)  # each fresh PostgreSQL database's own name in this process


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run: the one named by BENEFITS_TEST_POSTGRES_URL, or a throwaway one."""
    given = os.environ.get("BENEFITS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        with throwaway_server() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(str(error))


class FreshDatabase:
    """Makes new, empty databases of one kind for tests that need their own (migrations, the CLI)."""

    def __init__(self, kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
        self.kind = kind
        self._tmp = tmp_path_factory
        self._request = request

    def url(self) -> str:
        """The URL of a new, empty database."""
        if self.kind == "sqlite":
            return f"sqlite:///{self._tmp.mktemp('db') / 'benefits.db'}"
        server = self._request.getfixturevalue("postgres_server")
        return create_database(server, f"fresh_{os.getpid()}_{next(_DATABASE_NUMBERS)}")


@pytest.fixture(scope="session", params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database this part of the run uses."""
    return str(request.param)


@pytest.fixture(scope="session")
def fresh_databases(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> FreshDatabase:
    """A maker of new, empty databases of the current kind."""
    return FreshDatabase(database_kind, tmp_path_factory, request)


@pytest.fixture
def database_url(fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty database of this run's kind, made the configured one (as the command line and `get_engine`
    read it) for the test's length."""
    url = fresh_databases.url()
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _migrated() -> Iterator[dict[str, Engine]]:
    """The engine of each database kind's migrated database, made once in a run (or a worker's part of it)."""
    engines: dict[str, Engine] = {}
    yield engines
    for made in engines.values():
        made.dispose()


@pytest.fixture(scope="session")
def engine(fresh_databases: FreshDatabase, _migrated: dict[str, Engine]) -> Engine:
    """An engine over a database migrated to head with the project's own migrations.

    Kept for the whole run: on several workers (`make test`), a worker takes whole modules in turn, SQLite's and
    PostgreSQL's tests interleaved, and each change of kind would otherwise migrate a new database.
    """
    if fresh_databases.kind not in _migrated:
        url = fresh_databases.url()
        migrate.upgrade(url)
        _migrated[fresh_databases.kind] = make_engine(url)
    return _migrated[fresh_databases.kind]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


def use_test_session(app: FastAPI, session: Session) -> FastAPI:
    """Serve the app from the test's session; each request commits or rolls back a savepoint, as it would for real."""

    def _test_session(request: Request) -> Iterator[Session]:
        session.commit()  # what the test set up before the request stands, as if committed earlier
        # A request that only reads gets a unit of work that refuses to write, as it does for real.
        reads = request.method in READING_METHODS
        if reads:
            sa.event.listen(session, "before_flush", refuse_writes)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            if reads:
                sa.event.remove(session, "before_flush", refuse_writes)
            # Each real request starts with an empty identity map; so does each test request.
            session.expunge_all()

    app.dependency_overrides[get_session] = _test_session
    return app


@pytest.fixture
def app(session: Session) -> FastAPI:
    """The API over the test's session."""
    return use_test_session(create_app(), session)


def client_with_token(app: FastAPI, token: str | None) -> TestClient:
    """A client of the app that sends the token (none when None)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(app, raise_server_exceptions=False, headers=headers)


@pytest.fixture
def admin_token(session: Session) -> str:
    """A token of an admin."""
    return make_token(session, person=make_person(session, role=Role.admin))


@pytest.fixture
def client(app: FastAPI, admin_token: str) -> TestClient:
    """A client signed in as an admin."""
    return client_with_token(app, admin_token)


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    """A client with no token."""
    return client_with_token(app, None)


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """The LibreOffice binary that recalculates workbooks; CI must have it, elsewhere its absence skips."""
    try:
        return soffice()
    except SpreadsheetUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))
        pytest.skip(str(error))
