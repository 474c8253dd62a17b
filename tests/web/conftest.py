"""The browser tests' world: the worked example served by a real server, and Debian's Chromium to drive it."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.server import running_server

PASSWORD = "example-password-for-tests"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # axe-core 4.14.1, pinned
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; `make test` installs it from Debian")
        pytest.skip("chromium is not installed")
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The worked example, migrated and loaded by the command line, served on a free port (one per test module)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}"
    environment = {**os.environ, "BENEFITS_DATABASE_URL": url, "BENEFITS_EXAMPLE_PASSWORD": PASSWORD,
                   "BENEFITS_ADMIN_PASSWORD": PASSWORD}  # fmt: skip
    for command in (["db", "upgrade"], ["example", "load"]):
        subprocess.run([sys.executable, "-m", "benefits.cli", *command], env=environment, check=True,
                       capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
    with running_server(url) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and its page."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def no_scripts(browser: Browser) -> Iterator[Page]:
    """A fresh context with JavaScript switched off (no cookies), and its page."""
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page as a test artefact."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_accessibility_problems(page: Page) -> list[str]:
    """What axe-core finds on the page that is serious or critical."""
    # Evaluated, not added as a <script> element: the pages' Content-Security-Policy refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("async () => (await axe.run()).violations.map(v => [v.impact, v.id, v.help])")
    return [f"{impact}: {rule} ({text})" for impact, rule, text in found if impact in ("serious", "critical")]


def csrf_of(page: Page) -> str:
    """The CSRF token of the page's first form (bound to the browser's session, so the cookie alone is not it)."""
    return page.locator("input[name=csrf]").first.get_attribute("value") or ""
