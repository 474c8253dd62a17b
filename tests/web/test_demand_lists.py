"""Demand's reference lists and costs per contact in Chromium, over the worked example: finance adds, renames and
takes off entries (a channel the counts name is refused, saying what to do instead) and keeps a cost per contact
beside the published figures; a viewer reads them and has no form, and a post of theirs is refused."""

from decimal import Decimal

from playwright.sync_api import Page, expect

from benefits import formatting
from tests.web.conftest import csrf_of, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def test_finance_keeps_the_lists_and_a_cost_per_contact(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/demand")
    page.get_by_role("link", name="Customer segments").click()
    expect(page.get_by_role("heading", name="Customer segments", level=1)).to_be_visible()
    page.get_by_label("Code").fill("landlords")
    page.get_by_label("Name").fill("Landlords")
    page.get_by_role("button", name="Add the segment").click()
    expect(page.get_by_role("status")).to_have_text("Segment landlords added to the list.")
    expect(page.get_by_role("row", name="Landlords landlords")).to_be_visible()
    # The same code again: refused beside the code, the name typed kept.
    page.get_by_label("Code").fill("landlords")
    page.get_by_label("Name").fill("Private landlords")
    page.get_by_role("button", name="Add the segment").click()
    expect(page.locator("#error-code")).to_contain_text("The segment landlords is already on the list.")
    expect(page.get_by_label("Name")).to_have_value("Private landlords")
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "demand-segments-refused")
    page.get_by_role("link", name="Edit Landlords").click()
    page.get_by_label("Name").fill("Private landlords")
    page.get_by_role("button", name="Save segment landlords").click()
    expect(page.get_by_role("status")).to_have_text("Segment landlords saved.")
    expect(page.get_by_role("row", name="Private landlords landlords")).to_be_visible()
    page.get_by_role("button", name="Take Private landlords off the list").click()
    expect(page.get_by_role("status")).to_have_text("Segment landlords taken off the list.")
    expect(page.get_by_role("row", name="Private landlords landlords")).to_have_count(0)

    # The counts name the phone channel: taking it off is refused, and the page says what to do instead.
    page.get_by_role("navigation", name="Demand lists").get_by_role("link", name="Channels").click()
    page.get_by_role("button", name="Take Phone off the list").click()
    expect(page.get_by_role("alert")).to_contain_text("Contact counts name the channel phone: rename it instead")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "demand-channels")
    # Renaming it to a name another channel has is refused beside the name, the name typed kept.
    page.get_by_role("link", name="Edit Phone").click()
    page.get_by_label("Name").fill("web")
    page.get_by_role("button", name="Save channel phone").click()
    expect(page.locator("#error-name")).to_contain_text("A channel is already called web")
    expect(page.get_by_label("Name")).to_have_value("web")
    assert serious_accessibility_problems(page) == []

    page.get_by_role("navigation", name="Demand lists").get_by_role("link", name="Costs per contact").click()
    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("Socitm Insight, Channel Value Benchmarking")
    expect(suggestions.get_by_role("row", name="Phone")).to_contain_text(formatting.money(Decimal("2.83"), pence=True))
    page.get_by_role("link", name="Fill the form with the Phone figure").click()
    expect(page.get_by_label("Cost per contact (£)")).to_have_value("2.83")
    page.get_by_label("Applies from").fill("2026-04-01")
    page.get_by_label("Cost per contact (£)").fill("two pounds ninety")
    page.get_by_label("Source").fill("Contact centre costing, March 2026")
    page.get_by_role("button", name="Keep the cost per contact").click()
    expect(page.locator("#error-cost")).to_contain_text("“two pounds ninety” is not an amount")
    expect(page.get_by_label("Source")).to_have_value("Contact centre costing, March 2026")
    expect(page.get_by_label("Channel", exact=True)).to_have_value("phone")
    page.get_by_label("Cost per contact (£)").fill("£2.905")
    page.get_by_role("button", name="Keep the cost per contact").click()
    expect(page.get_by_role("status")).to_have_text("Cost per contact kept: Phone from 2026-04-01.")
    kept = page.locator("#costs-kept")
    # Money in pounds and pence, half-up: £2.905 is £2.91 (to even it would be £2.90).
    newer = kept.get_by_role("row", name="Phone 1 April 2026")
    expect(newer).to_contain_text(formatting.money(Decimal("2.905"), pence=True))
    expect(newer).to_contain_text("in force")
    expect(kept.get_by_role("row", name="Phone 1 November 2023")).to_contain_text("replaced")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "demand-costs")


def test_a_viewer_reads_the_lists_and_costs_but_may_not_change_them(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/demand/lists/demand-types")
    expect(page.get_by_role("row", name="Progress chasing progress_chasing")).to_contain_text("yes")
    expect(page.get_by_role("button")).to_have_count(1)  # signing out only
    page.goto(site + "/demand/costs")
    expect(page.locator("#costs-kept")).to_contain_text("£2.83")
    expect(page.get_by_role("button", name="Keep the cost per contact")).to_have_count(0)
    csrf = csrf_of(page)
    refused = page.request.post(site + "/demand/lists/segments", form={"csrf": csrf, "code": "x", "name": "X"})
    assert refused.status == 403
    sent: dict[str, str | float | bool] = {
        "csrf": csrf,
        "channel": "phone",
        "valid_from": "2026-04-01",
        "cost": "1",
        "source": "A guess",
    }
    assert page.request.post(site + "/demand/costs", form=sent).status == 403
    assert page.request.post(site + "/demand/lists/channels/app/delete", form={"csrf": csrf}).status == 403
