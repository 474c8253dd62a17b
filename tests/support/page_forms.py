"""Reading the pages as a browser without JavaScript does: signed in by cookie, a form's token, the status said."""

import re

import lxml.html
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.models import Person
from tests.support.factories import make_token
from web.session import SESSION_COOKIE


def signed_in_browser(app: FastAPI, session: Session, person: Person) -> TestClient:
    """A browser signed in to the pages as the person, redirects not followed."""
    token = make_token(session, person=person)
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False, cookies={SESSION_COOKIE: token})


def csrf_token(page: str) -> str:
    """The form token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form token on the page"
    return found.group(1)


def status_message(page: str) -> str:
    """What the page's status message says (announced to screen readers)."""
    found = lxml.html.document_fromstring(page).xpath('//*[@role="status"]')
    return " ".join(node.text_content().strip() for node in found)
