"""Every downloadable thing works from a signed-in browser: no page links to the token-only API."""

from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.web.test_pages import _sign_in
from tests.web.test_tour import PAGES, _addresses

# A link is a download when it says so, or when it leads to a workbook.
DOWNLOADS = "a[download], a[href$='.xlsx']"


def test_every_download_link_gives_a_workbook_to_a_signed_in_programme_manager(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    where = _addresses(page, site)
    found = []
    for path in ("{initiative}/import", "{initiative}", "/finance"):
        page.goto(site + path.format(**where))
        links = page.locator(DOWNLOADS)
        assert links.count() >= 1, path
        for index in range(links.count()):
            link = links.nth(index)
            href = link.get_attribute("href") or ""
            with page.expect_download() as downloading:
                link.click()
            saved = downloading.value.path()
            assert downloading.value.failure() is None, href
            book = load_workbook(BytesIO(Path(saved).read_bytes()))
            assert book.sheetnames, href
            found.append(href)
    assert "/import-template.xlsx" in found
    assert "/finance/cash-capacity.xlsx" in found
    assert any(href.endswith("/business-case.xlsx") for href in found)


def test_no_link_on_any_page_of_the_example_points_at_the_api(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    where = _addresses(page, site)
    for name, path in PAGES:
        page.goto(site + path.format(**where))
        targets = page.eval_on_selector_all(
            "a[href], form[action], [hx-get], [hx-post]",
            """elements => elements.map(e => e.getAttribute('href') || e.getAttribute('action')
                                            || e.getAttribute('hx-get') || e.getAttribute('hx-post'))""",
        )
        assert targets, name
        assert [target for target in targets if "/api/" in target] == [], name
