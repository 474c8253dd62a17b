"""The board review as a board pack: decisions and actions recorded with errors in place, and the page printed."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import SCREENSHOTS, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def test_actions_are_recorded_with_their_owners_and_a_missing_owner_is_said_beside_it(page: Page, site: str) -> None:
    _sign_in(page, site, "Beatrice Lund")
    page.goto(site + "/reviews")
    page.get_by_label("Title (for example, Programme board, November 2026)").fill("Programme board, November 2026")
    page.get_by_label("Decisions (one a line)").fill("Approve the print contract exit\nKeep the web shift going")
    page.get_by_label("Action 1", exact=True).fill("Confirm the CS300 budget line")
    page.get_by_label("Action 2", exact=True).fill("Re-forecast the library capacity")
    page.get_by_label("Owner of action 2").fill("Helen Ward")  # the example's libraries manager
    page.get_by_label("Due date of action 2").fill("2026-12-31")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_contain_text("The review was not recorded")
    owner = page.get_by_label("Owner of action 1")
    expect(owner).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-action_owner_0")).to_have_text("Fill this in.")
    # What was typed is still there to correct.
    expect(page.get_by_label("Owner of action 2")).to_have_value("Helen Ward")
    expect(page.get_by_label("Decisions (one a line)")).to_have_value(
        "Approve the print contract exit\nKeep the web shift going"
    )
    assert serious_accessibility_problems(page) == []
    owner.fill("Frank Okafor")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", name="Programme board, November 2026")).to_be_visible()
    # The actions agreed now come first, each open; those still open from the last review follow, carried.
    expect(page.get_by_role("row", name="1 Confirm the CS300 budget line")).to_contain_text("Frank Okafor")
    second = page.get_by_role("row", name="2 Re-forecast the library capacity")
    expect(second).to_contain_text("Helen Ward")
    expect(second).to_contain_text("2026-12-31")
    expect(second).to_contain_text("open")


def test_the_review_prints_as_a_board_pack(page: Page, site: str) -> None:
    _sign_in(page, site, "Beatrice Lund")
    page.goto(site + "/reviews")
    page.get_by_role("link", name="Programme board, October 2026, 2026-10-20").click()
    expect(page.get_by_text("Board pack · Customer Access Programme")).to_be_hidden()
    page.emulate_media(media="print")
    for left_out in (page.get_by_role("navigation", name="Main"), page.get_by_role("button", name="Sign out"),
                     page.get_by_role("link", name="All reviews")):  # fmt: skip
        expect(left_out).to_be_hidden()
    expect(page.get_by_text("Board pack · Customer Access Programme")).to_be_visible()
    expect(page.get_by_role("heading", name="Variance against approved baselines")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    pack = Path(SCREENSHOTS / "board-pack.pdf")
    page.pdf(path=str(pack), format="A4")
    assert pack.read_bytes().startswith(b"%PDF") and pack.stat().st_size > 10_000
    screenshot(page, "board-pack-print")
