"""Single sign-on in Chromium against a real OpenID Connect provider on loopback (oidc-provider, with Node).

The service runs with local passwords off and `admin` as its break-glass admin; the provider knows Ada (in a
group mapped to finance), Brook (in no mapped group), Quinn (mapped to the board; her codes expire after a second)
and Dana (disabled at the provider).
"""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.support.oidc import PASSWORD as PROVIDER_PASSWORD
from tests.support.server import free_port, running_server
from tests.web.conftest import PASSWORD, screenshot, serious_accessibility_problems

ROLE_MAP = {"benefits-finance": "finance", "benefits-board": "board"}
ANSWER = re.compile(r"/sign-in/callback\?")
# Where a chain of redirects to the provider's answer starts: its own sign-in form, or (for a person signed in
# there already) the service's link to it.
AFTER_PROVIDER_FORM = re.compile(r"/interaction/[^/]+/login$")
AFTER_SERVICE_LINK = re.compile(r"/sign-in/organisation$")


@dataclass(frozen=True)
class Site:
    """The service and its provider, with the break-glass admin's API token to read the record back."""

    base: str
    issuer: str
    admin_token: str

    def api(self, method: str, path: str, **arguments: Any) -> httpx2.Response:
        """A call to the service's API as the break-glass admin."""
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx2.request(method, self.base + path, headers=headers, timeout=30, **arguments)

    def person(self, name: str) -> dict[str, Any] | None:
        """The person of that name, as the API reads them back, or None."""
        people = self.api("GET", "/api/v1/users", params={"limit": 500}).json()["items"]
        return next((person for person in people if person["name"] == name), None)

    def events(self, action: str) -> list[dict[str, Any]]:
        """The trail's events about people with this action, oldest first."""
        found = self.api("GET", "/api/v1/audit", params={"entity": "person", "limit": 500}).json()["items"]
        return [event for event in found if event["action"] == action]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The worked example served with single sign-on (passwords off, `admin` the break-glass admin), and a provider."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sso') / 'site.db'}"
    environment = {**os.environ, "BENEFITS_DATABASE_URL": url, "BENEFITS_EXAMPLE_PASSWORD": PASSWORD,
                   "BENEFITS_ADMIN_PASSWORD": PASSWORD}  # fmt: skip
    for command in (["db", "upgrade"], ["example", "load"]):
        subprocess.run([sys.executable, "-m", "benefits.cli", *command], env=environment, check=True,
                       capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
    provider_port = free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    settings = {"BENEFITS_OIDC_ISSUER": issuer, "BENEFITS_OIDC_CLIENT_ID": CLIENT_ID,
                "BENEFITS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "BENEFITS_OIDC_SCOPES": "openid email profile groups",
                "BENEFITS_OIDC_GROUPS_CLAIM": "groups", "BENEFITS_OIDC_ROLE_MAP": json.dumps(ROLE_MAP),
                "BENEFITS_OIDC_DISPLAY_NAME": "your council account", "BENEFITS_LOCAL_PASSWORDS": "false",
                "BENEFITS_BREAK_GLASS_ADMIN": "admin", "BENEFITS_ADMIN_PASSWORD": PASSWORD}  # fmt: skip
    # The service reads the provider's discovery document on the first sign-in, so it may start first: the
    # provider then learns the service's own address for its client's redirect URI.
    with (
        running_server(url, **settings) as base,
        running_provider(
            provider_port, redirect_uri=f"{base}/sign-in/callback", post_logout_redirect_uri=f"{base}/sign-in"
        ),
    ):
        signed_in = httpx2.post(f"{base}/api/v1/auth/token", json={"login": "admin", "password": PASSWORD})
        assert signed_in.status_code == 201, signed_in.text  # the break-glass admin still signs in
        yield Site(base=base, issuer=issuer, admin_token=signed_in.json()["token"])


def _at_provider(page: Page, site: Site, username: str) -> None:
    """From the sign-in page, on to the provider's own sign-in, and through it as `username`."""
    page.goto(site.base + "/sign-in")
    page.locator("#sign-in-organisation").click()
    page.wait_for_url(site.issuer + "/interaction/**")
    page.fill("#username", username)
    page.fill("#password", PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def _held_answer(page: Page, going: Callable[[], None], chain_starts: re.Pattern[str] = AFTER_PROVIDER_FORM) -> str:
    """The provider's answer (the callback address with its code and state), held back from the service.

    A browser's route sees only the first address of a chain of redirects, so the chain that starts with the
    action (the provider's sign-in form, or the service's link to the provider) is followed here, hop by hop with
    the browser's cookies, until the provider answers with the callback address; that address is kept, not visited.
    """
    caught: list[str] = []

    def follow(route: Route) -> None:
        address, response = route.request.url, route.fetch(max_redirects=0)
        while response.status in (301, 302, 303, 307, 308):
            address = urljoin(address, response.headers["location"])
            if ANSWER.search(address):
                caught.append(address)
                route.fulfill(status=200, content_type="text/plain", body="the provider's answer, held back")
                return
            response = page.request.get(address, max_redirects=0)
        route.fulfill(response=response)

    page.route(chain_starts, follow)
    try:
        going()
        deadline = time.monotonic() + 30
        while not caught and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    finally:
        page.unroute(chain_starts)
    assert caught, "the provider never answered"
    return caught[0]


def _with(answer: str, **changed: str) -> str:
    """The answer's address with some of its parameters changed."""
    parts = urlsplit(answer)
    asked = {name: values[0] for name, values in parse_qs(parts.query).items()} | changed
    return parts._replace(query=urlencode(asked)).geturl()


def _refusal(page: Page) -> str:
    """The reason the refusal page gives (its stable code), after checking it says what to do."""
    expect(page.locator("h1")).to_have_text("You are not signed in")
    expect(page.locator("#what-to-do")).not_to_be_empty()
    return page.locator("#refusal").get_attribute("data-reason") or ""


def test_the_sign_in_page_offers_the_organisation_and_no_password_form(site: Site, page: Page) -> None:
    page.goto(site.base + "/sign-in")
    expect(page.locator("#sign-in-organisation")).to_have_text("Sign in with your council account")
    assert page.locator("input[type=password]").count() == 0
    assert page.locator("form[action='/sign-in']").count() == 0
    expect(page.get_by_text("Passwords kept here are switched off")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "sso-sign-in")


def test_a_first_sign_in_creates_the_person_with_the_mapped_role_and_later_ones_refresh_it(
    site: Site, page: Page
) -> None:
    assert site.person("Ada Lovelace") is None
    _at_provider(page, site, "ada")
    page.wait_for_url(site.base + "/")
    expect(page.locator(".who span")).to_have_text("Ada Lovelace (finance)")
    ada = site.person("Ada Lovelace")
    assert ada is not None and (ada["role"], ada["email"], ada["active"]) == ("finance", "ada@council.example", True)
    created = [event for event in site.events("created") if event["entity_id"] == ada["id"]]
    assert len(created) == 1 and created[0]["after"]["through"] == "single sign-on"
    assert created[0]["after"]["role"] == "finance" and created[0]["actor_id"] == ada["id"]
    signed_in = site.api("GET", "/api/v1/audit", params={"entity": "api_token", "person_id": ada["id"]}).json()
    assert [event["action"] for event in signed_in["items"]] == ["signed_in"]

    # Signing out ends the session here, and offers the provider's sign-out.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.base + "/sign-in/signed-out")
    expect(page.locator("#done")).to_contain_text("You are signed out of this service.")
    provider_sign_out = page.locator("#provider-sign-out").get_attribute("href") or ""
    discovery = httpx2.get(site.issuer + "/.well-known/openid-configuration").json()
    assert provider_sign_out.startswith(discovery["end_session_endpoint"] + "?")
    assert parse_qs(urlsplit(provider_sign_out).query)["post_logout_redirect_uri"] == [site.base + "/sign-in"]
    assert serious_accessibility_problems(page) == []
    screenshot(page, "sso-signed-out")
    page.goto(site.base + "/")
    assert page.url.startswith(site.base + "/sign-in")

    # An admin changes her role here; her next sign-in takes it from the provider's groups again, in the trail.
    changed = site.api("PATCH", f"/api/v1/users/{ada['id']}", json={"role": "viewer"})
    assert changed.status_code == 200, changed.text
    page.goto(site.base + "/sign-in")
    page.locator("#sign-in-organisation").click()  # still signed in at the provider: straight back
    page.wait_for_url(site.base + "/")
    expect(page.locator(".who span")).to_have_text("Ada Lovelace (finance)")
    refreshed = [event for event in site.events("updated") if event["entity_id"] == ada["id"]][-1]
    assert (refreshed["before"], refreshed["after"]) == ({"role": "viewer"}, {"role": "finance"})
    assert refreshed["context"]["groups"] == ["benefits-finance", "all-staff"]

    # Signing out at the provider too: the next sign-in asks for her password there again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.base + "/sign-in/signed-out")
    page.locator("#provider-sign-out").click()
    page.get_by_role("button", name=re.compile("sign me out", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(re.escape(site.base + "/sign-in") + r"(\?.*)?$"))  # with the provider's state
    page.locator("#sign-in-organisation").click()
    page.wait_for_url(site.issuer + "/interaction/**")
    expect(page.locator("#username")).to_be_visible()


def test_a_person_in_no_mapped_group_is_refused_with_the_page_that_says_why(site: Site, page: Page) -> None:
    refusals_before = len(site.events("sign_in_refused"))
    _at_provider(page, site, "brook")
    page.wait_for_url(site.base + "/sign-in/callback?*")
    assert _refusal(page) == "no_mapped_group"
    expect(page.locator("#refusal")).to_contain_text("none of the groups that give access")
    expect(page.locator("#refusal")).to_contain_text("facilities")
    assert page.locator(".who").count() == 0  # nobody signed in
    assert serious_accessibility_problems(page) == []
    screenshot(page, "sso-refused-no-group")
    assert site.person("Brook Taylor") is None
    refused = site.events("sign_in_refused")[refusals_before:]
    assert [(event["after"]["reason"], event["context"]["subject"]) for event in refused] == [
        ("no_mapped_group", "brook")
    ]
    page.goto(site.base + "/")
    assert page.url.startswith(site.base + "/sign-in")


def test_an_account_the_provider_disables_cannot_sign_in(site: Site, page: Page) -> None:
    _at_provider(page, site, "dana")
    expect(page.locator("#problem")).to_have_text("This account is disabled. Ask the service desk.")
    assert page.url.startswith(site.issuer)
    assert site.person("Dana Scully") is None


def test_a_tampered_state_is_refused(site: Site, page: Page) -> None:
    answer = _held_answer(page, lambda: _at_provider(page, site, "ada"))
    tampered = _with(answer, state="a-state-of-the-attackers-choosing")
    refused = page.goto(tampered)
    assert refused is not None and refused.status == 403
    assert _refusal(page) == "state_mismatch"
    assert site.events("sign_in_refused")[-1]["after"] == {"reason": "state_mismatch", "through": "single sign-on"}
    # The sign-in under way is forgotten with the refusal: its genuine answer now finds nothing to belong to.
    page.goto(answer)
    assert _refusal(page) == "no_sign_in_started"
    page.goto(site.base + "/")
    assert page.url.startswith(site.base + "/sign-in")


def test_a_reused_code_is_refused(site: Site, page: Page) -> None:
    first = _held_answer(page, lambda: _at_provider(page, site, "ada"))
    page.goto(first)
    page.wait_for_url(site.base + "/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.base + "/sign-in/signed-out")
    # A new sign-in (its own state), answered with the first sign-in's code, already exchanged.
    second = _held_answer(page, lambda: page.locator("#sign-in-organisation").click(), AFTER_SERVICE_LINK)
    replayed = page.goto(_with(second, code=parse_qs(urlsplit(first).query)["code"][0]))
    assert replayed is not None and replayed.status == 403
    assert _refusal(page) == "code_refused"
    expect(page.locator("#refusal")).to_contain_text("expired or was used already")
    assert site.events("sign_in_refused")[-1]["after"] == {"reason": "code_refused", "through": "single sign-on"}


def test_an_expired_code_is_refused(site: Site, page: Page) -> None:
    answer = _held_answer(page, lambda: _at_provider(page, site, "quinn"))
    time.sleep(5.5)  # Quinn's codes live four seconds at the provider (long enough for a fresh one on a busy machine)
    expired = page.goto(answer)
    assert expired is not None and expired.status == 403
    assert _refusal(page) == "code_refused"
    assert site.person("Quinn Hale") is None
    # A fresh sign-in, answered at once, goes through, with the board's role her group maps to.
    page.goto(site.base + "/sign-in")
    page.locator("#sign-in-organisation").click()
    page.wait_for_url(site.base + "/")
    expect(page.locator(".who span")).to_have_text("Quinn Hale (board)")


def test_with_local_passwords_off_a_password_sign_in_is_refused_but_the_break_glass_admins(
    site: Site, page: Page
) -> None:
    frank = {"login": "Frank Okafor", "password": PASSWORD}
    refused = httpx2.post(site.base + "/api/v1/auth/token", json=frank)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "local_passwords_off"
    assert "organisation's sign-in" in refused.json()["detail"]
    assert site.events("sign_in_refused")[-1]["after"] == {"reason": "local_passwords_off", "through": "password"}
    assert (
        httpx2.post(site.base + "/api/v1/auth/token", json={"login": "admin", "password": PASSWORD}).status_code == 201
    )
    # An integration's token keeps working.
    frank_id = (site.person("Frank Okafor") or {})["id"]
    made = site.api("POST", "/api/v1/tokens", json={"person_id": frank_id, "name": "warehouse"})
    assert made.status_code == 201
    reads = httpx2.get(site.base + "/api/v1/initiatives", headers={"Authorization": f"Bearer {made.json()['token']}"})
    assert reads.status_code == 200

    # The break-glass form, linked from the sign-in page: the admin only.
    page.goto(site.base + "/sign-in")
    page.get_by_role("link", name="Break-glass sign-in for the service's administrator").click()
    page.fill("#login", "Frank Okafor")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#sign-in-error")).to_contain_text("Passwords kept here are switched off")
    expect(page.locator("#login")).to_have_value("Frank Okafor")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "sso-break-glass-refused")
    page.fill("#login", "admin")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(site.base + "/")
    expect(page.locator(".who span")).to_have_text("admin (admin)")


def test_signing_in_works_without_javascript_and_returns_to_the_page_asked_for(site: Site, no_scripts: Page) -> None:
    page = no_scripts
    page.goto(site.base + "/work")
    assert page.url.startswith(site.base + "/sign-in?next=")
    page.locator("#sign-in-organisation").click()
    page.wait_for_url(site.issuer + "/interaction/**")
    page.fill("#username", "ada")
    page.fill("#password", PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(site.base + "/work")
    expect(page.locator(".who span")).to_have_text("Ada Lovelace (finance)")


def test_a_person_made_inactive_here_stays_refused(site: Site, page: Page) -> None:
    _at_provider(page, site, "ada")  # she exists after this, whatever ran before
    page.wait_for_url(site.base + "/")
    ada = site.person("Ada Lovelace")
    assert ada is not None
    page.get_by_role("button", name="Sign out").click()
    assert site.api("PATCH", f"/api/v1/users/{ada['id']}", json={"active": False}).status_code == 200
    try:
        page.goto(site.base + "/sign-in")
        page.locator("#sign-in-organisation").click()  # still signed in at the provider, which vouches for her
        page.wait_for_url(site.base + "/sign-in/callback?*")
        assert _refusal(page) == "inactive"
        expect(page.locator("#what-to-do")).to_contain_text("make your account active again")
        refused = site.events("sign_in_refused")[-1]
        assert (refused["entity_id"], refused["after"]["reason"]) == (ada["id"], "inactive")
        assert (site.person("Ada Lovelace") or {})["active"] is False  # the claims do not switch her back on
    finally:
        site.api("PATCH", f"/api/v1/users/{ada['id']}", json={"active": True})
