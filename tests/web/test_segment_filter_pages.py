"""Who gains, in real Chromium: the dashboard and the finance page filtered by a customer segment, with JavaScript and
without, their figures those of the tagged benefits alone (summed here from the benefits' own profiles)."""

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from benefits.formatting import money
from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

EXAMPLE = "Customer Access Programme"
PERMITS = "Business permits online"


def _api(site: str) -> dict[str, str]:
    signed_in = httpx2.post(f"{site}/api/v1/auth/token", json={"login": "admin", "password": PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['token']}"}


@pytest.fixture(scope="module")
def tagged_site(site: str) -> str:
    """The worked example with two segments: residents gain from one cash and one capacity benefit of it, businesses
    from another initiative's benefit."""
    headers = _api(site)
    listed = {entry["code"] for entry in httpx2.get(f"{site}/api/v1/demand/segments", headers=headers).json()}
    for code, name in (("residents", "Residents"), ("businesses", "Businesses")):
        if code in listed:  # the worked example may list it already
            continue
        made = httpx2.post(f"{site}/api/v1/demand/segments", json={"code": code, "name": name}, headers=headers)
        assert made.status_code == 201, made.text
    example = httpx2.get(f"{site}/api/v1/initiatives", params={"q": EXAMPLE}, headers=headers).json()["items"][0]
    benefits = httpx2.get(f"{site}/api/v1/initiatives/{example['id']}/benefits", params={"limit": 500},
                          headers=headers).json()["items"]  # fmt: skip
    live = [item for item in benefits if not item["withdrawn"] and item["category"] == "financial"]
    chosen = [next(item for item in live if item["route"] == route) for route in ("cash", "capacity")]
    for item in chosen:
        tagged = httpx2.put(f"{site}/api/v1/demand/tags/benefits/{item['id']}", json={"segments": ["residents"]},
                            headers=headers)  # fmt: skip
        assert tagged.status_code == 200, tagged.text
    permits = httpx2.post(f"{site}/api/v1/initiatives", json={"name": PERMITS}, headers=headers).json()
    benefit = httpx2.post(f"{site}/api/v1/initiatives/{permits['id']}/benefits",
                          json={"title": "Permits issued online", "category": "financial", "unit": "GBP"},
                          headers=headers).json()  # fmt: skip
    assert httpx2.put(f"{site}/api/v1/demand/tags/benefits/{benefit['id']}", json={"segments": ["businesses"]},
                      headers=headers).status_code == 200  # fmt: skip
    return site


def _tagged(site: str, segment: str) -> list[dict[str, Any]]:
    """Every live benefit tagged with the segment, read from the register initiative by initiative."""
    headers = _api(site)
    found = []
    initiatives = httpx2.get(f"{site}/api/v1/initiatives", params={"limit": 500}, headers=headers).json()["items"]
    for initiative in initiatives:
        params: dict[str, str | int] = {"segment": segment, "limit": 500, "withdrawn": "false"}
        listed = httpx2.get(f"{site}/api/v1/initiatives/{initiative['id']}/benefits", params=params, headers=headers)
        assert listed.status_code == 200, listed.text
        found += listed.json()["items"]
    return found


def _value(row: dict[str, Any], benefit: dict[str, Any]) -> Decimal:
    """A period's money as the finance ledger counts it: the actual where recorded, the plan otherwise."""
    amount = Decimal(str(row["actual"] if row["actual"] is not None else row["planned"] or 0))
    return -amount if benefit["is_disbenefit"] else amount


def _table(page: Page, caption: str) -> list[list[str]]:
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]


