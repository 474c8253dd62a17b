"""A database outage: 503 with Retry-After and a few log lines, liveness and readiness said apart, and recovery."""

import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from benefits import migrate
from benefits.db import engine_for, get_engine
from benefits.models import Role
from benefits.settings import get_settings
from tests.support.factories import make_person, make_token
from tests.support.postgres import PostgresUnavailable, _as_server_user, _bin_dir, _free_port
from web.session import SESSION_COOKIE


class StoppableServer:
    """A throwaway PostgreSQL server of this test's own, which the test stops and starts again on the same port."""

    def __init__(self) -> None:
        self.binaries = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="benefits-outage-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.root, "postgres", "postgres")
        self.port = _free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def _run(self, program: str, *arguments: str) -> None:
        command = _as_server_user([str(self.binaries / program), *arguments])
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        """Start (or start again) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        """Stop it at once, as a crash or a maintenance restart would: open connections are cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs, and delete its files."""
        command = _as_server_user([str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        subprocess.run(command, check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def server() -> Iterator[StoppableServer]:
    """A PostgreSQL server for this test alone."""
    try:
        made = StoppableServer()
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(str(error))
    try:
        made.start()
        yield made
    finally:
        made.remove()


def _served_from(monkeypatch: pytest.MonkeyPatch, url: str) -> Generator[tuple[FastAPI, Engine]]:
    """The whole app, settings and engine included, over the database at `url`, as `benefits serve` runs it."""
    migrate.upgrade(url)
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield create_app(), get_engine()
    finally:
        engine_for(url).dispose()
        get_settings.cache_clear()


@pytest.fixture
def served(server: StoppableServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FastAPI, Engine]]:
    """The app over a database on the test's own server."""
    from tests.support.postgres import create_database

    url = create_database(f"postgresql+psycopg://postgres@127.0.0.1:{server.port}", "outage")
    yield from _served_from(monkeypatch, url)


def _token(engine: Engine) -> str:
    with Session(engine) as session:
        token = make_token(session, person=make_person(session, role=Role.admin))
        session.commit()
    return token


def test_an_outage_answers_503_logs_little_and_recovers_by_itself(
    served: tuple[FastAPI, Engine], server: StoppableServer, caplog: pytest.LogCaptureFixture
) -> None:
    app, engine = served
    token = _token(engine)
    api = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    browser = TestClient(app, raise_server_exceptions=False, cookies={SESSION_COOKIE: token}, follow_redirects=False)
    assert api.get("/api/v1/initiatives").status_code == 200  # the pool now holds a connection the outage will cut
    assert api.get("/readyz").json()["status"] == "ready"

    server.stop()
    caplog.clear()
    caplog.set_level(logging.INFO)
    answers = []
    for _ in range(20):
        answers.append(api.get("/api/v1/initiatives"))
        answers.append(api.post("/api/v1/initiatives", json={"name": "During the outage"}))
        answers.append(browser.get("/"))
    for answer in answers:
        assert answer.status_code == 503, (answer.request.url, answer.status_code, answer.text[:200])
        assert answer.headers["retry-after"] == str(get_settings().database_retry_after_seconds)
    problem = answers[0]
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["code"] == "database_unavailable"
    page = answers[2]
    assert page.headers["content-type"].startswith("text/html")
    assert "try again shortly" in page.text and "<h1>" in page.text
    # Alive, but not ready: a load balancer keeps the workers and stops sending them traffic.
    assert api.get("/healthz").json() == {"status": "ok"}
    not_ready = api.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["database"] == "unreachable"
    assert not_ready.json()["problems"]
    # 60 failed requests: one line, with its traceback, for the one kind of failure; no traceback per request.
    ours = [record for record in caplog.records if record.name == "benefits.api" and record.levelno >= logging.WARNING]
    assert len(ours) == 1, [record.getMessage() for record in ours]
    assert "unavailable" in ours[0].getMessage() and ours[0].exc_info
    tracebacks = [record for record in caplog.records if record.exc_info or "Traceback" in record.getMessage()]
    assert len(tracebacks) == 1
    # Nor anything else from the service (the test client's own line and the access line per request aside).
    service = [
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("httpx") and record.name != "benefits.access"
    ]
    assert len(service) <= 3, service

    server.start()
    deadline = time.monotonic() + 15
    while (answer := api.get("/api/v1/initiatives")).status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover by itself"
        time.sleep(0.2)
    assert api.post("/api/v1/initiatives", json={"name": "After the outage"}).status_code == 201
    assert browser.get("/").status_code == 200
    assert api.get("/readyz").json()["status"] == "ready"


def test_failures_are_counted_and_summarised_once_an_interval(
    served: tuple[FastAPI, Engine], server: StoppableServer, caplog: pytest.LogCaptureFixture
) -> None:
    _, engine = served
    token = _token(engine)
    # Every second rather than every minute, and a Retry-After of its own; the same database.
    app = create_app(get_settings().model_copy(update={"database_log_interval_seconds": 1,
                                                       "database_retry_after_seconds": 7}))  # fmt: skip
    api = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    server.stop()
    caplog.set_level(logging.WARNING, logger="benefits.api")
    for _ in range(5):
        assert api.get("/api/v1/initiatives").headers["retry-after"] == "7"
    time.sleep(1.1)
    assert api.get("/api/v1/initiatives").status_code == 503
    lines = [record.getMessage() for record in caplog.records if record.name == "benefits.api"]
    assert len(lines) == 2, lines
    assert "and 4 more since the last report" in lines[1]


def test_readiness_names_a_database_behind_the_migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    served = _served_from(monkeypatch, url)
    app, _ = next(served)
    try:
        client = TestClient(app)
        assert client.get("/readyz").json()["status"] == "ready"
        head = migrate.head()
        migrate.downgrade(url, "-1")
        answer = client.get("/readyz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["database"] == "reachable" and body["head"] == head and body["migration"] != head
        assert "benefits db upgrade" in body["problems"][0]
    finally:
        served.close()


def test_a_busy_sqlite_database_answers_writes_503_busy_and_reads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    served = _served_from(monkeypatch, url)
    app, engine = next(served)
    try:
        token = _token(engine)
        holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock past the busy timeout
        try:
            client = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
            started = time.monotonic()
            read = client.get("/api/v1/initiatives")
            read_seconds = time.monotonic() - started
            write = client.post("/api/v1/initiatives", json={"name": "Waits for the lock"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        # A read starts deferred on the write-ahead log: it answers from the last commit without waiting.
        assert read.status_code == 200
        assert read_seconds < 3  # not the 5 s busy timeout a queued read would wait
        assert write.status_code == 503
        assert write.headers["retry-after"] == "1"
        assert write.json()["code"] == "database_busy"
    finally:
        served.close()
