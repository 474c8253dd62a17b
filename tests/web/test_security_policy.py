"""The pages and the API docs work in Chromium under the security headers' policy: nothing they need is refused."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.web.test_pages import _sign_in


@pytest.fixture
def violations(page: Page) -> Iterator[list[str]]:
    """What the browser's console says the policy refused, while the test runs."""
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    yield refused


def test_the_pages_and_the_docs_work_under_the_policy(page: Page, site: str, violations: list[str]) -> None:
    _sign_in(page, site, "Priya Patel")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    page.get_by_role("link", name="Customer Access Programme").click()  # charts, htmx and the board's script
    page.wait_for_load_state("networkidle")
    for path in ("/finance", "/reviews", "/account/tokens", "/people"):
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
    # htmx ran (it adds its indicator style on start, which the policy allows by hash).
    assert page.evaluate("typeof htmx") == "object"
    page.goto(site + "/docs")
    expect(page.locator(".opblock-get", has_text="/api/v1/initiatives").first).to_be_visible(timeout=30_000)
    page.goto(site + "/redoc")
    expect(page.get_by_text("/api/v1/initiatives").first).to_be_attached(timeout=30_000)
    page.wait_for_load_state("networkidle")
    # ReDoc's script hard-codes its logo on the vendor's CDN: the policy refuses it, as a network offline would.
    assert [text for text in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in text] == []
