"""The request's unit of work is the one owner of the transaction: a refused form leaves nothing half-written,
and a refusal that keeps something (a model's draft, a counted sign-in attempt) keeps it."""

import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.deps import undone_on_refusal
from benefits import cause_models
from benefits.errors import Conflict
from benefits.models import AuditEvent, Initiative, LoginAttempt, Role
from tests.support.factories import make_initiative, make_person, make_token
from web.session import SESSION_COOKIE

PASSWORD = "a password long enough"


def _form(page: str, action: str) -> dict[str, str | list[str]]:
    """What the page's form posting to `action` sends as it stands, as a browser would send it."""
    forms = [form for form in lxml.html.document_fromstring(page).forms if form.action == action]
    assert forms, f"no form posts to {action}"
    sent: dict[str, str | list[str]] = {}
    for name, value in forms[0].form_values():
        held = sent.get(name)
        sent[name] = value if held is None else [*([held] if isinstance(held, str) else held), value]
    return sent


def _page_browser(app: FastAPI, session: Session) -> TestClient:
    """A browser signed in to the pages as an admin."""
    token = make_token(session, person=make_person(session, role=Role.admin))
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False, cookies={SESSION_COOKIE: token})


def _trail(session: Session, initiative_id: int) -> list[str]:
    """The actions the trail holds for the initiative, oldest first."""
    events = select(AuditEvent).where(AuditEvent.initiative_id == initiative_id).order_by(col(AuditEvent.id))
    return [event.action for event in session.exec(events).all()]


def test_a_step_refused_after_it_wrote_is_undone_and_what_came_before_stands(session: Session) -> None:
    initiative = make_initiative(session, name="Contact centre")
    initiative_id = initiative.id
    assert initiative_id is not None
    initiative.description = "Kept: written before the step"
    with pytest.raises(Conflict), undone_on_refusal(session):
        initiative.name = "Half-written"
        session.flush()  # written to the database inside the step, then refused
        raise Conflict("Refused after writing.")
    session.commit()
    session.expunge_all()
    stored = session.get(Initiative, initiative_id)
    assert stored is not None
    assert (stored.name, stored.description) == ("Contact centre", "Kept: written before the step")


def test_a_refused_initiative_form_leaves_its_fields_unsaved(session: Session, app: FastAPI) -> None:
    initiative = make_initiative(session, name="Contact centre")
    assert initiative.id is not None
    browser = _page_browser(app, session)
    action = f"/initiatives/{initiative.id}/edit"
    form = _form(browser.get(action).text, action)
    before = _trail(session, initiative.id)
    # The new name is written first; then a member who is no person here is refused.
    answer = browser.post(action, data=form | {"name": "Renamed", "members": ["999999"]})
    assert answer.status_code == 422, answer.text
    assert 'value="Renamed"' in answer.text  # what was typed is kept on the form
    stored = session.get(Initiative, initiative.id)
    assert stored is not None and stored.name == "Contact centre"
    assert _trail(session, initiative.id) == before
    # The same form without the refused member is saved whole.
    assert browser.post(action, data=form | {"name": "Renamed"}).status_code == 303
    session.expunge_all()
    renamed = session.get(Initiative, initiative.id)
    assert renamed is not None and renamed.name == "Renamed"
    assert len(_trail(session, initiative.id)) == len(before) + 1


def test_a_model_with_problems_saved_on_its_page_is_kept_as_the_draft(session: Session, app: FastAPI) -> None:
    initiative = make_initiative(session)
    assert initiative.id is not None
    browser = _page_browser(app, session)
    action = f"/initiatives/{initiative.id}/model"
    form = _form(browser.get(action).text, action)
    typed = {"name_0": "calls", "kind_0": "derived", "formula_0": "missing_node * 2"}
    answer = browser.post(action, data=form | typed)
    assert answer.status_code == 422, answer.text
    stored = cause_models.get_model(session=session, initiative_id=initiative.id)
    assert stored.nodes == []  # the model in use is unchanged
    assert stored.draft is not None
    assert stored.draft.model["nodes"][0]["name"] == "calls"
    assert "unknown_name" in {problem["code"] for problem in stored.draft.problems}


def _attempts(session: Session, login: str) -> int:
    """How many sign-in attempts are kept for the login."""
    return session.exec(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.login == login)).one()


def test_a_refused_sign_in_on_the_page_still_counts_its_attempt(session: Session, app: FastAPI) -> None:
    name = make_person(session, role=Role.viewer, password=PASSWORD).name
    browser = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    form = _form(browser.get("/sign-in").text, "/sign-in")
    statuses = [
        browser.post("/sign-in", data=form | {"login": name, "password": f"guess {number}"}).status_code
        for number in range(7)
    ]
    # Five failures are allowed; each refusal, wrong password or too many, is kept as an attempt.
    assert statuses == [401] * 5 + [429] * 2
    assert _attempts(session, name.lower()) == 7
    assert browser.post("/sign-in", data=form | {"login": name, "password": PASSWORD}).status_code == 429
    assert _attempts(session, name.lower()) == 8
