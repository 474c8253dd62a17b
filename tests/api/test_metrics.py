"""Prometheus metrics at /metrics: requests by route template and status, latency, requests in flight, the pool."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from api.app import create_app
from benefits.db import engine_for, get_engine
from benefits.settings import get_settings
from tests.conftest import FreshDatabase

BENEFIT_ROUTE = "/api/v1/benefits/{benefit_id}"


def scrape(client: TestClient) -> dict[str, list[Sample]]:
    """The samples of one scrape, by metric family."""
    answered = client.get("/metrics")
    assert answered.status_code == 200
    assert answered.headers["content-type"].startswith("text/plain; version=")
    return {family.name: family.samples for family in text_string_to_metric_families(answered.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The one sample called `name` whose labels include `labels` (0 when there is none)."""
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, found
    return found[0] if found else 0.0


def test_requests_are_counted_by_route_template_and_status(client: TestClient, app: FastAPI) -> None:
    made = client.post("/api/v1/initiatives", json={"name": "Contact centre"}).json()
    benefit = client.post(f"/api/v1/initiatives/{made['id']}/benefits", json={"title": "Calls avoided"}).json()
    assert client.get(f"/api/v1/benefits/{benefit['id']}").status_code == 200
    for missing in (999_001, 999_002, 999_003):
        assert client.get(f"/api/v1/benefits/{missing}").status_code == 404
    for stray in ("/wp-login.php", "/.env", "/api/v9/anything"):
        assert client.get(stray).status_code == 404

    metrics = scrape(client)
    requests = metrics["benefits_http_requests"]
    assert value(requests, "benefits_http_requests_total", method="GET", route=BENEFIT_ROUTE, status="200") == 1
    assert value(requests, "benefits_http_requests_total", method="GET", route=BENEFIT_ROUTE, status="404") == 3
    assert value(requests, "benefits_http_requests_total", route="/api/v1/initiatives", status="201") == 1
    # Paths no route answers share one label, so a scan for pages cannot add a series per path.
    assert value(requests, "benefits_http_requests_total", route="unmatched", status="404") == 3
    # Every label is one of the API's own path templates, never a path as it was asked for.
    templates = set(app.openapi()["paths"]) | {"unmatched"}
    assert {sample.labels["route"] for sample in requests} <= templates


def test_latency_is_a_histogram_by_route(client: TestClient) -> None:
    for missing in (999_001, 999_002):
        client.get(f"/api/v1/benefits/{missing}")
    client.get("/static/site.css")
    latency = scrape(client)["benefits_http_request_duration_seconds"]
    name = "benefits_http_request_duration_seconds"
    assert value(latency, f"{name}_count", method="GET", route=BENEFIT_ROUTE) == 2
    assert value(latency, f"{name}_bucket", method="GET", route=BENEFIT_ROUTE, le="+Inf") == 2
    assert 0 < value(latency, f"{name}_sum", method="GET", route=BENEFIT_ROUTE) < 60
    assert value(latency, f"{name}_count", method="GET", route="/static/{path}") == 1


def test_requests_in_flight_count_the_scrape_itself(anonymous: TestClient) -> None:
    assert value(scrape(anonymous)["benefits_http_requests_in_flight"], "benefits_http_requests_in_flight") == 1
    # Once answered, the scrape is counted as a request and no longer in flight.
    metrics = scrape(anonymous)
    assert value(metrics["benefits_http_requests_in_flight"], "benefits_http_requests_in_flight") == 1
    assert value(metrics["benefits_http_requests"], "benefits_http_requests_total", route="/metrics") == 1


def test_metrics_are_open_like_the_probes_and_outside_the_api_document(anonymous: TestClient, app: FastAPI) -> None:
    assert anonymous.get("/metrics").status_code == 200
    assert "/metrics" not in app.openapi()["paths"]


@pytest.fixture
def served_engine(fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The settings' database is a fresh one of this run's kind, so /metrics reads that engine's pool."""
    url = fresh_databases.url()
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        engine_for(url).dispose()
        get_settings.cache_clear()


def test_the_pool_is_read_from_the_engine_at_scrape_time(served_engine: str) -> None:
    client = TestClient(create_app())
    pool = get_engine().pool
    with get_engine().connect(), get_engine().connect():
        metrics = scrape(client)
        assert value(metrics["benefits_db_pool_checkedout"], "benefits_db_pool_checkedout") == 2
        assert value(metrics["benefits_db_pool_size"], "benefits_db_pool_size") == pool.size()  # type: ignore[attr-defined]
        # Two connections opened of a pool of `size`: the overflow reads how far below full it is.
        assert value(metrics["benefits_db_pool_overflow"], "benefits_db_pool_overflow") == 2 - pool.size()  # type: ignore[attr-defined]
    metrics = scrape(client)
    assert value(metrics["benefits_db_pool_checkedout"], "benefits_db_pool_checkedout") == 0
    assert value(metrics["benefits_db_pool_checkedin"], "benefits_db_pool_checkedin") == 2
