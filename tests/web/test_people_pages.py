"""The admin's pages: people added, given a role, deactivated and given a new password; and the audit trail read."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import csrf_of, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

ADMIN = "admin"  # the first admin the example load makes (BENEFITS_ADMIN_NAME's default)


@pytest.fixture
def other(browser: Browser) -> Iterator[Page]:
    """A second fresh browser (no cookies), for signing in as the person the admin just changed."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


def _people(page: Page, site: str) -> None:
    page.goto(site + "/people")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()


def _signs_in(page: Page, site: str, login: str, password: str, role: str) -> None:
    _sign_in(page, site, login, password)
    expect(page.get_by_text(f"{login} ({role})")).to_be_visible()


def test_an_admin_adds_a_finance_officer_who_then_signs_in(page: Page, other: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    assert serious_accessibility_problems(page) == []
    page.get_by_label("Name", exact=True).fill("Nadia Finch")
    page.get_by_label("E-mail (optional)").fill("Nadia.Finch@council.example")
    page.get_by_label("Role", exact=True).select_option("finance")
    page.get_by_label("Password (optional)").fill("nadia-finch-password")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("status")).to_have_text("Nadia Finch was added as finance.")
    row = page.get_by_role("row", name="Nadia Finch")
    expect(row).to_contain_text("nadia.finch@council.example")
    expect(row).to_contain_text("finance")
    assert "done=added" in page.url  # post, redirect, get: reloading adds nobody twice
    assert serious_accessibility_problems(page) == []
    screenshot(page, "people-admin")
    _signs_in(other, site, "Nadia Finch", "nadia-finch-password", "finance")


