"""The pages in real Chromium: signing in and out, the portfolio, with JavaScript and without."""

from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems


def _sign_in(page: Page, site: str, login: str, password: str = PASSWORD) -> None:
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Name or e-mail").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_viewer_signs_in_and_sees_the_portfolio(page: Page, site: str) -> None:
    page.goto(site + "/")
    assert "/sign-in" in page.url
    assert serious_accessibility_problems(page) == []
    screenshot(page, "sign-in")
    _sign_in(page, site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    row = page.get_by_role("row", name="Customer Access Programme")
    # The README's appraisal of the worked example, to the pound.
    expect(row).to_contain_text("£1,655,565")
    expect(row).to_contain_text("£881,000")
    expect(row).to_contain_text("Priya Patel")
    expect(page.get_by_text("Victor Shaw (viewer)")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "portfolio")


def test_a_wrong_password_is_said_next_to_the_form(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    expect(page.get_by_label("Name or e-mail")).to_have_value("Victor Shaw")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_signing_in_and_out_works_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    _sign_in(page, site, "Priya Patel")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(site + "/")
    assert "/sign-in" in page.url  # the session's token was revoked with the cookie
    context.close()


def test_a_form_without_its_token_changes_nothing(page: Page, site: str) -> None:
    answer = page.request.post(site + "/sign-in", form={"login": "Victor Shaw", "password": PASSWORD})
    assert answer.status == 403
    assert "benefits_session" not in {cookie["name"] for cookie in page.context.cookies()}
