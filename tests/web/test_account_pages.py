"""A person's API tokens page in real Chromium: a token made, shown once, used against the API, and revoked."""

import re

import httpx2
from playwright.sync_api import Browser, Locator, Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _open_tokens(page: Page, site: str, login: str) -> None:
    _sign_in(page, site, login)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()


def _make_token(page: Page, name: str, days: str = "30") -> str:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Expires after (days)").fill(days)
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("bnf_") and len(secret) > 40
    assert secret not in page.url
    return secret


def _me(site: str, secret: str) -> httpx2.Response:
    return httpx2.get(f"{site}/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"})


def _token_row(page: Page, name: str) -> Locator:
    return page.get_by_role("table", name="Your API tokens").get_by_role("row", name=name)


def _made_used_and_revoked(page: Page, site: str, login: str, name: str, scripts: bool) -> None:
    _open_tokens(page, site, login)
    secret = _make_token(page, name)
    answer = _me(site, secret)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == login
    row = _token_row(page, name)
    expect(row).to_contain_text(secret[:8])
    expect(row.locator("td.revoked")).to_have_text("No")  # not revoked
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "tokens-made" + ("" if scripts else "-without-javascript"))

    # The secret is shown this once: the page again, or a reload of its address, has it nowhere.
    page.goto(site + "/account/tokens")
    expect(page.get_by_label("Your new token")).to_have_count(0)
    assert secret not in page.content()

    row.get_by_role("button", name=f"Revoke {name}").click()
    expect(page).to_have_url(re.compile(r"/account/tokens$"))
    expect(_token_row(page, name).get_by_role("button")).to_have_count(0)
    expect(_token_row(page, name).locator("td.revoked")).to_contain_text("UTC")  # when it was revoked
    refused = _me(site, secret)
    assert refused.status_code == 401
    page.goto(site + "/")  # the page's own sign-in is untouched
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()


def test_a_token_is_made_used_and_revoked(page: Page, site: str) -> None:
    _made_used_and_revoked(page, site, "Priya Patel", "Reporting warehouse", scripts=True)


def test_a_token_is_made_used_and_revoked_without_javascript(no_scripts: Page, site: str) -> None:
    _made_used_and_revoked(no_scripts, site, "Victor Shaw", "Viewer's spreadsheet", scripts=False)


def test_this_browsers_sign_in_is_listed_apart_and_not_offered_for_revoking(browser: Browser, site: str) -> None:
    elsewhere = browser.new_context(locale="en-GB")
    _sign_in(elsewhere.new_page(), site, "Frank Okafor")
    here = browser.new_context(locale="en-GB")
    page = here.new_page()
    _open_tokens(page, site, "Frank Okafor")
    expect(page.get_by_role("table", name="Your API tokens").get_by_role("row")).to_have_count(2)  # heading, "none"
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()
    sessions = page.get_by_role("table", name="Your sign-ins still in use")
    expect(sessions.get_by_text("This browser")).to_have_count(1)
    # Ending the other sign-in from here signs that browser out, and leaves this one signed in.
    expect(sessions.get_by_role("button", name=re.compile("Sign out there"))).to_have_count(1)
    sessions.get_by_role("button", name=re.compile("Sign out there")).click()
    expect(page).to_have_url(re.compile(r"/account/tokens$"))
    expect(sessions.get_by_role("row")).to_have_count(2)
    expect(sessions.get_by_role("button")).to_have_count(0)
    other = elsewhere.pages[0]
    other.goto(site + "/")
    assert "/sign-in" in other.url
    assert serious_accessibility_problems(page) == []
    elsewhere.close()
    here.close()


def test_refusals_are_said_next_to_their_fields_and_change_nothing(page: Page, site: str) -> None:
    _open_tokens(page, site, "Beatrice Lund")
    page.get_by_label("Name", exact=True).fill("   ")
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-name")).to_contain_text("Give the token a name")
    # A domain rule: one's own tokens expire within 90 days.
    page.get_by_label("Name", exact=True).fill("Board pack")
    page.get_by_label("Expires after (days)").fill("400")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Make token").click()
    assert posted.value.status == 422
    expect(page.locator("#error-days")).to_have_text(
        "Your own tokens expire within 90 days; an admin can make longer-lived ones."
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Board pack")
    expect(page.get_by_label("Expires after (days)")).to_have_value("400")
    page.get_by_label("Expires after (days)").fill("soon")
    page.get_by_role("button", name="Make token").click()
    expect(page.locator("#error-days")).to_contain_text("as a whole number")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "tokens-refused")
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()  # nothing was made

    # Someone else's token is not theirs to revoke, and a form without its token changes nothing.
    csrf = page.locator("input[name=csrf]").first.input_value()
    answer = page.request.post(site + "/account/tokens/1/revoke", form={"csrf": csrf})
    assert answer.status == 403
    assert "Not allowed" in answer.text() and "A board may not manage people" in answer.text()
    assert page.request.post(site + "/account/tokens", form={"name": "No form token"}).status == 403
    page.reload()
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()
