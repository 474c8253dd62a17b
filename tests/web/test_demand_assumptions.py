"""Demand behind an initiative in Chromium, over the worked example: its owner binds a model assumption to a demand
figure (checked against the generated counts) and refreshes the bound ones, says who gains from a benefit and a
measure, and feeds a measure from the counts; each refusal keeps what was chosen and names the field. A viewer sees
the values and no form, and a post of theirs is refused. Binding works without JavaScript too."""

import datetime as dt

from playwright.sync_api import Page, expect

from benefits import example_demand, formatting, measures
from tests.web.conftest import csrf_of, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

AVOIDABLE = set(example_demand.AVOIDABLE_KINDS)
YEAR_BEFORE = {dt.date(2025 + (month < 4), month, 1) for month in range(1, 13)}  # April 2025 to March 2026
SHARE_LABEL = "Share of calls that are avoidable (failure demand)"


def _initiative(page: Page, site: str) -> str:
    """The address of the example's initiative, reached from the portfolio."""
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").first.click()
    return page.url.split("?")[0].split("#")[0]


def test_the_owner_binds_refreshes_tags_and_feeds_from_the_pages(page: Page, site: str) -> None:
    rows = example_demand.generate()
    phone = [row for row in rows if row.channel == "phone" and row.month in YEAR_BEFORE]
    share = sum(row.count for row in phone if row.demand_type in AVOIDABLE) / sum(row.count for row in phone)
    _sign_in(page, site, "Priya Patel")
    initiative = _initiative(page, site)
    page.goto(initiative + "/model")
    page.locator("#demand-bound").locator("xpath=following-sibling::p[1]").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Assumptions fed by demand")).to_be_visible()
    page.get_by_label("Assumption", exact=True).select_option("failure_demand_share")
    page.get_by_label("Demand figure", exact=True).select_option(label="the avoidable share (NI14)")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("How many months").fill("a year")
    page.get_by_label("Only months before this day").fill("2026-04-01")
    page.get_by_role("button", name="Bind the assumption").click()
    # Refused beside the months, everything chosen kept.
    expect(page.locator("#error-months")).to_contain_text("whole number of months from 1 to 120")
    expect(page.get_by_label("How many months")).to_have_value("a year")
    expect(page.get_by_label("Phone", exact=True)).to_be_checked()
    expect(page.get_by_label("Assumption", exact=True)).to_have_value("failure_demand_share")
    assert serious_accessibility_problems(page) == []
    page.get_by_label("How many months").fill("12")
    page.get_by_role("button", name="Bind the assumption").click()
    said = f"{SHARE_LABEL} is bound to the avoidable share (NI14) and now takes {formatting.percent(share, 1)}"
    expect(page.get_by_role("status")).to_contain_text(said)
    expect(page.locator("#bound-failure_demand_share")).to_contain_text(formatting.percent(share, 1))
    screenshot(page, "demand-assumptions")

    # Council tax's calls alone are far fewer than the model's range for all calls: refused, saying what to do.
    page.get_by_label("Assumption", exact=True).select_option("phone_calls_a_year")
    page.get_by_label("Demand figure", exact=True).select_option(label="contacts a year")
    page.get_by_label("Council tax", exact=True).check()
    page.get_by_role("button", name="Bind the assumption").click()
    expect(page.locator("#bind-refused")).to_contain_text("widen the range first")
    expect(page.locator("#error-assumption")).to_be_visible()
    expect(page.get_by_label("Council tax", exact=True)).to_be_checked()
    page.get_by_role("button", name="Refresh every bound assumption from the counts").click()
    expect(page.get_by_role("status")).to_contain_text("Every bound assumption is set from the counts")
    page.goto(initiative + "/model")
    expect(page.locator("#demand-bound").locator("xpath=following-sibling::p[1]")).to_contain_text(
        "failure_demand_share takes the avoidable share (NI14)"
    )

    # Who gains: a segment to tag with, and one taken off the list while the benefit's page is open.
    for code, name in (("residents", "Residents"), ("tenants", "Tenants")):
        page.goto(site + "/demand/lists/segments")
        page.get_by_label("Code").fill(code)
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Add the segment").click()
        expect(page.get_by_role("status")).to_be_visible()
    page.goto(initiative)
    page.get_by_role("link", name="Avoidable phone contact removed").first.click()
    page.get_by_label("Residents", exact=True).check()
    page.get_by_label("Tenants", exact=True).check()
    gone = page.request.post(site + "/demand/lists/segments/tenants/delete", form={"csrf": csrf_of(page)})
    assert gone.ok
    page.get_by_role("button", name="Save who gains").click()
    expect(page.locator("#error-segments")).to_contain_text("There is no segment tenants")
    expect(page.locator("#error-segments")).to_contain_text("add it to the customer segments first")
    expect(page.get_by_label("Residents", exact=True)).to_be_checked()
    expect(page.get_by_label("tenants (no longer on the list)")).to_be_checked()
    page.get_by_label("tenants (no longer on the list)").uncheck()
    page.get_by_role("button", name="Save who gains").click()
    expect(page.get_by_role("status")).to_have_text("Who gains is saved: Residents.")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "benefit-who-gains")

    page.goto(initiative)
    page.get_by_role("link", name="Calls a month", exact=True).click()
    measure = page.url.split("?")[0]
    page.get_by_label("Phone", exact=True).check()
    page.get_by_role("button", name="Feed the measure from the counts").click()
    expect(page.locator("#error-figure")).to_contain_text("Choose the demand figure that feeds the measure.")
    expect(page.get_by_label("Phone", exact=True)).to_be_checked()
    page.get_by_label("Demand figure", exact=True).select_option(label="contacts a month")
    page.get_by_role("button", name="Feed the measure from the counts").click()
    expect(page.get_by_role("status")).to_contain_text("Fed from the contact counts:")
    expect(page.locator("#feed-kept")).to_contain_text("contacts a month, over channels Phone")
    last = max(row.month for row in rows)
    counted = sum(row.count for row in rows if row.channel == "phone" and row.month == last)
    expect(page.get_by_role("row", name=last.isoformat())).to_contain_text(measures.figure(counted, "calls"))
    page.get_by_role("button", name="Refresh the observations from the counts").click()
    expect(page.get_by_role("status")).to_have_text(
        "Refreshed from the contact counts: 0 observations added, 0 observations changed."
    )
    page.get_by_role("group", name="Customer segments this measure is about").get_by_label("Residents").check()
    page.get_by_role("button", name="Save who gains").click()
    expect(page.get_by_role("status")).to_have_text("Who gains is saved: Residents.")
    assert page.url.startswith(measure)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "measure-fed-from-demand")


