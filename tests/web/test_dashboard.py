"""The portfolio dashboard sorted and filtered in real Chromium: by links and a form, with JavaScript and without."""

import re

import httpx2
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

EXAMPLE = "Customer Access Programme"
ALLOTMENTS = "Allotment bookings online"
WASTE = "Waste collection rota"


@pytest.fixture(scope="module")
def portfolio_site(site: str) -> str:
    """The worked example beside two more (made by the admin): one owned by a named officer, one with no owner."""
    signed_in = httpx2.post(f"{site}/api/v1/auth/token", json={"login": "admin", "password": PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    # An owner is a person in the service: a named officer, who never signs in.
    officer = httpx2.post(f"{site}/api/v1/users", json={"name": "Zed Young", "role": "viewer"}, headers=headers)
    assert officer.status_code == 201, officer.text
    for fields in ({"name": ALLOTMENTS, "owner": "Zed Young"}, {"name": WASTE}):
        made = httpx2.post(f"{site}/api/v1/initiatives", json=fields, headers=headers)
        assert made.status_code == 201, made.text
    return site


def _expect_names(page: Page, names: list[str]) -> None:
    """The initiatives the table shows, in order (waiting for htmx's swap)."""
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_text(names)


def _heading(page: Page, label: str) -> Locator:
    return page.locator("#portfolio thead th").filter(has=page.get_by_role("link", name=label, exact=True))


def _sorts_and_filters(page: Page, site: str, scripts: bool) -> None:
    _sign_in(page, site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    _expect_names(page, [ALLOTMENTS, EXAMPLE, WASTE])
    expect(_heading(page, "Initiative")).to_have_attribute("aria-sort", "ascending")

    page.get_by_role("link", name="Economic NPV", exact=True).click()
    expect(_heading(page, "Economic NPV")).to_have_attribute("aria-sort", "descending")
    expect(_heading(page, "Initiative")).not_to_have_attribute("aria-sort", "ascending")
    expect(page).to_have_url(re.compile(r"sort=economic_npv&order=desc$"))
    expect(page.locator("#portfolio tbody th[scope=row]").first).to_have_text(EXAMPLE)
    page.get_by_role("link", name="Economic NPV", exact=True).click()
    expect(_heading(page, "Economic NPV")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#portfolio tbody tr").last).to_contain_text(EXAMPLE)

    page.get_by_role("link", name="Owner", exact=True).click()
    expect(_heading(page, "Owner")).to_have_attribute("aria-sort", "ascending")
    _expect_names(page, [EXAMPLE, ALLOTMENTS, WASTE])  # Priya Patel, Zed Young, then no owner
    page.get_by_role("link", name="Owner", exact=True).click()
    expect(_heading(page, "Owner")).to_have_attribute("aria-sort", "descending")
    _expect_names(page, [ALLOTMENTS, EXAMPLE, WASTE])  # no owner stays last
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "portfolio-sorted" + ("" if scripts else "-without-javascript"))

    # Filters keep the sort the headings chose.
    page.get_by_label("Only with signals").check()
    if not scripts:
        page.get_by_role("button", name="Show").click()
    _expect_names(page, [EXAMPLE])
    expect(page).to_have_url(re.compile(r"signals=1.*sort=owner|sort=owner.*signals=1"))
    page.get_by_label("Only with signals").uncheck()
    page.get_by_label("Only with cash at risk").check()
    page.get_by_role("button", name="Show").click()
    _expect_names(page, [EXAMPLE])  # the example alone has cash at risk (£40,200)
    page.get_by_label("Only with cash at risk").uncheck()
    page.get_by_label("Owner", exact=True).select_option("Zed Young")
    page.get_by_role("button", name="Show").click()
    _expect_names(page, [ALLOTMENTS])
    page.get_by_label("Owner", exact=True).select_option("")
    page.get_by_label("Name contains").fill("  ROTA ")
    page.get_by_role("button", name="Show").click()
    _expect_names(page, [WASTE])
    expect(_heading(page, "Owner")).to_have_attribute("aria-sort", "descending")
    page.get_by_label("Name contains").fill("no initiative is called this")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("status")).to_have_text("No initiative matches these filters.")
    page.go_back()
    expect(page.locator("#portfolio tbody tr")).to_have_count(1)


def test_the_portfolio_sorts_and_filters_with_javascript(page: Page, portfolio_site: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.headers.get("hx-request", "")))
    _sorts_and_filters(page, portfolio_site, scripts=True)
    assert "true" in requests  # htmx fetched the table, rather than the whole page


def test_the_portfolio_sorts_and_filters_without_javascript(no_scripts: Page, portfolio_site: str) -> None:
    _sorts_and_filters(no_scripts, portfolio_site, scripts=False)


def test_htmx_gets_the_table_alone_and_a_browser_the_whole_page(page: Page, portfolio_site: str) -> None:
    _sign_in(page, portfolio_site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    fragment = page.request.get(portfolio_site + "/?sort=signals&order=desc", headers={"HX-Request": "true"})
    assert fragment.status == 200
    assert fragment.text().lstrip().startswith('<div id="portfolio">')
    assert "<html" not in fragment.text() and 'aria-sort="descending"' in fragment.text()
    whole = page.request.get(portfolio_site + "/?sort=signals&order=desc")
    assert "<html" in whole.text() and 'id="filters"' in whole.text()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=budget", "There is no such column to sort by"),
        ("sort=name&order=sideways", "The order is asc (ascending) or desc (descending)"),
        ("cash_at_risk=perhaps", "“Only with cash at risk” is 1 (on)"),
        ("q=" + "x" * 201, "A search has at most 200 characters"),
    ],
)
def test_a_sort_or_filter_the_page_cannot_take_is_said_not_failed(
    page: Page, portfolio_site: str, query: str, message: str
) -> None:
    _sign_in(page, portfolio_site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    answer = page.goto(f"{portfolio_site}/?{query}&owner=Zed+Young")
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text(message)
    # What could be taken still is: the owner filter applies, and the table is there.
    _expect_names(page, [ALLOTMENTS])
    assert serious_accessibility_problems(page) == []
