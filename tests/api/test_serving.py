"""`benefits serve` as an operator runs it: one log format, graceful shutdown on SIGTERM, metrics across workers."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from api.app import create_app
from benefits import migrate
from benefits.db import engine_for, get_engine, make_engine
from benefits.models import Role
from benefits.settings import get_settings
from tests.conftest import FreshDatabase
from tests.support.factories import make_person, make_token
from tests.support.server import free_port


@dataclass
class Served:
    """A `benefits serve` process of the test's own: its base URL, the process, and the file its log goes to."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_lines(self) -> list[str]:
        """What the server has written to standard error so far."""
        return self.log.read_text(encoding="utf-8").splitlines()


@contextmanager
def serving(database_url: str, folder: Path, *arguments: str, **environment: str) -> Iterator[Served]:
    """Start `benefits serve` over `database_url` and wait until it answers; kill it if the test left it running."""
    port = free_port()
    log = folder / f"server-{port}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "benefits.cli", "serve", "--port", str(port), *arguments],
            env={**os.environ, **environment, "BENEFITS_DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{served.base}/healthz").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _token(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            token = make_token(session, person=make_person(session, role=Role.admin))
            session.commit()
    finally:
        engine.dispose()
    return token


def _heavy_model(http: httpx2.Client, base: str, assumptions: int) -> str:
    """An initiative whose model sums `assumptions` costs (in groups); returns the URL that evaluates it.

    Its evaluation with a threshold finds a switching value for every assumption: real work that takes seconds.
    """
    made = http.post(f"{base}/api/v1/initiatives", json={"name": f"Estate rationalisation ({assumptions} sites)"})
    assert made.status_code == 201, made.text
    initiative = made.json()["id"]
    nodes: list[dict[str, object]] = [
        {"name": f"site_{i}_cost", "kind": "assumption", "label": f"Running cost of site {i}", "unit": "pounds",
         "value": 100 + i, "low": 50, "high": 200 + i, "distribution": "pert"}
        for i in range(assumptions)
    ]  # fmt: skip
    groups = [list(range(start, min(start + 50, assumptions))) for start in range(0, assumptions, 50)]
    for number, members in enumerate(groups):
        formula = "SUM(" + ", ".join(f"site_{i}_cost" for i in members) + ")"
        nodes.append({"name": f"area_{number}_cost", "kind": "derived", "label": f"Area {number}", "unit": "pounds",
                      "formula": formula})  # fmt: skip
    total = "SUM(" + ", ".join(f"area_{number}_cost" for number in range(len(groups))) + ")"
    nodes.append({"name": "estate_cost", "kind": "derived", "label": "Estate", "unit": "pounds", "formula": total})
    stored = http.put(f"{base}/api/v1/initiatives/{initiative}/model", json={"nodes": nodes, "links": []})
    assert stored.status_code == 200, stored.text
    return f"{base}/api/v1/initiatives/{initiative}/model/evaluate"


def _in_flight(base: str) -> float:
    """Requests the server is answering now, the scrape that asks not counted."""
    scraped = httpx2.get(f"{base}/metrics").text
    for family in text_string_to_metric_families(scraped):
        if family.name == "benefits_http_requests_in_flight":
            return sum(sample.value for sample in family.samples) - 1
    raise AssertionError("no in-flight gauge")


def _wait_until_in_flight(served: Served, answer: Future[httpx2.Response]) -> None:
    deadline = time.monotonic() + 30
    while _in_flight(served.base) < 1:
        assert not answer.done(), "the request was answered before the test could stop the server"
        assert time.monotonic() < deadline, "the request never arrived"
        time.sleep(0.05)


def _refused(base: str) -> bool:
    """Whether the server turns a new connection away without answering it.

    A connection the kernel queued just before the server closed its listening socket is reset unanswered,
    which is a refusal too.
    """
    try:
        httpx2.get(f"{base}/healthz", timeout=2)
    except (httpx2.ConnectError, httpx2.ReadError, httpx2.RemoteProtocolError):
        return True
    return False


@pytest.fixture
def database(fresh_databases: FreshDatabase) -> str:
    """A migrated database of this run's kind for a server of the test's own."""
    url = fresh_databases.url()
    migrate.upgrade(url)
    return url


def test_sigterm_lets_the_request_in_flight_finish_then_the_server_exits(database: str, tmp_path: Path) -> None:
    token = _token(database)
    http = httpx2.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120)
    # A grace far longer than the evaluation's few seconds, which a busy machine can stretch past the default 30.
    grace = {"BENEFITS_LOG_FORMAT": "json", "BENEFITS_SHUTDOWN_GRACE_SECONDS": "120"}
    with serving(database, tmp_path, **grace) as served, ThreadPoolExecutor(1) as pool:
        evaluate = _heavy_model(http, served.base, assumptions=200)
        body = {"samples": 5_000, "threshold": 25_000}
        answer = pool.submit(http.post, evaluate, json=body, headers={"X-Request-ID": "evaluation-in-flight"})
        _wait_until_in_flight(served, answer)

        served.process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        # It stops taking new connections at once, while the evaluation goes on.
        while not _refused(served.base):
            assert time.monotonic() - stopped < 5, "still accepting connections after SIGTERM"
            time.sleep(0.05)
        assert not answer.done()

        finished = answer.result(timeout=120)
        assert finished.status_code == 200, finished.text
        assert finished.json()["sensitivity"]["output"] == "estate_cost"
        assert served.process.wait(timeout=15) == 0
        assert _refused(served.base)

        # One format from the server and the service alike: every line a JSON object.
        lines = [json.loads(line) for line in served.log_lines()]
        said = [(line["logger"], line["event"]) for line in lines]
        assert ("uvicorn.error", "Application startup complete.") in said
        assert ("uvicorn.error", "Application shutdown complete.") in said
        evaluated = [line for line in lines if line.get("request_id") == "evaluation-in-flight"]
        assert [(line["logger"], line["status"], line["path"]) for line in evaluated] == [
            ("benefits.access", 200, evaluate.removeprefix(served.base))
        ]
        assert evaluated[0]["duration_ms"] > 0