def test_an_admin_changes_a_role(page: Page, other: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    row = page.get_by_role("row", name="Sam Hughes")
    row.get_by_label("Role of Sam Hughes").select_option("board")
    row.get_by_role("button", name="Change role of Sam Hughes").click()
    expect(page.get_by_role("status")).to_have_text("Sam Hughes is now board.")
    expect(page.get_by_role("row", name="Sam Hughes").get_by_role("cell").nth(1)).to_have_text("board")
    _signs_in(other, site, "Sam Hughes", "example-password-for-tests", "board")


def test_a_deactivated_person_cannot_sign_in_until_reactivated(page: Page, other: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    page.get_by_role("button", name="Deactivate Frank Okafor").click()
    expect(page.get_by_role("status")).to_contain_text("Frank Okafor was deactivated")
    expect(page.get_by_role("row", name="Frank Okafor").get_by_role("cell").nth(2)).to_have_text("no")
    _sign_in(other, site, "Frank Okafor", "example-password-for-tests")
    expect(other.get_by_role("alert")).to_contain_text("Sign-in failed")
    page.get_by_role("button", name="Reactivate Frank Okafor").click()
    expect(page.get_by_role("status")).to_contain_text("Frank Okafor was reactivated")
    _signs_in(other, site, "Frank Okafor", "example-password-for-tests", "finance")


def test_an_admin_cannot_deactivate_themselves_and_is_told_beside_the_form(page: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    mine = page.locator("tr", has=page.get_by_role("rowheader", name=ADMIN, exact=True))
    # Their own name, e-mail, digests and password, but no role or deactivation.
    expect(mine.get_by_role("button", name="Change role")).to_have_count(0)
    expect(mine.get_by_role("button", name="Deactivate")).to_have_count(0)
    expect(mine.get_by_role("button", name="Reset the password")).to_have_count(1)
    # Posted anyway (an old page, a crafted form): refused, said, nothing changed.
    admin_id = mine.get_attribute("id")
    assert admin_id
    answer = page.request.post(f"{site}/people/{admin_id.removeprefix('person-')}/active",
                               form={"csrf": csrf_of(page), "active": "0"}, max_redirects=0)  # fmt: skip
    assert answer.status == 409
    assert "An admin cannot demote or deactivate themselves." in answer.text()
    _people(page, site)
    expect(mine.get_by_role("cell").nth(2)).to_have_text("yes")


def test_a_new_password_is_shown_once_and_signs_in(page: Page, other: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    with page.expect_response(lambda response: response.url.endswith("/password")) as answered:
        page.get_by_role("button", name="Reset the password of Priya Patel").click()
    answer = answered.value
    assert answer.status == 200
    assert answer.headers["cache-control"] == "no-store"
    expect(page.get_by_role("heading", name="New password for Priya Patel")).to_be_visible()
    password = page.get_by_label("The new password").input_value()
    assert len(password) >= 10
    assert password not in page.url
    assert serious_accessibility_problems(page) == []
    _people(page, site)  # shown once: the list again has no password on it
    expect(page.get_by_label("The new password")).to_have_count(0)
    assert password not in page.content()
    _sign_in(other, site, "Priya Patel", "example-password-for-tests")
    expect(other.get_by_role("alert")).to_contain_text("Sign-in failed")  # the old password no longer works
    _signs_in(other, site, "Priya Patel", password, "programme manager")


def test_an_admin_renames_a_person_and_turns_their_digests_off(page: Page, site: str) -> None:
    _sign_in(page, site, ADMIN)
    _people(page, site)
    row = page.get_by_role("row", name="Dana Reid")
    expect(row.get_by_role("cell").nth(3)).to_have_text("on")
    # A refusal: the address is not one; said beside the form, what was typed kept, nothing changed.
    row.locator("summary").click()
    row.get_by_label("Name of Dana Reid").fill("Dana Reid-Okoro")
    row.get_by_label("E-mail of Dana Reid").fill("dana at council")
    row.get_by_role("button", name="Save the name and e-mail of Dana Reid").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was changed")
    row = page.get_by_role("row", name="Dana Reid")
    expect(row.locator(".error")).to_contain_text("Enter an e-mail address")
    expect(row.get_by_label("Name of Dana Reid")).to_have_value("Dana Reid-Okoro")
    expect(row.get_by_label("E-mail of Dana Reid")).to_have_value("dana at council")
    assert serious_accessibility_problems(page) == []
    # Corrected and saved: the new name stands in the list and on what she owns.
    row.get_by_label("E-mail of Dana Reid").fill("Dana.Reid-Okoro@council.example")
    row.get_by_role("button", name="Save the name and e-mail of Dana Reid").click()
    expect(page.get_by_role("status")).to_have_text(
        "Dana Reid-Okoro's name and e-mail were saved; what they own carries the name."
    )
    assert "done=details" in page.url
    row = page.get_by_role("row", name="Dana Reid-Okoro")
    expect(row.get_by_role("cell").nth(0)).to_have_text("dana.reid-okoro@council.example")
    row.get_by_role("button", name="Turn digests off for Dana Reid-Okoro").click()
    expect(page.get_by_role("status")).to_contain_text("Dana Reid-Okoro is no longer e-mailed digests")
    row = page.get_by_role("row", name="Dana Reid-Okoro")
    expect(row.get_by_role("cell").nth(3)).to_have_text("off")
    expect(row.get_by_role("button", name="Turn digests on for Dana Reid-Okoro")).to_be_visible()
    screenshot(page, "people-digests")
    page.goto(site + "/")  # the measure she owns names her by her new name
    page.get_by_role("link", name="Customer Access Programme").first.click()
    page.get_by_role("link", name="Calls a month", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Owner: "))).to_contain_text("Owner: Dana Reid-Okoro ·")


def test_the_board_reads_the_audit_trail_filtered_by_entity(page: Page, site: str) -> None:
    _sign_in(page, site, "Beatrice Lund")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    page.get_by_label("Entity", exact=True).fill("benefit")
    page.get_by_role("button", name="Show").click()
    assert "entity=benefit" in page.url
    table = page.locator("#audit-events")
    expect(table.locator("tbody tr").first).to_be_visible()
    # The example's loader moved benefits through their stages as Priya Patel, with the stage before and after.
    moved = table.get_by_role("row").filter(has_text="stage moved").filter(has_text="Priya Patel").first
    expect(moved).to_contain_text("benefit")
    expect(moved).to_contain_text("stage:")
    for entity in table.locator("tbody tr td:nth-child(4)").all_inner_texts():
        assert entity == "benefit"
    # Newest first.
    times = table.locator("tbody time").evaluate_all("nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert times == sorted(times, reverse=True)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "audit-board")
    # A filter the page cannot take is said beside it (422) and set aside; the others still apply.
    answer = page.goto(site + "/audit?entity=benefit&entity_id=abc&since=2026-13-01")
    assert answer is not None and answer.status == 422
    expect(page.get_by_label("Entity id")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#problem-entity_id")).to_contain_text("whole number")
    expect(page.locator("#problem-since")).to_contain_text("YYYY-MM-DD")
    expect(table.locator("tbody tr").first).to_contain_text("benefit")
    assert serious_accessibility_problems(page) == []


def test_a_viewer_reads_the_people_but_no_form_and_not_the_audit_trail(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    _people(page, site)
    expect(page.get_by_role("row", name="Beatrice Lund")).to_contain_text("board")
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add a person")).to_have_count(0)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "people-viewer")
    answer = page.goto(site + "/audit")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    # A form posted anyway is refused before what was typed is read, and nobody is added.
    _people(page, site)
    posted = page.request.post(site + "/people", form={"csrf": csrf_of(page), "name": "Mallory", "role": "admin"},
                               max_redirects=0)  # fmt: skip
    assert posted.status == 403
    admin = page.locator("tr", has=page.get_by_role("rowheader", name=ADMIN, exact=True))
    admin_id = (admin.get_attribute("id") or "").removeprefix("person-")
    for change, form in (("details", {"name": "Mallory", "email": ""}), ("digests", {"digests": "0"})):
        posted = page.request.post(f"{site}/people/{admin_id}/{change}", form={"csrf": csrf_of(page), **form},
                                   max_redirects=0)  # fmt: skip
        assert posted.status == 403
    _people(page, site)
    expect(page.get_by_role("row", name="Mallory")).to_have_count(0)
    expect(admin.get_by_role("cell").nth(3)).to_have_text("on")


def test_an_admin_adds_a_person_without_javascript(no_scripts: Page, site: str) -> None:
    page = no_scripts
    _sign_in(page, site, ADMIN)
    _people(page, site)
    page.get_by_label("Name", exact=True).fill("Owen Reid")
    page.get_by_label("E-mail (optional)").fill("not an address")
    page.get_by_role("button", name="Add the person").click()
    # Refused: each error beside its field, what was typed kept.
    expect(page.get_by_role("alert")).to_contain_text("The person was not added")
    expect(page.locator("#error-email")).to_contain_text("e-mail address")
    expect(page.locator("#error-role")).to_contain_text("Choose one of the roles")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Owen Reid")
    expect(page.get_by_label("E-mail (optional)")).to_have_value("not an address")
    page.get_by_label("E-mail (optional)").fill("")
    page.get_by_label("Role", exact=True).select_option("programme_manager")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("status")).to_have_text(
        "Owen Reid was added as programme manager. They have no password, so they do not sign in."
    )
    expect(page.get_by_role("row", name="Owen Reid")).to_contain_text("programme manager")
    assert page.evaluate("typeof window.htmx") == "undefined"  # with scripts off, htmx never ran
