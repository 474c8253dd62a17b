"""The portfolio dashboard a page at a time in real Chromium: page links that keep the sort and filters, and the
totals of every initiative chosen, with JavaScript and without; it passes axe and fits a phone."""

import re
from decimal import Decimal

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

EXAMPLE = "Customer Access Programme"
DASH = "\u2013"  # between the first and the last shown, as the caption writes it
MORE = 62  # beside the worked example: 63 initiatives, two pages of 50


@pytest.fixture(scope="module")
def big_site(site: str) -> str:
    """The worked example beside 62 more initiatives (made by the admin), so the portfolio spans two pages."""
    signed_in = httpx2.post(f"{site}/api/v1/auth/token", json={"login": "admin", "password": PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    for name in ("Zed Young", "Amy Bell"):  # the owners: people in the service, named officers who never sign in
        officer = httpx2.post(f"{site}/api/v1/users", json={"name": name, "role": "viewer"}, headers=headers)
        assert officer.status_code == 201, officer.text
    for number in range(MORE):
        fields = {"name": f"Service review {number:02d}", "owner": "Zed Young" if number % 2 else "Amy Bell"}
        made = httpx2.post(f"{site}/api/v1/initiatives", json=fields, headers=headers)
        assert made.status_code == 201, made.text
    return site


def _names(page: Page) -> list[str]:
    return page.locator("#portfolio tbody th[scope=row]").all_inner_texts()


def _pounds(text: str) -> Decimal:
    """A sum of money as the page writes it (£1,234 or -£1,234) as a number."""
    return Decimal(text.strip().replace("£", "").replace(",", "") or 0)


def _pages_and_totals(page: Page, site: str, scripts: bool) -> None:
    _sign_in(page, site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.locator("#portfolio caption")).to_contain_text(f"(1{DASH}50 of 63 shown)")
    assert len(_names(page)) == 50
    pages = page.get_by_role("navigation", name="Pages of initiatives")
    expect(pages.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")

    # Sorted by cash at risk, largest first: the example leads, and the next page keeps the sort.
    page.locator("#portfolio thead").get_by_role("link", name="Cash at risk", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=cash_at_risk&order=desc$"))
    expect(page.locator("#portfolio tbody th[scope=row]").first).to_have_text(EXAMPLE)
    first_page = _names(page)
    # The column under the "Cash at risk" heading, wherever the table places it.
    headings = page.locator("#portfolio thead th").all_inner_texts()
    column = next(number for number, text in enumerate(headings, start=1) if "Cash at risk" in text)
    risks = page.locator(f"#portfolio tbody tr td:nth-child({column})").all_inner_texts()
    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"sort=cash_at_risk&order=desc&page=2$"))
    expect(page.locator("#portfolio caption")).to_contain_text(f"(51{DASH}63 of 63 shown)")
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    second_page = _names(page)
    risks += page.locator(f"#portfolio tbody tr td:nth-child({column})").all_inner_texts()
    assert len(second_page) == 13 and not set(first_page) & set(second_page)
    assert {*first_page, *second_page} == {EXAMPLE, *(f"Service review {n:02d}" for n in range(MORE))}
    if scripts:
        assert serious_accessibility_problems(page) == []

    # The totals: of all 63 initiatives, whichever page shows; without scripts a link asks for them.
    if not scripts:
        page.get_by_role("link", name="Show the totals of all 63 initiatives chosen").click()
        expect(page).to_have_url(re.compile(r"totals=1#totals$"))
    totals = page.locator("#totals")
    expect(totals.get_by_role("heading", name="Totals of 63 initiatives")).to_be_visible()
    at_risk = totals.get_by_role("row", name="Cash at risk").get_by_role("cell")
    assert _pounds(at_risk.inner_text()) == sum(_pounds(text) for text in risks) > 0

    # A filter goes back to the first page of what it chooses, and the totals follow it.
    page.get_by_label("Owner", exact=True).select_option("Zed Young")
    if not scripts:
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#portfolio caption")).to_contain_text(f"(1{DASH}31 of 31 shown)")
    expect(page).not_to_have_url(re.compile(r"page="))
    expect(page.get_by_role("navigation", name="Pages of initiatives")).to_have_count(0)
    if not scripts:
        page.get_by_role("link", name="Show the totals of all 31 initiatives chosen").click()
    expect(totals.get_by_role("heading", name="Totals of 31 initiatives")).to_be_visible()
    expect(totals.get_by_role("row", name="Cash at risk")).to_contain_text("£0")
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "portfolio-paged" + ("" if scripts else "-without-javascript"))


def test_the_portfolio_pages_with_javascript(page: Page, big_site: str) -> None:
    _pages_and_totals(page, big_site, scripts=True)


def test_the_portfolio_pages_without_javascript(no_scripts: Page, big_site: str) -> None:
    _pages_and_totals(no_scripts, big_site, scripts=False)


def test_a_page_past_the_end_shows_the_last_and_a_page_that_is_no_number_is_said(page: Page, big_site: str) -> None:
    _sign_in(page, big_site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    page.goto(f"{big_site}/?page=9")
    expect(page.locator("#portfolio caption")).to_contain_text(f"(51{DASH}63 of 63 shown)")
    answer = page.goto(f"{big_site}/?page=second")
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("A page is a whole number from 1, so the first page is shown.")
    expect(page.locator("#portfolio caption")).to_contain_text(f"(1{DASH}50 of 63 shown)")


def test_the_paged_portfolio_fits_a_phone(page: Page, big_site: str) -> None:
    _sign_in(page, big_site, "Victor Shaw")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#totals").get_by_role("heading", name="Totals of 63 initiatives")).to_be_visible()
    region = page.get_by_role("region", name="Initiatives, scrolling sideways")
    box = region.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    assert serious_accessibility_problems(page) == []
    screenshot(page, "portfolio-paged-390")
