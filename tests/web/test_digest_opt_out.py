"""A person turns their e-mailed digests off and on from their account page, in real Chromium, with and without
JavaScript; the record (read back through the API) follows, and a choice that is neither is refused beside the field.
"""

import re

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, csrf_of, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _digests_in_the_record(site: str, login: str) -> bool:
    signed_in = httpx2.post(f"{site}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    me = httpx2.get(f"{site}/api/v1/users/me", headers={"Authorization": f"Bearer {signed_in.json()['token']}"})
    return bool(me.json()["digests"])


def _choose(page: Page, site: str, login: str, scripts: bool) -> None:
    _sign_in(page, site, login)
    page.goto(site + "/account/tokens")
    digests = page.get_by_role("group", name="E-mail me a digest when something new falls due from me")
    expect(digests.get_by_label("Yes")).to_be_checked()  # everyone receives digests until they turn them off
    assert _digests_in_the_record(site, login) is True

    digests.get_by_label("No").check()
    page.get_by_role("button", name="Save digests").click()
    expect(page).to_have_url(re.compile(r"/account/tokens\?done=digests_no#digests$"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Digests are off: nothing is e-mailed to you"))
    expect(digests.get_by_label("No")).to_be_checked()
    assert _digests_in_the_record(site, login) is False
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "digests-off" + ("" if scripts else "-without-javascript"))

    digests.get_by_label("Yes").check()
    page.get_by_role("button", name="Save digests").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Digests are on"))
    assert _digests_in_the_record(site, login) is True


def test_a_person_turns_their_digests_off_and_on(page: Page, site: str) -> None:
    _choose(page, site, "Sam Hughes", scripts=True)


def test_a_person_turns_their_digests_off_and_on_without_javascript(no_scripts: Page, site: str) -> None:
    _choose(no_scripts, site, "Beatrice Lund", scripts=False)


def test_a_choice_that_is_neither_yes_nor_no_is_refused_beside_the_field(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/account/tokens")
    answer = page.request.post(site + "/account/digests", form={"csrf": csrf_of(page), "digests": "sometimes"},
                               max_redirects=0)  # fmt: skip
    assert answer.status == 422
    page.set_content(answer.text())
    expect(page.locator("#error-digests")).to_have_text(re.compile(r"^Choose Yes .* or No for none, then save\.$"))
    assert page.locator("#field-digests").get_attribute("aria-describedby") == "hint-digests error-digests"
    assert _digests_in_the_record(site, "Victor Shaw") is True
