"""The API docs work on a network without the internet: every file /docs and /redoc need comes from this server."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

OPENAPI_WAIT = 30_000  # milliseconds for the docs to fetch and draw the document


@pytest.fixture
def offline(browser: Browser, site: str) -> Iterator[tuple[Page, list[str]]]:
    """A page whose browser reaches only the test server; the addresses it was refused are collected."""
    context: BrowserContext = browser.new_context(locale="en-GB")
    ours = urlsplit(site).netloc
    refused: list[str] = []

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            refused.append(f"{route.request.resource_type} {route.request.url}")
            route.abort()

    context.route("**/*", only_ours)
    yield context.new_page(), refused
    context.close()


def test_the_docs_render_the_operations_with_no_outside_request(offline: tuple[Page, list[str]], site: str) -> None:
    page, refused = offline
    answer = page.goto(site + "/docs")  # not signed in: the docs are open, as the README says
    assert answer is not None and answer.status == 200
    operation = page.locator(".opblock-get", has_text="/api/v1/initiatives").first
    # The first /openapi.json of a process is generated on the spot: on a busy machine that outlasts 5 seconds.
    expect(operation).to_be_visible(timeout=OPENAPI_WAIT)
    expect(operation).to_contain_text("GET")
    page.wait_for_load_state("networkidle")
    assert refused == []


def test_redoc_renders_with_no_outside_request(offline: tuple[Page, list[str]], site: str) -> None:
    page, refused = offline
    answer = page.goto(site + "/redoc")
    assert answer is not None and answer.status == 200
    expect(page.get_by_text("/api/v1/initiatives").first).to_be_attached(timeout=OPENAPI_WAIT)
    page.wait_for_load_state("networkidle")
    # ReDoc's script hard-codes its "API docs by Redocly" logo on the vendor's CDN: offline only that picture is lost.
    assert [address for address in refused if not address.endswith("cdn.redoc.ly/redoc/logo-mini.svg")] == []


def test_the_docs_and_the_document_are_open_and_name_no_other_host(anonymous: TestClient) -> None:
    assert anonymous.get("/openapi.json").status_code == 200
    for path in ("/docs", "/redoc"):
        answer = anonymous.get(path)
        assert answer.status_code == 200
        assert "http://" not in answer.text and "https://" not in answer.text, path
    assert anonymous.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
