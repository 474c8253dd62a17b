"""What an operator sees of each request: its id, an access log line, and Prometheus metrics at /metrics."""

import logging
import os
import re
import time
from collections.abc import Iterable, Sequence

from asgi_correlation_id import CorrelationIdMiddleware
from asgi_correlation_id.context import correlation_id
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from benefits.db import get_engine
from benefits.logs import request_context

REQUEST_ID_HEADER = "X-Request-ID"
METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # every path no route answers shares one label, so a scan cannot grow the series

# An incoming id is kept when it is one short token (a UUID, a proxy's hex id, a trace id); anything else,
# which could break a log line or carry someone's data, is replaced by a new one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# The probes and the scrape come every few seconds; their lines are wanted only when debugging.
_QUIET_PATHS = {"/healthz", "/readyz", METRICS_PATH}

access_log = logging.getLogger("benefits.access")


def sane_request_id(value: str) -> bool:
    """Whether an incoming X-Request-ID is kept as this request's id."""
    return _SANE_REQUEST_ID.fullmatch(value) is not None


def current_request_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return correlation_id.get()


def multiprocess_dir() -> str | None:
    """Where worker processes share their metrics (prometheus-client's multiprocess mode), when set."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class PoolCollector(Collector):
    """The database pool as the engine reports it at scrape time: size, connections checked out and in, overflow."""

    READINGS = (
        ("size", "Connections the pool keeps open"),
        ("checkedout", "Connections in use by requests now"),
        ("checkedin", "Idle connections held by the pool"),
        ("overflow", "Connections opened beyond the pool's size (negative while the pool is not yet full)"),
    )

    def collect(self) -> Iterable[Metric]:
        """One gauge per reading the engine's pool offers (SQLite's simpler pools offer fewer)."""
        pool = get_engine().pool
        for name, description in self.READINGS:
            reading = getattr(pool, name, None)
            if callable(reading):
                yield GaugeMetricFamily(f"benefits_db_pool_{name}", description, value=float(reading()))


class ServiceMetrics:
    """The app's own metrics: requests by route template and status, their latency, and those in flight."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "benefits_http_requests",
            "Requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "benefits_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "benefits_http_requests_in_flight",
            "Requests being answered now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.registry.register(PoolCollector())

    def exposition(self) -> bytes:
        """The text a Prometheus scrape reads: this process's metrics, or every worker's in multiprocess mode."""
        shared = multiprocess_dir()
        if shared is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=shared)
        registry.register(PoolCollector())  # the pool of the worker that answers the scrape
        return generate_latest(registry)

    @staticmethod
    def process_ends() -> None:
        """Take this worker's live gauges out of the shared sums when it stops."""
        shared = multiprocess_dir()
        if shared is not None:
            mark_process_dead(os.getpid(), path=shared)


def route_template(scope: Scope, routes: Sequence[BaseRoute] = ()) -> str:
    """The path pattern the router matched (`/api/v1/benefits/{benefit_id}`), or one label for no match."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if isinstance(template, str) and template:
        return template
    # A mounted app (the static files) is not named in the scope as a route is; its endpoint is.
    endpoint = scope.get("endpoint")
    for mount in routes:
        if isinstance(mount, Mount) and endpoint is not None and mount.app is endpoint:
            return f"{mount.path}/{{path}}"
    return UNMATCHED


class ObservedRequests:
    """Counts and times each request, logs one access line for it, and binds its id to every line logged meanwhile.

    It sits outside the framework's own stack, so answers to unexpected errors are counted and logged too.
    """

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what a request that ends in an error before any answer counts as
        started = time.perf_counter()

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with request_context(current_request_id() or ""), self.metrics.in_flight.track_inprogress():
            try:
                await self.app(scope, receive, noting_status)
            finally:
                self._observe(scope, status, time.perf_counter() - started)

    @staticmethod
    def _method(scope: Scope) -> str:
        method = str(scope.get("method", ""))
        return method if method in _METHODS else "other"

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = self._method(scope), route_template(scope, self.routes)
        self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
        self.metrics.latency.labels(method=method, route=route).observe(seconds)
        path = scope.get("path", "")
        access_log.log(
            logging.DEBUG if path in _QUIET_PATHS else logging.INFO,
            "request",
            extra={
                "method": scope.get("method", ""),
                "path": _as_sent(scope),
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )


def _as_sent(scope: Scope) -> str:
    """The path as the client sent it, still percent-encoded: a %0D%0A in it cannot start a forged log line."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("ascii", errors="backslashreplace")
    return str(scope.get("path", "")).encode("unicode_escape").decode("ascii")


def observe(app: ASGIApp, *, metrics: ServiceMetrics, routes: Sequence[BaseRoute] = ()) -> ASGIApp:
    """The app wrapped so each request has an id (kept from a sane X-Request-ID, else made) and is observed."""
    observed = ObservedRequests(app, metrics=metrics, routes=routes)
    return CorrelationIdMiddleware(observed, header_name=REQUEST_ID_HEADER, validator=sane_request_id)


def install_metrics(app: FastAPI, metrics: ServiceMetrics) -> None:
    """Serve the metrics at /metrics, outside the OpenAPI document (it is for the scraper, not for integrations)."""

    def scrape() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(METRICS_PATH, scrape, methods=["GET"], include_in_schema=False)
