"""Status at a glance in real Chromium: the register's RAG column and the dashboard's counts, each status a word
and a colour, and the thresholds form that changes them."""

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

EXAMPLE = "Customer Access Programme"


def _register_row(page: Page, title: str) -> str:
    return page.locator("#register tbody tr").filter(has=page.get_by_role("link", name=title, exact=True)).inner_text()


def test_the_register_and_dashboard_show_each_status_as_a_word_and_a_colour(page: Page, site: str) -> None:
    _sign_in(page, site, "admin", PASSWORD)
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    row = page.locator("#portfolio tbody tr").filter(has=page.get_by_role("link", name=EXAMPLE, exact=True))
    # By hand (tests/benefits/test_status.py): five on track, call handling 15.3% off, four with no baseline.
    expect(row.locator(".rag-counts li")).to_have_text(["5 on track", "1 off track", "4 no baseline"])
    assert serious_accessibility_problems(page) == []
    screenshot(page, "status-dashboard")

    row.get_by_role("link", name=EXAMPLE, exact=True).click()
    expect(page.get_by_role("columnheader", name="Status against approved baseline")).to_be_visible()
    handling = _register_row(page, "Longer call handling during the CRM roll-out")
    # 41,500 against 36,000: 5,500 beyond a dis-benefit's baseline is 15.3% short.
    assert "Off track 15.3% short" in handling and "same as at the last review" in handling
    assert "On track 0.5% short" in _register_row(page, "Avoidable phone contact removed")  # 4,775 of 1,018,800
    assert "On track 15.3% ahead" in _register_row(page, "Library staff time given to assisted digital support")
    assert "On track on plan" in _register_row(page, "Customer satisfaction raised")
    assert "No baseline" in _register_row(page, "Printing and postage stopped")
    colours = {name: page.locator(f"#register .rag-{name}").first.evaluate("e => getComputedStyle(e).backgroundColor")
               for name in ("on_track", "off_track", "none")}  # fmt: skip
    assert len(set(colours.values())) == 3, colours
    assert serious_accessibility_problems(page) == []
    screenshot(page, "status-register")


def test_the_thresholds_form_refuses_them_out_of_order_and_its_setting_changes_the_register(
    page: Page, site: str
) -> None:
    _sign_in(page, site, "admin", PASSWORD)
    page.goto(site + "/finance/settings")
    page.get_by_role("link", name="Status thresholds").click()
    expect(page.get_by_role("heading", name="Status thresholds")).to_be_visible()
    expect(page.get_by_label("On track while short by at most (%)")).to_have_value("5%")
    assert serious_accessibility_problems(page) == []

    page.get_by_label("On track while short by at most (%)").fill("20%")
    page.get_by_label(re.compile("^At risk while short by at most")).fill("10%")
    page.get_by_role("button", name="Save the thresholds").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.locator("#error-at_risk_within")).to_contain_text("larger than the on-track threshold")
    expect(page.get_by_label("On track while short by at most (%)")).to_have_value("20%")  # as typed
    assert serious_accessibility_problems(page) == []
    screenshot(page, "status-thresholds-refused")

    # 0.4% on track puts the phone contact (0.5% short) at risk; 16% takes call handling (15.3%) in too.
    page.get_by_label("On track while short by at most (%)").fill("0.4")  # per cent, as the label says
    page.get_by_label(re.compile("^At risk while short by at most")).fill("16%")
    page.get_by_role("button", name="Save the thresholds").click()
    expect(page.get_by_role("status")).to_have_text("Status thresholds saved.")
    expect(page.get_by_label("On track while short by at most (%)")).to_have_value("0.4%")

    page.goto(site + "/")
    page.get_by_role("link", name=EXAMPLE, exact=True).click()
    assert "At risk 0.5% short" in _register_row(page, "Avoidable phone contact removed")
    assert "At risk 15.3% short" in _register_row(page, "Longer call handling during the CRM roll-out")