def test_a_viewer_sees_what_is_bound_and_tagged_but_no_form(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    initiative = _initiative(page, site)
    page.goto(initiative + "/demand")
    expect(page.get_by_role("heading", name="Assumptions fed by demand")).to_be_visible()
    expect(page.get_by_role("button", name="Bind the assumption")).to_have_count(0)
    expect(page.get_by_role("button", name="Refresh every bound assumption from the counts")).to_have_count(0)
    csrf = csrf_of(page)
    bind: dict[str, str | float | bool] = {
        "csrf": csrf,
        "assumption": "failure_demand_share",
        "figure": "avoidable_share",
        "months": "12",
    }
    assert page.request.post(initiative + "/demand/assumptions", form=bind).status == 403
    assert page.request.post(initiative + "/demand/refresh", form={"csrf": csrf}).status == 403
    page.goto(initiative)
    page.get_by_role("link", name="Avoidable phone contact removed").first.click()
    expect(page.get_by_role("heading", name="Who gains")).to_be_visible()
    expect(page.get_by_role("button", name="Save who gains")).to_have_count(0)
    benefit = page.url.split("?")[0]
    assert page.request.post(benefit + "/segments", form={"csrf": csrf}).status == 403
    page.goto(initiative)
    page.get_by_role("link", name="Calls a month", exact=True).click()
    expect(page.locator("#feed-kept")).to_be_visible()
    expect(page.get_by_role("button", name="Feed the measure from the counts")).to_have_count(0)
    measure = page.url.split("?")[0]
    assert page.request.post(measure + "/demand", form={"csrf": csrf, "figure": "contacts"}).status == 403
    assert page.request.post(measure + "/segments", form={"csrf": csrf}).status == 403
    assert serious_accessibility_problems(page) == []


def test_binding_works_without_javascript(no_scripts: Page, site: str) -> None:
    page = no_scripts
    _sign_in(page, site, "Sam Hughes")  # a member of the initiative
    initiative = _initiative(page, site)
    page.goto(initiative + "/demand")
    page.get_by_label("Assumption", exact=True).select_option("failure_demand_share")
    page.get_by_role("button", name="Bind the assumption").click()
    expect(page.locator("#error-figure")).to_contain_text("Choose the demand figure")
    expect(page.get_by_label("Assumption", exact=True)).to_have_value("failure_demand_share")
    page.get_by_label("Demand figure", exact=True).select_option(label="the avoidable share (NI14)")
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Only months before this day").fill("2026-04-01")
    page.get_by_role("button", name="Bind the assumption").click()
    expect(page.get_by_role("status")).to_contain_text(f"{SHARE_LABEL} is bound to the avoidable share (NI14)")
