"""Every page, once: each answers, passes the accessibility check, and leaves a screenshot; and the keyboard alone
is enough to move a benefit."""

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

# Each page of the site, reached from the worked example: its name for the screenshot, and how to get there.
PAGES = [
    ("portfolio", "/"),
    ("initiative", "{initiative}"),
    ("map", "{initiative}/map"),
    ("model", "{initiative}/model"),
    ("appraisal", "{initiative}/appraisal"),
    ("costs", "{initiative}/costs"),
    ("import", "{initiative}/import"),
    ("benefit", "{benefit}"),
    ("measure", "{measure}"),
    ("finance", "/finance"),
    ("reviews", "/reviews"),
    ("review", "{review}"),
    ("api-tokens", "/account/tokens"),
    ("new-initiative", "/initiatives/new"),
    ("edit-initiative", "{initiative}/edit"),
    ("add-benefit", "{initiative}/benefits/new"),
    ("cost-centres", "/finance/cost-centres"),
    ("budgets", "/finance/budgets"),
    ("appraisal-settings", "/finance/settings"),
    ("people", "/people"),
    ("audit", "/audit"),
    ("add-measure", "{initiative}/measures/new"),
    ("edit-measure", "{measure}/edit"),
    ("edit-scenario", "{initiative}/model/scenario?name=low+take-up"),
    ("edit-cost-centre", "/finance/cost-centres/CS100/edit"),
    ("status-thresholds", "/finance/status-thresholds"),
    ("my-work", "/work"),
    ("everyones-work", "/work/everyone"),
    ("demand", "/demand"),
    ("demand-services", "/demand/lists/services"),
    ("demand-costs", "/demand/costs"),
    ("initiative-demand", "{initiative}/demand"),
]
# Pages refused outright (403) to each person: a form page of someone else's job, or the audit trail, which only
# admins, finance and the board read; every other page is shown, without the forms its reader may not use.
REFUSED = {
    "Priya Patel": {"audit", "edit-cost-centre", "everyones-work"},
    "Victor Shaw": {
        "import",
        "new-initiative",
        "edit-initiative",
        "add-benefit",
        "audit",
        "add-measure",
        "edit-measure",
        "edit-scenario",
        "edit-cost-centre",
        "everyones-work",
    },
}
# Every page is photographed as a laptop and as a phone show it.
WIDTHS = {"1366": (1366, 900), "390": (390, 844)}


def _addresses(page: Page, site: str) -> dict[str, str]:
    """Where the example's initiative, a benefit, a measure and a review live, found by following links."""
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    initiative = page.url.split("#")[0].removeprefix(site)
    benefit = page.get_by_role("link", name="Phone transactions shifted to the web").first.get_attribute("href")
    measure = page.get_by_role("link", name="Calls a month").get_attribute("href")
    page.goto(site + "/reviews")
    review = page.get_by_role("link", name="Programme board, October 2026, 2026-10-20").get_attribute("href")
    assert benefit and measure and review
    return {"initiative": initiative, "benefit": benefit, "measure": measure, "review": review}


@pytest.mark.parametrize("login", ["Priya Patel", "Victor Shaw"])
def test_every_page_answers_and_passes_the_accessibility_check(page: Page, site: str, login: str) -> None:
    _sign_in(page, site, login)
    where = _addresses(page, site)
    who = login.split()[0].lower()
    for name, path in PAGES:
        answer = page.goto(site + path.format(**where))
        assert answer is not None
        if name in REFUSED[login]:
            assert answer.status == 403, name  # refused, not just hidden
            continue
        assert answer.status == 200, name
        expect(page.locator("h1")).to_have_count(1)
        assert serious_accessibility_problems(page) == [], name
        for width, size in WIDTHS.items():
            page.set_viewport_size({"width": size[0], "height": size[1]})
            screenshot(page, f"tour-{who}-{name}-{width}")


def test_the_keyboard_alone_moves_a_benefit_and_focus_is_always_visible(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()  # the page has loaded
    target = "Move Back-office rework avoided by first-time resolution to scoped"
    for _ in range(300):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return [e === document.body, e.innerText || e.value || '', s.outlineStyle, s.outlineWidth]; }""")
        on_body, text, outline, width = focused
        if on_body:  # between the page and the browser's own controls: no stop on the page to look at
            continue
        assert outline != "none" and width != "0px", f"no visible focus on {text!r}"
        if text == target:
            break
    else:
        pytest.fail(f"{target!r} was never reached with the Tab key")
    page.keyboard.press("Enter")
    scoped = page.get_by_role("region", name="scoped")
    expect(scoped.get_by_role("link", name="Back-office rework avoided by first-time resolution")).to_be_visible()
