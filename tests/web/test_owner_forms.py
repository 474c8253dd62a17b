"""Owners are people on the pages too: each form that names an owner or sponsor finds the person, suggests the
people, and refuses a name that is nobody beside its field, keeping what was typed."""

from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _initiative(page: Page, site: str) -> str:
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").first.click()
    return page.url.split("?")[0]


def test_a_benefit_owner_who_is_nobody_is_refused_beside_the_field_and_a_person_is_found(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    address = _initiative(page, site)
    page.goto(address + "/benefits/new")
    page.get_by_label("Title", exact=True).fill("Fewer letters sent")
    owner = page.get_by_label("Benefit owner", exact=True)
    assert owner.get_attribute("list") == "people"
    assert "Dana Reid" in page.locator("datalist#people option").evaluate_all("(all) => all.map(o => o.value)")
    owner.fill("Post Room Manager")
    page.get_by_role("button", name="Add the benefit").click()
    expect(owner).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-owner-error")).to_contain_text(
        "No active person has the name or e-mail 'Post Room Manager'"
    )
    expect(page.get_by_label("Title", exact=True)).to_have_value("Fewer letters sent")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "benefit-owner-refused")
    owner.fill("martin.cole@wendlebury.example")
    page.get_by_role("button", name="Add the benefit").click()
    expect(page.get_by_role("heading", name="Fewer letters sent", exact=True)).to_be_visible()
    # The benefit's page holds the person's name, however the owner was typed.
    expect(page.get_by_label("Owner", exact=True)).to_have_value("Martin Cole")


def test_a_measures_owner_and_an_initiatives_sponsor_are_people(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    address = _initiative(page, site)
    page.goto(address + "/measures/new")
    page.get_by_label("Name", exact=True).fill("Letters a month")
    page.get_by_label("Owner", exact=True).fill("  martin   COLE ")
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_text("Owner: Martin Cole")).to_be_visible()

    page.goto(address + "/edit")
    page.get_by_label("Sponsor", exact=True).fill("tom.ellis@wendlebury.example")
    page.get_by_role("button", name="Save the initiative").click()
    expect(page.locator("dl.facts")).to_contain_text("Tom Ellis")


def test_a_review_action_whose_owner_is_nobody_is_refused_beside_its_row(page: Page, site: str) -> None:
    _sign_in(page, site, "Beatrice Lund")
    page.goto(site + "/reviews")
    page.get_by_label("Title (for example, Programme board, November 2026)").fill("Programme board, December 2026")
    page.get_by_label("Action 1", exact=True).fill("Re-forecast the library capacity")
    page.get_by_label("Owner of action 1").fill("Libraries Manager")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_contain_text("The review was not recorded")
    owner = page.get_by_label("Owner of action 1")
    expect(owner).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-action_owner_0")).to_contain_text("'Libraries Manager'")
    expect(owner).to_have_value("Libraries Manager")
    assert serious_accessibility_problems(page) == []
    owner.fill("Helen Ward")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("row", name="1 Re-forecast the library capacity")).to_contain_text("Helen Ward")
