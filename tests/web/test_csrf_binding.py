"""A form's CSRF token is bound to the browser's session: a cookie and a form field an attacker chose are refused."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.models import Role
from tests.support.factories import make_person
from web.session import CSRF_COOKIE, SESSION_COOKIE

PASSWORD = "a password long enough"
EXPIRED = "That form had expired"


def _token(page: str) -> str:
    """The CSRF token the page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form token on the page"
    return found.group(1)


def _plant(browser: TestClient, value: str) -> None:
    """Replace the browser's pre-sign-in cookie with `value`, as an attacker on a sibling domain can."""
    for cookie in [cookie for cookie in browser.cookies.jar if cookie.name == CSRF_COOKIE]:
        browser.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    browser.cookies.set(CSRF_COOKIE, value)


def _browser(app: FastAPI) -> TestClient:
    """A browser of its own: its own cookies, redirects not followed."""
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture
def person(session: Session) -> str:
    """The name of a person who signs in to the pages."""
    return make_person(session, role=Role.programme_manager, password=PASSWORD).name


def _signed_in(app: FastAPI, name: str) -> TestClient:
    """A browser signed in through the sign-in form, with the token its page gave."""
    browser = _browser(app)
    token = _token(browser.get("/sign-in").text)
    answer = browser.post("/sign-in", data={"csrf": token, "login": name, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    assert browser.cookies.get(SESSION_COOKIE)
    return browser


def test_signing_in_and_out_with_the_pages_tokens_works(app: FastAPI, person: str) -> None:
    browser = _signed_in(app, person)
    dashboard = browser.get("/")
    assert dashboard.status_code == 200
    answer = browser.post("/sign-out", data={"csrf": _token(dashboard.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert browser.get("/").status_code == 303  # signed out: sent to sign in
    # The sign-in form works again afterwards.
    browser.cookies.delete(SESSION_COOKIE)
    again = browser.post("/sign-in", data={"csrf": _token(browser.get("/sign-in").text), "login": person,
                                           "password": PASSWORD})  # fmt: skip
    assert again.status_code == 303


def test_a_cookie_and_field_the_attacker_chose_do_not_sign_anyone_in(app: FastAPI, person: str) -> None:
    browser = _browser(app)
    browser.cookies.set(CSRF_COOKIE, "chosen-by-the-attacker")
    answer = browser.post("/sign-in", data={"csrf": "chosen-by-the-attacker", "login": person, "password": PASSWORD})
    assert answer.status_code == 403 and EXPIRED in answer.text
    assert not browser.cookies.get(SESSION_COOKIE)


def test_a_signed_in_persons_form_cannot_be_forged_with_a_planted_cookie(app: FastAPI, person: str) -> None:
    victim = _signed_in(app, person)
    # The attacker plants a pre-sign-in cookie of their choosing (a sibling domain can) and posts the same value.
    _plant(victim, "chosen-by-the-attacker")
    answer = victim.post("/sign-out", data={"csrf": "chosen-by-the-attacker"})
    assert answer.status_code == 403 and EXPIRED in answer.text
    assert victim.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_a_token_from_another_session_is_refused(app: FastAPI, person: str, session: Session) -> None:
    attacker = _signed_in(app, make_person(session, role=Role.viewer, password=PASSWORD).name)
    attackers_token = _token(attacker.get("/").text)
    victim = _signed_in(app, person)
    # The attacker's own, genuine token and their pre-sign-in cookie, sent with the victim's session.
    _plant(victim, attacker.cookies.get(CSRF_COOKIE) or "")
    answer = victim.post("/sign-out", data={"csrf": attackers_token})
    assert answer.status_code == 403
    assert victim.get("/").status_code == 200
    # Nor does the token of the victim's own page from before signing in count once signed in.
    fresh = _browser(app)
    before = _token(fresh.get("/sign-in").text)
    fresh.post("/sign-in", data={"csrf": before, "login": person, "password": PASSWORD})
    assert fresh.post("/sign-out", data={"csrf": before}).status_code == 403


def test_the_token_is_not_the_cookie_and_changes_with_the_session(app: FastAPI, person: str) -> None:
    browser = _browser(app)
    before = _token(browser.get("/sign-in").text)
    assert before != browser.cookies.get(CSRF_COOKIE)
    browser.post("/sign-in", data={"csrf": before, "login": person, "password": PASSWORD})
    after = _token(browser.get("/").text)
    assert after != before and after != browser.cookies.get(SESSION_COOKIE)
    assert _token(browser.get("/").text) == after  # stable within one session, so several tabs agree
