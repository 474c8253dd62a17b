"""The application factory: the REST API, its error mapping and its limits."""

from fastapi import FastAPI

from api.docs import install_docs
from api.limits import BodySizeLimit
from api.problems import install_problem_handlers
from api.routes import (
    appraisal,
    audit,
    benefits,
    confirmations,
    cost_centres,
    finance,
    health,
    initiatives,
    measures,
    models,
    people,
    reviews,
    tokens,
    workbooks,
)
from benefits.settings import Settings, get_settings
from web import pages

DESCRIPTION = (
    "Tie every promised benefit to a model of the service, move it through opportunity, scoped, planned and "
    "delivered, and tell cash from capacity. Errors are RFC 9457 problem+json; single resources carry ETags "
    "and PATCH/PUT honour If-Match."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application; it holds no state between requests, so many workers can serve one database."""
    settings = settings or get_settings()
    # /docs and /redoc are served from local files (api.docs), so they work on a network without the internet.
    app = FastAPI(title="Benefits realisation", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None)
    install_docs(app)
    install_problem_handlers(app)
    app.include_router(health.router)
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
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes)

    # The pages share the app (and the domain) with the API.
    pages.install(app)
    return app
