"""The board's own work in the pages: a review of the whole portfolio, its actions marked, the open ones carried."""

from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _record_portfolio_review(page: Page, title: str, actions: list[tuple[str, str]]) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board reviews").click()
    page.get_by_label("Initiative, or the whole portfolio").select_option(label="The whole portfolio")
    page.get_by_label("Title (for example, Programme board, November 2026)").fill(title)
    for number, (action, owner) in enumerate(actions, start=1):
        page.get_by_label(f"Action {number}", exact=True).fill(action)
        page.get_by_label(f"Owner of action {number}", exact=True).fill(owner)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", name=f"{title}, ")).to_be_visible()


def _walk(page: Page, site: str, scripts: bool) -> None:
    _sign_in(page, site, "Beatrice Lund")
    suffix = "" if scripts else " (no scripts)"
    first = f"Portfolio board, December{suffix}"
    _record_portfolio_review(page, first, [("Publish the benefits report", "Beatrice Lund"),
                                            ("Ask finance for the CS100 plan", "Frank Okafor")])  # fmt: skip
    expect(page.get_by_text("Board pack · Portfolio")).to_be_attached()
    expect(page.get_by_role("row", name="Publish the benefits report")).to_contain_text("open")
    page.get_by_label("Status of action 1").select_option("done")
    page.get_by_role("button", name="Mark action 1").click()
    expect(page.get_by_role("status")).to_contain_text("Action 1, “Publish the benefits report”, is now done.")
    assert "updated=1" in page.url  # after the post, an address that reloads without sending it again
    page.reload()
    expect(page.get_by_role("row", name="Publish the benefits report")).to_contain_text("done")
    if scripts:  # axe-core runs as a script
        assert serious_accessibility_problems(page) == []
    screenshot(page, "review-actions" + ("" if scripts else "-without-javascript"))

    # The next portfolio review carries the action still open, and says where it came from.
    _record_portfolio_review(page, f"Portfolio board, January{suffix}", [])
    carried = page.get_by_role("row", name="Ask finance for the CS100 plan")
    expect(carried).to_contain_text("carried from")
    expect(carried).to_contain_text("open")
    expect(page.get_by_role("row", name="Publish the benefits report")).to_have_count(0)


def test_the_board_records_a_portfolio_review_marks_an_action_done_and_carries_the_other(page: Page, site: str) -> None:
    _walk(page, site, scripts=True)


def test_the_same_without_javascript(no_scripts: Page, site: str) -> None:
    _walk(no_scripts, site, scripts=False)
    assert no_scripts.evaluate("typeof window.htmx") == "undefined"


def test_a_viewer_cannot_mark_an_action(page: Page, site: str) -> None:
    _sign_in(page, site, "Beatrice Lund")
    _record_portfolio_review(page, "Portfolio board, for the viewer", [("Check the viewer", "Beatrice Lund")])
    review_url = page.url.split("?")[0]
    form_action = page.locator("form[action$='/actions/1']").get_attribute("action")
    csrf = page.locator("form[action$='/actions/1'] input[name=csrf]").get_attribute("value")
    page.context.clear_cookies()
    _sign_in(page, site, "Sam Hughes")  # a programme manager: may not mark a portfolio review's actions
    page.goto(review_url)
    expect(page.get_by_role("button", name="Mark action 1")).to_have_count(0)
    own_csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(site + str(form_action), form={"status": "done", "csrf": own_csrf or csrf or ""})
    assert answer.status == 403
    page.goto(review_url)
    expect(page.get_by_role("row", name="Check the viewer")).to_contain_text("open")
