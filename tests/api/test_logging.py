"""One logging set-up: structured lines, each carrying the id of the request it was written for."""

import io
import json
import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from benefits.logs import structured_formatter
from benefits.settings import Settings

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
THE_TEST_CLIENTS = {"httpx", "httpx2"}  # the client logs each exchange too, outside the server's request


class Captured:
    """What the service's one handler wrote, read back line by line."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[str]:
        """Every line written so far."""
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict]:
        """Every line the server wrote so far, each read as the JSON object it must be."""
        everything = [json.loads(line) for line in self.lines()]
        return [record for record in everything if record["logger"] not in THE_TEST_CLIENTS]


def _capture(log_format: str) -> Iterator[Captured]:
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(structured_formatter(log_format))  # type: ignore[arg-type]
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def json_lines() -> Iterator[Captured]:
    """The root logger's lines as the service writes them with BENEFITS_LOG_FORMAT=json."""
    yield from _capture("json")


@pytest.fixture
def text_lines() -> Iterator[Captured]:
    """The root logger's lines as the service writes them by default (key=value)."""
    yield from _capture("text")


def with_a_fault(app: FastAPI) -> FastAPI:
    """The app with one route that writes a line of its own and then fails, as a defect in a handler would."""

    def fault() -> None:
        # A plain (sync) handler runs in a worker thread: the request's id must follow it there.
        logging.getLogger("benefits.test").warning("about to fail", extra={"step": 2})
        raise RuntimeError("a defect")

    app.add_api_route("/api/v1/test-fault", fault, include_in_schema=False)
    return app


def test_each_request_gets_a_new_id_returned_in_its_header(client: TestClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/api/v1/initiatives").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", True),
        ("lb-7f3a9c1e2b", True),
        ("Root:1-67891233-abcdef012345678912345678", True),
        ("two words", False),
        ("<script>alert(1)</script>", False),
        ('id"=injected', False),
        ("x" * 129, False),
    ],
)
def test_a_sane_incoming_id_is_kept_and_any_other_replaced(client: TestClient, sent: str, kept: bool) -> None:
    returned = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    if kept:
        assert returned == sent
    else:
        assert GENERATED_ID.fullmatch(returned)


def test_every_line_written_while_serving_a_request_carries_its_id(
    client: TestClient, app: FastAPI, json_lines: Captured
) -> None:
    with_a_fault(app)
    answered = client.get("/api/v1/test-fault", headers={"X-Request-ID": "req-fault-1"})
    assert answered.status_code == 500
    assert answered.headers["X-Request-ID"] == "req-fault-1"

    written = json_lines.records()
    by_logger = {record["logger"]: record for record in written}
    assert {"benefits.test", "benefits.api", "benefits.access"} <= set(by_logger)
    assert all(record["request_id"] == "req-fault-1" for record in written), written
    assert by_logger["benefits.test"]["step"] == 2  # fields passed as `extra` are kept as fields
    assert by_logger["benefits.test"]["level"] == "warning"
    assert "RuntimeError: a defect" in by_logger["benefits.api"]["exception"]  # the traceback, inside the object
    # The next request's lines carry the next request's id, not this one's.
    json_lines.stream.truncate(0)
    json_lines.stream.seek(0)
    client.get("/api/v1/initiatives", headers={"X-Request-ID": "req-next-2"})
    assert [record["request_id"] for record in json_lines.records()] == ["req-next-2"]


def test_one_access_line_per_request_with_method_path_status_and_duration(
    client: TestClient, json_lines: Captured
) -> None:
    started = time.perf_counter()
    answered = client.get("/api/v1/benefits/999999")
    took_ms = (time.perf_counter() - started) * 1000
    access = [record for record in json_lines.records() if record["logger"] == "benefits.access"]
    assert len(access) == 1
    line = access[0]
    assert line["event"] == "request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/benefits/999999", 404)
    assert line["request_id"] == answered.headers["X-Request-ID"]
    assert 0 < line["duration_ms"] <= took_ms
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line["timestamp"])


def test_a_path_cannot_forge_a_log_line(client: TestClient, text_lines: Captured) -> None:
    forged = "/api/v1/benefits/1%0D%0Atimestamp=forged%20level=error%0D%1B[2J"
    client.get(forged)
    lines = [line for line in text_lines.lines() if "logger=httpx" not in line]
    assert not [line for line in lines if line.startswith("timestamp=forged")]
    access = [line for line in lines if "logger=benefits.access" in line]
    assert len(access) == 1 and forged in access[0]
    assert "\x1b" not in access[0] and "\r" not in access[0]


def test_the_probes_and_the_scrape_write_no_access_line_unless_debugging(
    anonymous: TestClient, json_lines: Captured
) -> None:
    for path in ("/healthz", "/metrics"):
        assert anonymous.get(path).status_code == 200
    assert [record for record in json_lines.records() if record["logger"] == "benefits.access"] == []
    logging.getLogger().setLevel(logging.DEBUG)
    anonymous.get("/healthz")
    assert [record["path"] for record in json_lines.records() if record["logger"] == "benefits.access"] == ["/healthz"]


def test_text_lines_read_as_key_value_with_the_traceback_beneath(
    client: TestClient, app: FastAPI, text_lines: Captured
) -> None:
    with_a_fault(app)
    client.get("/api/v1/test-fault", headers={"X-Request-ID": "req-text-3"})
    lines = text_lines.lines()
    access = next(line for line in lines if "logger=benefits.access" in line)
    fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', access))
    assert list(fields)[:5] == ["timestamp", "level", "logger", "event", "request_id"]
    assert fields["request_id"] == "req-text-3"
    assert fields["status"] == "500"
    assert fields["path"] == "/api/v1/test-fault"
    failure = next(index for index, line in enumerate(lines) if "logger=benefits.api" in line)
    assert "request_id=req-text-3" in lines[failure]
    assert lines[failure + 1] == "Traceback (most recent call last):"
    assert "RuntimeError: a defect" in lines


def test_the_log_settings_take_any_case_and_refuse_what_they_do_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENEFITS_LOG_FORMAT", "JSON")
    monkeypatch.setenv("BENEFITS_LOG_LEVEL", "warning")
    settings = Settings()
    assert (settings.log_format, settings.log_level) == ("json", "WARNING")
    monkeypatch.setenv("BENEFITS_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings()
    monkeypatch.delenv("BENEFITS_LOG_FORMAT")
    monkeypatch.delenv("BENEFITS_LOG_LEVEL")
    assert (Settings().log_format, Settings().log_level) == ("text", "INFO")


def test_the_set_up_routes_every_logger_through_one_handler_and_keeps_out_the_noise() -> None:
    # In a process of its own: the set-up replaces the root logger's handlers, which this run's capture needs.
    script = """
import logging
from benefits.logs import configure_logging
configure_logging(log_format="json", level="INFO")
logging.getLogger("uvicorn.error").info("Application startup complete.")
logging.getLogger("uvicorn.access").info("127.0.0.1 - GET / 200")
logging.getLogger("asgi_correlation_id").warning("Generated new request ID")
logging.getLogger("sqlalchemy.engine.Engine").info("SELECT 1")
logging.getLogger("benefits.api").debug("below the level")
logging.getLogger("benefits.api").error("database unavailable", extra={"kind": "unavailable"})
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("uvicorn.error", "Application startup complete."),
        ("benefits.api", "database unavailable"),
    ]
    assert lines[1]["kind"] == "unavailable"
    assert "color_message" not in lines[0]
    assert done.stdout == ""