def test_a_request_longer_than_the_grace_is_cut_off_and_the_server_still_exits(database: str, tmp_path: Path) -> None:
    token = _token(database)
    http = httpx2.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120)
    with (
        serving(database, tmp_path, BENEFITS_SHUTDOWN_GRACE_SECONDS="1") as served,
        ThreadPoolExecutor(1) as pool,
    ):
        evaluate = _heavy_model(http, served.base, assumptions=400)  # some fifteen seconds of work
        answer = pool.submit(http.post, evaluate, json={"samples": 2_500, "threshold": 50_000})
        _wait_until_in_flight(served, answer)
        served.process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert served.process.wait(timeout=30) == 0
        assert time.monotonic() - stopped < 6, "the server waited past its grace"
        # Cut off: the connection closes, or (with some FastAPI versions, cancelling the handler) a 500 is sent first.
        try:
            cut = answer.result(timeout=30)
        except httpx2.TransportError:
            return
        assert cut.status_code == 500, cut.text


def test_the_pool_is_closed_when_the_app_stops(fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            assert client.get("/readyz").json()["status"] == "ready"
            assert get_engine().pool.checkedin() == 1  # type: ignore[attr-defined]
        assert get_engine().pool.checkedin() == 0  # type: ignore[attr-defined]
    finally:
        engine_for(url).dispose()
        get_settings.cache_clear()


def test_metrics_add_up_across_workers(database: str, tmp_path: Path) -> None:
    shared = tmp_path / "metrics"
    shared.mkdir()
    (shared / "counter_99999.db").write_bytes(b"left by an earlier run")
    with serving(database, tmp_path, "--workers", "2", PROMETHEUS_MULTIPROC_DIR=str(shared)) as served:
        assert not (shared / "counter_99999.db").exists()
        # New connections each time, until both workers have counted some (each keeps its own file).
        asked = 0
        while len(list(shared.glob("counter_*.db"))) < 2 or asked < 10:
            assert httpx2.get(f"{served.base}/api/v1/benefits/1").status_code == 401
            asked += 1
            assert asked < 500, "one worker took every connection"
        for _ in range(5):  # whichever worker answers the scrape, it reads every worker's counts
            scraped = httpx2.get(f"{served.base}/metrics").text
            counts = {
                sample.labels["route"]: sample.value
                for family in text_string_to_metric_families(scraped)
                if family.name == "benefits_http_requests"
                for sample in family.samples
                if sample.name == "benefits_http_requests_total" and sample.labels["status"] == "401"
            }
            assert counts == {"/api/v1/benefits/{benefit_id}": asked}
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0
