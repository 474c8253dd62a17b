"""Demand's pages when an entry of a list is named by something besides the counts, on both databases: taking it off
is refused beside it, saying what names it and what to do instead; and a binding or a demand-fed measure whose entry
has gone anyway (from before such refusals) leaves the model and demand pages readable, says which binding to change,
and the refresh buttons answer with their inline message."""

import pytest
from fastapi import FastAPI
from sqlmodel import Session

from benefits import demand
from benefits.actors import Actor
from benefits.demand import ReferenceList, Tagged
from benefits.models import Person
from tests.benefits.test_demand_entries_in_use import listed_and_counted
from tests.support.factories import make_benefit, make_initiative
from tests.web.test_demand_forms import _browser, _csrf, _follow, _status


@pytest.fixture
def admin(session: Session) -> Actor:
    """An admin, with council tax and housing, residents and tenants listed, and council tax's calls counted."""
    return listed_and_counted(session)


def _person(session: Session, actor: Actor) -> Person:
    found = session.get(Person, actor.person_id)
    assert found is not None
    return found


def test_a_segment_who_gains_stays_on_its_list_from_the_page(session: Session, app: FastAPI, admin: Actor) -> None:
    benefit = make_benefit(session, initiative=make_initiative(session), title="Fewer calls chasing bills")
    demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id or 0, segments=["tenants"], actor=admin)
    browser = _browser(app, session, _person(session, admin))
    page = browser.get("/demand/lists/segments").text
    refused = browser.post("/demand/lists/segments/tenants/delete", data={"csrf": _csrf(page)})
    assert refused.status_code == 409
    assert f"who gains from benefit {benefit.id} (Fewer calls chasing bills)" in refused.text
    assert "untag or re-bind each first" in refused.text and "rename the segment instead" in refused.text
    assert demand.get_reference(session=session, kind=ReferenceList.segments, code="tenants").name == "Tenants"
    demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id or 0, segments=[], actor=admin)
    gone = browser.post("/demand/lists/segments/tenants/delete", data={"csrf": _csrf(page)})
    assert "Segment tenants taken off the list." in _status(_follow(browser, gone))
