"""My work in Chromium for each role of the worked example: what each person owes, where it is done, and that
doing it takes it off the list; and who owes what across the portfolio for the board."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

# What each person of the example owes on any day from 7 December 2026 on (later days may add more): the first
# year's cash and capacity are unconfirmed since 1 April 2026, July's and October's boards gave dated actions,
# and the safeguarding benefit has no owner, so it falls to the initiative's owner.
OWED = {
    "Priya Patel": ["Name an owner for “A single customer record improves safeguarding referrals”.",
                    "Find an owner for the abandoned-calls benefit",
                    "Update the avoidable-contact assumption from the measure"],
    "Frank Okafor": ["Confirm the cash “Phone transactions shifted to the web” took from its budget in 2026-27.",
                     "Confirm where the capacity “Avoidable phone contact removed” released in 2026-27 went.",
                     "Confirm the CS200 budget reduction"],
}  # fmt: skip
OWE_NOTHING = ["Victor Shaw", "Beatrice Lund", "admin"]


def _my_work(page: Page, site: str, person: str) -> None:
    _sign_in(page, site, person)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()


@pytest.mark.parametrize("person", list(OWED))
def test_each_person_sees_what_they_owe_each_a_link_to_where_it_is_done(page: Page, site: str, person: str) -> None:
    _my_work(page, site, person)
    table = page.locator("#my-work")
    for what in OWED[person]:
        expect(table.get_by_role("link", name=re.compile(re.escape(what)))).to_be_visible()
    # Nobody else's work is on it.
    for other, theirs in OWED.items():
        if other != person:
            expect(table.get_by_role("link", name=re.compile(re.escape(theirs[0])))).to_have_count(0)
    assert serious_accessibility_problems(page) == []
    screenshot(page, f"my-work-{person.split()[0].lower()}")


@pytest.mark.parametrize("person", OWE_NOTHING)
def test_someone_who_owes_nothing_is_told_so(page: Page, site: str, person: str) -> None:
    _my_work(page, site, person)
    expect(page.get_by_role("status")).to_have_text("Nothing is due from you today.")
    assert serious_accessibility_problems(page) == []
    if person == "Victor Shaw":
        screenshot(page, "my-work-viewer")
        expect(page.get_by_role("link", name="Who owes what across the portfolio")).to_have_count(0)


def test_a_cash_item_leads_finance_to_its_row_on_the_finance_page(page: Page, site: str) -> None:
    _my_work(page, site, "Frank Okafor")
    page.get_by_role("link", name=re.compile("Confirm the cash “Phone transactions shifted")).click()
    assert re.search(r"/finance#cash-\d+-2026-27$", page.url)
    row = page.locator(page.url.split("#")[1].join(["#", ""]))
    expect(row).to_contain_text("Phone transactions shifted to the web")
    expect(row.get_by_role("button", name="Confirm cash for Phone transactions shifted to the web")).to_be_visible()


def test_naming_an_owner_and_marking_an_action_done_take_them_off_the_list(page: Page, site: str) -> None:
    _my_work(page, site, "Priya Patel")
    page.get_by_role("link", name=re.compile("Name an owner for “A single customer record")).click()
    expect(page.get_by_role("heading", name="A single customer record improves safeguarding referrals")).to_be_visible()
    page.get_by_label("Owner", exact=True).fill("Sam Hughes")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status")).to_have_text("Details saved.")

    page.goto(site + "/work")
    page.get_by_role("link", name=re.compile("Update the avoidable-contact assumption")).click()
    number = page.url.rsplit("#action-", 1)[1]
    page.get_by_label(f"Status of action {number}").select_option("done")
    page.get_by_role("button", name=f"Mark action {number}").click()

    page.goto(site + "/work")
    table = page.locator("#my-work")
    expect(table.get_by_role("link", name=re.compile("Name an owner for “A single customer record"))).to_have_count(0)
    expect(table.get_by_role("link", name=re.compile("Update the avoidable-contact assumption"))).to_have_count(0)
    expect(table.get_by_role("link", name=re.compile("Find an owner for the abandoned-calls benefit"))).to_be_visible()


def test_the_board_sees_who_owes_what_and_a_programme_manager_may_not(page: Page, site: str) -> None:
    _my_work(page, site, "Beatrice Lund")
    page.get_by_role("link", name="Who owes what across the portfolio").click()
    expect(page.get_by_role("heading", name="Who owes what")).to_be_visible()
    expect(page.get_by_role("heading", name="Frank Okafor")).to_be_visible()
    expect(page.locator("#work-by-initiative")).to_contain_text("Customer Access Programme")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "who-owes-what")
    page.get_by_label("Person").select_option(label="Frank Okafor")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Priya Patel")).to_have_count(0)
    expect(page.get_by_role("heading", name="Frank Okafor")).to_be_visible()

    page.context.clear_cookies()
    _sign_in(page, site, "Sam Hughes")
    answer = page.goto(site + "/work/everyone")
    assert answer is not None and answer.status == 403
