"""Wide content fits, in real Chromium at 1366 px and at 390 px: the initiative page (board and register), the
cause-and-effect map, the appraisal, the finance page, the costs and a benefit's page never scroll sideways as a
whole; each wide table or map scrolls inside its own named, focusable region; a period such as 2026-27 is never
broken across two lines."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_numbers_on_pages import DISCOUNT_FACTOR, too_precise
from tests.web.test_pages import _sign_in

WIDTHS = (1366, 390)
PAGES = ("initiative", "map", "appraisal", "finance", "costs", "benefit")
CONFIRMED = "Phone transactions shifted to the web"  # an example benefit with cash confirmed and a baseline

# Every cell, heading or figure holding a period alone (2026-27, 2026-27 Q1): how many lines its text is laid out on.
PERIOD_LINES = """() => {
  const period = /^\\d{4}-\\d{2}( Q[1-4])?$/;
  return [...document.querySelectorAll("th, td, dd")]
    .filter(cell => period.test(cell.textContent.trim()))
    .map(cell => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      return [cell.textContent.trim(), tops.size];
    });
}"""
# Whatever is wider than its box and scrolls: it must be a region with a name that a keyboard can reach.
SCROLLERS = """() => [...document.querySelectorAll("main *")]
  .filter(el => el.scrollWidth > el.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
  .map(el => [el.tagName, el.getAttribute("role"), el.getAttribute("aria-label") || el.getAttribute("aria-labelledby"),
              el.tabIndex])"""


@pytest.fixture
def wide_page(browser: Browser) -> Iterator[Page]:
    """A fresh context; the pages keep their content security policy (axe-core is evaluated, which it allows)."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


def _addresses(page: Page, site: str) -> dict[str, str]:
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    initiative = page.url.split("?")[0].split("#")[0]
    benefit = page.get_by_role("link", name=CONFIRMED).first.get_attribute("href")
    return {"initiative": initiative, "map": initiative + "/map", "appraisal": initiative + "/appraisal",
            "finance": site + "/finance", "costs": initiative + "/costs", "benefit": f"{site}{benefit}"}  # fmt: skip


def test_wide_content_scrolls_in_its_own_region_and_years_stay_whole(wide_page: Page, site: str) -> None:
    page = wide_page
    _sign_in(page, site, "Frank Okafor")
    addresses = _addresses(page, site)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name in PAGES:
            page.goto(addresses[name])
            expect(page.locator("h1")).to_be_visible()
            sideways = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert sideways[0] <= sideways[1], (name, width, sideways)
            periods = page.evaluate(PERIOD_LINES)
            assert periods or name == "map", (name, "no period shown to measure")
            broken = [text for text, lines in periods if lines != 1]
            assert broken == [], (name, width, broken)
            scrollers = page.evaluate(SCROLLERS)
            unnamed = [item for item in scrollers if item[1] != "region" or not item[2] or item[3] != 0]
            assert unnamed == [], (name, width, unnamed)
            assert serious_accessibility_problems(page) == [], (name, width)
            # Read as finance reads it (no edit form): no stored value such as 274031.2337 in place of a figure.
            numbers = too_precise(page.locator("main").inner_text())
            assert [number for number in numbers if not DISCOUNT_FACTOR.fullmatch(number)] == [], (name, numbers)
            screenshot(page, f"wide-{name}-{width}")


def test_the_map_scrolls_by_keyboard_at_390_px(wide_page: Page, site: str) -> None:
    page = wide_page
    page.set_viewport_size({"width": 390, "height": 900})
    _sign_in(page, site, "Victor Shaw")
    page.goto(_addresses(page, site)["map"])
    region = page.get_by_role("region", name=re.compile("Cause-and-effect map"))
    expect(region).to_be_visible()
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Scrolling by keyboard may be smooth: wait for it to move rather than read it at once.
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5000)


def test_a_benefit_page_with_every_form_on_it_fits_at_390_px(wide_page: Page, site: str) -> None:
    page = wide_page
    _sign_in(page, site, "Priya Patel")
    page.goto(_addresses(page, site)["benefit"])
    expect(page.get_by_role("button", name=f"Move {CONFIRMED} back")).to_be_visible()  # an editor's page
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), width
        assert serious_accessibility_problems(page) == [], width
        screenshot(page, f"wide-benefit-editor-{width}")
