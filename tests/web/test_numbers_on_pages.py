"""Numbers read like a finance document on every page of the worked example: no raw stored value, no figure with
more than two decimal places, no pound with a third."""

import re

from playwright.sync_api import Page

from tests.web.test_pages import _sign_in
from tests.web.test_tour import PAGES, REFUSED, _addresses

# The one allowance: the appraisal's discount factors (web/templates/appraisal.html, the `discount_factor` filter),
# printed to four places as the Green Book's tables print them, under a heading that says so ("4 dp, Green Book").
# They are factors, not money: to two places the present values beside them could not be checked from them.
# Nothing else on any page may pass two.
DISCOUNT_FACTOR = re.compile(r"[01]\.\d{4}")

# A number as it stands in text: an optional sign and pound, digits with separators, and any decimal parts.
NUMBER = re.compile(r"(?<![\w.])(v)?(-?£?-?\d[\d,]*(?:\.\d+)+)")


def too_precise(text: str) -> list[str]:
    """Every number in `text` with more than two decimal places; version strings (v1.2.3, 1.2.3) set aside."""
    found = []
    for match in NUMBER.finditer(text):
        version, number = match.groups()
        if version or number.count(".") > 1:
            continue
        if len(number.split(".")[1]) > 2:
            found.append(number)
    return found


def test_the_check_finds_what_it_is_for() -> None:
    text = "£40200.0000 and 1,234.565 and -£1.005, but £1,234.56, 2026-27, 2026-10-20, v1.2.3, 0.25 and 3.14.15 pass"
    assert too_precise(text) == ["£40200.0000", "1,234.565", "-£1.005"]


def test_no_page_shows_a_number_with_more_than_two_decimals(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    where = _addresses(page, site)
    shown = {}
    pages = [(name, path) for name, path in PAGES if name not in REFUSED["Priya Patel"]]
    for name, path in [*pages, ("audit as the board", "/audit")]:
        if name == "audit as the board":  # the trail is read by admins, finance and the board
            page.context.clear_cookies()
            _sign_in(page, site, "Beatrice Lund")
        answer = page.goto(site + path.format(**where))
        assert answer is not None and answer.status == 200, name
        text = page.locator("body").inner_text()
        assert text.strip(), name
        found = too_precise(text)
        if name == "appraisal":  # allowed only where the heading says the factors are printed to four places
            assert "Discount factor (4 dp, Green Book)" in text
            found = [number for number in found if not DISCOUNT_FACTOR.fullmatch(number)]
        shown[name] = found
    assert {name: numbers for name, numbers in shown.items() if numbers} == {}
