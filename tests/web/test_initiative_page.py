"""The initiative page in Chromium: the register's filters and in-place edits, and the stage board's drag."""

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

PRINTING = "Printing and postage stopped"
REWORK = "Back-office rework avoided by first-time resolution"
REFERRALS = "A single customer record improves safeguarding referrals"


def _initiative(page: Page, site: str, login: str) -> str:
    _sign_in(page, site, login)
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    return page.url.split("?")[0].split("#")[0]


def _register_titles(page: Page) -> list[str]:
    return page.locator("#register tbody th[scope=row] a").all_inner_texts()


def _board_titles(page: Page, stage: str) -> list[str]:
    return page.get_by_role("region", name=stage).locator(".card > a").all_inner_texts()


def test_the_register_filters_by_stage_route_and_owner_in_place(page: Page, site: str) -> None:
    address = _initiative(page, site, "Priya Patel")
    everything = _register_titles(page)
    assert len(everything) == 10
    delivered = _board_titles(page, "delivered")
    page.get_by_label("Stage", exact=True).select_option("delivered")
    # htmx swaps the register alone and keeps the filter in the address.
    expect(page).to_have_url(f"{address}?stage=delivered&route=&owner=&segment=")
    expect(page.locator("#register caption")).to_have_text(f"{len(delivered)} of 10 live benefits match the filter")
    assert sorted(_register_titles(page)) == sorted(delivered)
    page.get_by_label("Route", exact=True).select_option("capacity")
    page.get_by_label("Owner", exact=True).select_option("Dana Reid")  # the example's contact centre manager
    expect(page.locator("#register caption")).to_contain_text("2 of 10")
    assert sorted(_register_titles(page)) == ["Avoidable phone contact removed",
                                               "Longer call handling during the CRM roll-out"]  # fmt: skip
    assert serious_accessibility_problems(page) == []
    screenshot(page, "register-filtered")
    answer = page.request.get(f"{address}?stage=planned", headers={"HX-Request": "true"})
    assert answer.ok and "<html" not in answer.text() and 'id="register"' in answer.text()


def test_the_register_filters_without_javascript_and_names_a_bad_filter(no_scripts: Page, site: str) -> None:
    address = _initiative(no_scripts, site, "Victor Shaw")
    planned = _board_titles(no_scripts, "planned")
    no_scripts.get_by_label("Stage", exact=True).select_option("planned")
    no_scripts.get_by_role("button", name="Filter").click()
    expect(no_scripts.locator("#register caption")).to_contain_text(f"{len(planned)} of 10")
    assert sorted(_register_titles(no_scripts)) == sorted(planned)
    answer = no_scripts.goto(f"{address}?stage=nonsense&route=sideways")
    assert answer is not None and answer.status == 422
    expect(no_scripts.locator("#filter-stage-error")).to_have_text("Stage: there is no stage called 'nonsense'")
    expect(no_scripts.locator("#filter-route-error")).to_contain_text("'sideways'")
    assert len(_register_titles(no_scripts)) == 10


def test_a_register_row_edits_in_place_and_shows_its_error_beside_the_input(page: Page, site: str) -> None:
    address = _initiative(page, site, "Priya Patel")
    row = page.locator("tr", has=page.get_by_role("link", name=PRINTING, exact=True))
    row.get_by_role("link", name=f"Edit {PRINTING}").click()
    page.get_by_label(f"Owner of {PRINTING}").fill("Tom Ellis")  # an owner is a person in the service
    page.get_by_label(f"Most likely value of {PRINTING}").fill("lots")
    page.get_by_role("button", name=f"Save {PRINTING}").click()
    likely = page.get_by_label(f"Most likely value of {PRINTING}")
    expect(likely).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{likely.get_attribute('aria-describedby')}")).to_have_text("Enter a number, such as 45000.")
    assert page.url == address  # swapped in place: no navigation
    assert serious_accessibility_problems(page) == []
    screenshot(page, "register-row-refused")
    likely.fill("45000")
    page.get_by_role("button", name=f"Save {PRINTING}").click()
    expect(row).to_contain_text("Tom Ellis")
    expect(row).to_contain_text("45,000")
    page.reload()
    expect(page.locator("tr", has=page.get_by_role("link", name=PRINTING, exact=True))).to_contain_text("45,000")
    page.get_by_role("link", name=PRINTING, exact=True).first.click()
    # The example made it and moved it; the edit is the one update in its history, with who made it.
    updates = page.get_by_role("listitem").filter(has_text="· updated")
    expect(updates).to_have_count(1)
    expect(updates).to_contain_text("Priya Patel")
    expect(updates).to_contain_text("owner: Martin Cole → Tom Ellis")


def test_a_register_row_edits_without_javascript(no_scripts: Page, site: str) -> None:
    _initiative(no_scripts, site, "Priya Patel")
    no_scripts.get_by_role("link", name=f"Edit {REFERRALS}").click()
    expect(no_scripts).to_have_url(re.compile(r"\?edit=\d+#row-\d+$"))
    no_scripts.get_by_label(f"Owner of {REFERRALS}").fill("Grace Obi")
    no_scripts.get_by_role("button", name=f"Save {REFERRALS}").click()
    row = no_scripts.locator("tr", has=no_scripts.get_by_role("link", name=REFERRALS, exact=True))
    expect(row).to_contain_text("Grace Obi")
    expect(no_scripts.get_by_label(f"Owner of {REFERRALS}")).to_have_count(0)


def test_a_card_dragged_to_the_next_column_moves_or_shows_what_is_missing(page: Page, site: str) -> None:
    # Tall enough that nothing scrolls between pressing on the card and letting go over the column.
    page.set_viewport_size({"width": 1280, "height": 2400})
    _initiative(page, site, "Priya Patel")
    card = page.locator(".card", has=page.get_by_role("link", name=REWORK, exact=True))
    expect(card).to_have_attribute("draggable", "true")
    card.drag_to(page.get_by_role("region", name="scoped"))
    expect(page.get_by_role("region", name="scoped").get_by_role("link", name=REWORK)).to_be_visible()
    expect(page.get_by_role("region", name="opportunity").get_by_role("link", name=REWORK)).to_have_count(0)
    printing = page.locator(".card", has=page.get_by_role("link", name=PRINTING, exact=True))
    printing.drag_to(page.get_by_role("region", name="planned"))
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("Not moved")
    expect(refused).to_contain_text("Set a target value.")
    screenshot(page, "board-refused-drag")


def test_a_viewer_gets_neither_edits_nor_drags(page: Page, site: str) -> None:
    _initiative(page, site, "Victor Shaw")
    expect(page.get_by_role("link", name="Edit", exact=False)).to_have_count(0)
    expect(page.locator(".card[draggable=true]")).to_have_count(0)
    expect(page.get_by_role("link", name="Import benefits")).to_have_count(0)
