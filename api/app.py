"""The application factory: the REST API, its error mapping, its limits, its security headers and what it tells
an operator (request ids, access lines, metrics)."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from api.docs import DOCS_URL, REDOC_URL, install_docs
from api.limits import BodySizeLimit, SecurityHeaders
from api.methods import operation_id
from api.observability import ServiceMetrics, install_metrics, observe
from api.problems import document_problems, install_outage_handlers, install_problem_handlers
from api.routes import (
    appraisal,
    audit,
    benefits,
    confirmations,
    cost_centres,
    demand,
    finance,
    health,
    initiatives,
    measures,
    models,
    people,
    reviews,
    status,
    tokens,
    work,
    workbooks,
)
from benefits.db import get_engine
from benefits.settings import Settings, get_settings
from benefits.workbooks import export_process
from web.install import install as install_pages

DESCRIPTION = (
    "Tie every promised benefit to a model of the service, move it through opportunity, scoped, planned and "
    "delivered, and tell cash from capacity. Errors are RFC 9457 problem+json; single resources carry ETags "
    "and PATCH/PUT honour If-Match."
)


# Allocations between two collections of the garbage collector's youngest generation (Python's default: 700).
GC_YOUNGEST_THRESHOLD = 10_000


class BenefitsApp(FastAPI):
    """The FastAPI application with its request ids, observation and security headers outside everything, so the
    server-error answer has them too."""

    def __init__(self, *, trusted_proxies: str, metrics: ServiceMetrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trusted_proxies = trusted_proxies
        self.metrics = metrics

    def openapi(self) -> dict[str, Any]:
        """The framework's document, with the problem document's schemas the refusals refer to."""
        if self.openapi_schema is None:
            self.openapi_schema = document_problems(super().openapi())
        return self.openapi_schema

    def build_middleware_stack(self) -> ASGIApp:
        """The framework's stack (whose outermost layer answers unexpected errors), observed, then the headers."""
        # The oauth2 redirect page is Swagger UI's too, with its own inline script.
        docs = {DOCS_URL, REDOC_URL, self.swagger_ui_oauth2_redirect_url or f"{DOCS_URL}/oauth2-redirect"}
        observed = observe(super().build_middleware_stack(), metrics=self.metrics, routes=self.routes)
        return SecurityHeaders(observed, trusted_proxies=self.trusted_proxies, docs_paths=docs)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application; it holds no state between requests, so many workers can serve one database."""
    settings = settings or get_settings()
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What start-up imported and built (some 200,000 objects: models, routes, schemas) lives as long as the
        # process. Frozen, it is left out of the garbage collector's passes, which would otherwise walk all of it
        # every few requests of a register read (each makes tens of thousands of objects): more than the read costs.
        # No collection first: start-up leaves some 4,000 unreachable objects (a few hundred KiB, kept for the
        # process's life) among 300,000 live ones, and a full pass to free them took 0.12-0.17 s of every start.
        gc.freeze()
        # A register read allocates some 30,000 objects and frees nearly all of them by reference counting; at the
        # default threshold of 700 the youngest generation was collected about 45 times a read, for nothing.
        gc.set_threshold(GC_YOUNGEST_THRESHOLD, 10, 10)
        gc.enable()  # `benefits serve` imports the app with the collector off (see benefits.cli)
        yield
        # The server runs this once the requests in flight have finished: close the pool the requests used
        # (PostgreSQL sees each session end rather than a dropped socket), end the export processes, and leave the
        # workers' shared metrics.
        get_engine().dispose()
        export_process.shutdown()
        metrics.process_ends()

    # /docs and /redoc are served from local files (api.docs), so they work on a network without the internet.
    app = BenefitsApp(
        title="Benefits realisation",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        trusted_proxies=settings.forwarded_allow_ips,
        metrics=metrics,
        lifespan=lifespan,
        # Operation ids are the handlers' names (`list_initiatives`), so a generated client reads naturally.
        generate_unique_id_function=operation_id,
        # One schema per model for requests and responses alike: a generated client gets one `StageWeights`.
        separate_input_output_schemas=False,
    )
    install_docs(app)
    install_problem_handlers(app)
    app.include_router(health.router)
    install_metrics(app, metrics)
    # Before the benefits router, so /benefits/import-template.xlsx is not taken for a benefit's id.
    app.include_router(workbooks.router)
    app.include_router(initiatives.router)
    app.include_router(benefits.router)
    app.include_router(confirmations.router)
    app.include_router(people.router)
    app.include_router(tokens.router)
    app.include_router(tokens.auth_router)
    app.include_router(audit.router)
    app.include_router(models.router)
    app.include_router(appraisal.router)
    app.include_router(finance.router)
    app.include_router(cost_centres.router)
    app.include_router(measures.router)
    app.include_router(reviews.router)
    app.include_router(status.router)
    app.include_router(work.router)
    app.include_router(demand.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes)

    # The pages share the app (and the domain) with the API.
    install_pages(app)
    # After the pages' own refusals: an outage is answered the same way on every path, without the database.
    install_outage_handlers(
        app,
        retry_after=settings.database_retry_after_seconds,
        log_interval=settings.database_log_interval_seconds,
    )
    return app