def _dashboard_by_segment(page: Page, site: str, scripts: bool) -> None:
    _sign_in(page, site, "Victor Shaw")
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_text([PERMITS, EXAMPLE])
    page.get_by_label("Who gains").select_option("Residents")
    if not scripts:
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_text([EXAMPLE])
    expect(page.locator("#who-gains")).to_contain_text("Who gains: Residents")
    expect(page).to_have_url(re.compile(r"segment=residents"))
    # The sort links keep the segment, and a sort keeps it chosen.
    page.get_by_role("link", name="Cash this year", exact=True).click()
    expect(page).to_have_url(
        re.compile(r"segment=residents.*sort=cash_this_year|sort=cash_this_year.*segment=residents")
    )
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_text([EXAMPLE])
    expect(page.get_by_label("Who gains")).to_have_value("residents")
    for link in page.locator("#portfolio thead a").all():
        assert "segment=residents" in (link.get_attribute("href") or "")
    tagged = _tagged(site, "residents")
    counts: dict[str, int] = defaultdict(int)
    values: dict[str, Decimal] = defaultdict(Decimal)
    for benefit in tagged:
        counts[benefit["stage"]] += 1
        values[benefit["stage"]] += sum((_value(row, benefit) for row in benefit["profile"]), Decimal(0))
    row = page.get_by_role("row", name=EXAMPLE)
    for stage in ("opportunity", "scoped", "planned", "delivered"):
        expect(row.locator(".funnel li", has_text=stage)).to_have_text(
            f"{stage} {counts[stage]} ({money(values[stage], pence=False)})"
        )
    if not scripts:
        page.get_by_role("link", name=re.compile("Show the totals")).click()
    totals = page.locator("#totals")
    expect(totals).to_contain_text("counting only the benefits that reach Residents")
    expect(totals.get_by_role("heading")).to_have_text("Totals of 1 initiative")
    for stage in ("opportunity", "scoped", "planned", "delivered"):
        heading = page.get_by_role("rowheader", name=f"Benefits {stage}", exact=True)
        expect(totals.locator("tr").filter(has=heading)).to_contain_text(
            f"{counts[stage]} ({money(values[stage], pence=False)})"
        )
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "portfolio-who-gains" + ("" if scripts else "-without-javascript"))
    page.get_by_label("Who gains").select_option("Businesses")
    if not scripts:
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_text([PERMITS])
    page.get_by_label("Who gains").select_option("")
    if not scripts:
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#portfolio tbody th[scope=row]")).to_have_count(2)
    expect(page.locator("#who-gains")).to_have_count(0)


def test_the_dashboard_shows_who_gains_with_javascript(page: Page, tagged_site: str) -> None:
    _dashboard_by_segment(page, tagged_site, scripts=True)


def test_the_dashboard_shows_who_gains_without_javascript(no_scripts: Page, tagged_site: str) -> None:
    _dashboard_by_segment(no_scripts, tagged_site, scripts=False)


def test_the_finance_page_sums_the_cash_and_capacity_of_who_gains(page: Page, tagged_site: str) -> None:
    _sign_in(page, tagged_site, "Frank Okafor")
    page.goto(tagged_site + "/finance")
    whole = {row[0]: row for row in _table(page, "Financial benefits by year and route")}
    page.get_by_label("Who gains").select_option("Residents")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"segment=residents"))
    expect(page.locator("#who-gains")).to_contain_text("Who gains: Residents")
    expect(page.get_by_label("Who gains")).to_have_value("residents")
    shown = {row[0]: row for row in _table(page, "Financial benefits by year and route, reaching Residents")}
    by_year: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for benefit in _tagged(tagged_site, "residents"):
        if benefit["category"] != "financial":
            continue
        for row in benefit["profile"]:
            by_year[row["period"][:7]][benefit["route"]] += _value(row, benefit)
    assert list(shown) == sorted(by_year)
    for year, routes in by_year.items():
        assert shown[year][1:3] == [money(routes["cash"], pence=False), money(routes["capacity"], pence=False)]
    assert shown != {year: whole[year] for year in shown}  # the example's other benefits are left out
    assert serious_accessibility_problems(page) == []
    screenshot(page, "finance-who-gains")


@pytest.mark.parametrize(
    ("path", "caption"), [("/", "Initiatives"), ("/finance", "Financial benefits by year and route")]
)
def test_a_segment_not_on_the_list_is_said_and_set_aside(page: Page, tagged_site: str, path: str, caption: str) -> None:
    _sign_in(page, tagged_site, "Frank Okafor")
    answer = page.goto(f"{tagged_site}{path}?segment=pensioners")
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("There is no customer segment “pensioners”")
    expect(page.locator("caption", has_text=caption)).to_be_visible()
    expect(page.get_by_label("Who gains")).to_have_value("")
    assert serious_accessibility_problems(page) == []


@pytest.mark.parametrize("path", ["/", "/finance"])
def test_a_segment_typed_in_capitals_is_the_listed_one(page: Page, tagged_site: str, path: str) -> None:
    _sign_in(page, tagged_site, "Frank Okafor")
    answer = page.goto(f"{tagged_site}{path}?segment=+RESIDENTS")
    assert answer is not None and answer.status == 200
    expect(page.locator("#who-gains")).to_contain_text("Who gains: Residents")
    expect(page.get_by_label("Who gains")).to_have_value("residents")
