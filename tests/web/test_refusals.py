"""Refusals on the pages: a forbidden form is refused on the server with a page saying so, and nothing changes; an
address with no page gets a page, while the API keeps its problem+json."""

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import csrf_of
from tests.web.test_pages import _sign_in
from web.pages import _safe_next

PRINTING = "Printing and postage stopped"


def test_a_viewer_forcing_each_form_is_refused_and_nothing_changes(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    initiative = page.url.split("#")[0]
    benefit = site + page.get_by_role("link", name=PRINTING).first.get_attribute("href")  # type: ignore[operator]
    before = page.request.get(initiative).text()
    token = csrf_of(page)
    forced = {
        f"{benefit}/move": {"to": "planned"},
        f"{benefit}/register-row": {"owner": "Someone else", "route": "cash", "estimate_likely": "1"},
        f"{benefit}/edit": {"owner": "Someone else", "estimate_likely": "lots"},
        f"{benefit}/profile": {"period_0": "2027-28", "planned_0": "1"},
        f"{initiative}/model": {"name_0": "x", "kind_0": "assumption", "value_0": "zz"},
        f"{initiative}/model/check": {"name_0": "x", "kind_0": "assumption", "value_0": "zz"},
        f"{initiative}/costs": {"title": "Forced", "kind": "revenue", "period_0": "2027-28", "amount_0": "lots"},
        f"{site}/reviews": {"initiative_id": initiative.rsplit("/", 1)[1], "held_on": "2026-11-23"},
        f"{benefit}/confirm-cash": {"period": "2026-27", "amount": "1"},
    }
    for address, fields in forced.items():
        answer = page.request.post(address, form={"csrf": token, **fields}, max_redirects=0)
        assert answer.status == 403, (address, answer.status)
        assert "Not allowed" in answer.text() and "Nothing was changed." in answer.text(), address
        assert answer.headers["content-type"].startswith("text/html")
    assert page.request.get(initiative).text() == before  # the register, the board and the figures as they were
    page.goto(f"{benefit}")
    expect(page.get_by_role("listitem").filter(has_text="· updated")).to_have_count(0)


def test_an_address_with_no_page_gets_a_page_and_the_api_keeps_its_problems(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    for address in ("/initiatives/abc", "/initiatives/99999999", "/benefits/0", "/measures/999999/", "/no-such-page",
                    "/initiatives/1/nothing-here"):  # fmt: skip
        answer = page.goto(site + address)
        assert answer is not None and answer.status == 404, address
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    answer = page.goto(site + "/initiatives/1/appraisal?weighted=perhaps")
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("cannot take what was sent for weighted")
    answer = page.goto(site + "/finance?initiative=²&weighted=perhaps")
    assert answer is not None and answer.status == 422
    expect(page.locator("#problem-initiative")).to_have_text("Initiative: Choose an initiative from the list.")
    wrong_way = page.request.put(site + "/finance")
    assert wrong_way.status == 405 and "Not this way" in wrong_way.text()
    assert wrong_way.headers["content-type"].startswith("text/html")
    # The API answers its own paths as it always has.
    for api_path, status in (("/api/v1/initiatives/abc", 401), ("/api/v1/no-such-thing", 404)):
        api = page.request.get(site + api_path)
        assert (api.status, api.headers["content-type"]) == (status, "application/problem+json"), api_path


def test_a_refusal_to_an_htmx_request_takes_the_main_area(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.get_by_role("link", name="Customer Access Programme").click()
    benefit = site + page.get_by_role("link", name=PRINTING).first.get_attribute("href")  # type: ignore[operator]
    answer = page.request.post(f"{benefit}/register-row", headers={"HX-Request": "true"},
                               form={"csrf": csrf_of(page), "owner": "Someone else"})  # fmt: skip
    assert answer.status == 403
    assert (answer.headers["hx-retarget"], answer.headers["hx-reswap"]) == ("#main", "innerHTML")
    assert "<html" not in answer.text() and "Not allowed" in answer.text()


def test_a_form_token_that_is_not_plain_text_is_refused_not_a_failure(page: Page, site: str) -> None:
    page.goto(site + "/sign-in")
    answer = page.request.post(site + "/sign-in", form={"csrf": "é", "login": "Victor Shaw", "password": "x"})
    assert answer.status == 403 and "That form had expired" in answer.text()


@pytest.mark.parametrize("given", ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example",
                                   "evil", "", None])  # fmt: skip
def test_after_signing_in_only_a_path_on_this_site_is_followed(given: str | None) -> None:
    assert _safe_next(given) == "/"


def test_a_path_on_this_site_is_followed() -> None:
    assert _safe_next("/initiatives/1?stage=planned#register") == "/initiatives/1?stage=planned#register"


def test_a_profile_row_with_a_period_that_cannot_be_read_says_why(page: Page, site: str) -> None:
    # Checked where it comes in since the API's document gave periods their pattern; the page said "the amounts must
    # be numbers" for a period it could not read.
    _sign_in(page, site, "Priya Patel")
    page.get_by_role("link", name="Customer Access Programme").click()
    benefit = site + page.get_by_role("link", name=PRINTING).first.get_attribute("href")  # type: ignore[operator]
    page.goto(benefit)
    answer = page.request.post(
        f"{benefit}/profile", form={"csrf": csrf_of(page), "period_0": "2026-28", "planned_0": "1"}, max_redirects=0
    )
    assert answer.status == 422
    assert "Row 1: &#39;2026-28&#39;: the second year must follow the first" in answer.text()
    assert "amounts must be numbers" not in answer.text()
