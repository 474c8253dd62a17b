"""Demand's pages when an entry of a list is named by something besides the counts, on both databases: taking it off
is refused beside it, saying what names it and what to do instead; and a binding or a demand-fed measure whose entry
has gone anyway (from before such refusals) leaves the model and demand pages readable, says which binding to change,
and the refresh buttons answer with their inline message."""

import lxml.html
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from benefits import demand, measures
from benefits.actors import Actor
from benefits.demand import DemandFilter, ReferenceList, Tagged
from benefits.models import Person
from benefits.models.demand import DemandAssumptionIn, DemandFigure
from benefits.models.measure import MeasureCreate
from tests.benefits.test_demand_entries_in_use import listed_and_counted, modelled
from tests.support.factories import make_benefit, make_initiative
from tests.support.page_forms import csrf_token, signed_in_browser, status_message
from tests.web.test_demand_forms import _error, _follow


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
    browser = signed_in_browser(app, session, _person(session, admin))
    page = browser.get("/demand/lists/segments").text
    refused = browser.post("/demand/lists/segments/tenants/delete", data={"csrf": csrf_token(page)})
    assert refused.status_code == 409
    assert f"who gains from benefit {benefit.id} (Fewer calls chasing bills)" in refused.text
    assert "untag or re-bind each first" in refused.text and "rename the segment instead" in refused.text
    assert demand.get_reference(session=session, kind=ReferenceList.segments, code="tenants").name == "Tenants"
    demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id or 0, segments=[], actor=admin)
    gone = browser.post("/demand/lists/segments/tenants/delete", data={"csrf": csrf_token(page)})
    assert "Segment tenants taken off the list." in status_message(_follow(browser, gone))


def test_a_binding_and_a_feed_whose_entry_has_gone_leave_the_pages_readable(
    session: Session, app: FastAPI, admin: Actor
) -> None:
    initiative = modelled(session, admin)
    path = f"/initiatives/{initiative.id}"
    binding = DemandAssumptionIn(
        assumption="calls_a_year", figure=DemandFigure.contacts, services=["council_tax", "housing"], months=3
    )
    demand.bind_assumption(session=session, initiative_id=initiative.id or 0, fields=binding, actor=admin)
    measure = measures.create_measure(
        session=session,
        fields=MeasureCreate(name="Contacts a month", unit="contacts", initiative_id=initiative.id or 0),
        actor=admin,
    )
    where = DemandFilter(channels=("phone", "web"))
    demand.feed_measure(
        session=session, measure_id=measure.id or 0, figure=DemandFigure.contacts, where=where, actor=admin
    )
    # Taken off their lists as they could be before a binding or a feed kept them there.
    for kind, code in ((ReferenceList.services, "housing"), (ReferenceList.channels, "web")):
        session.delete(demand.get_reference(session=session, kind=kind, code=code))
    session.flush()
    browser = signed_in_browser(app, session, _person(session, admin))

    model = browser.get(path + "/model")
    assert model.status_code == 200
    assert "calls_a_year takes contacts a year" in " ".join(
        lxml.html.document_fromstring(model.text).text_content().split()
    )
    page = browser.get(path + "/demand")
    assert page.status_code == 200
    row = lxml.html.document_fromstring(page.text).xpath('//tr[@id="bound-calls_a_year"]')[0].text_content()
    assert demand.UNLISTED in " ".join(row.split())
    refused = browser.post(path + "/demand/refresh", data={"csrf": csrf_token(page.text)})
    assert refused.status_code == 409
    assert f"calls_a_year cannot be set: {demand.UNLISTED}." in _error(refused.text, "refresh")
    measure_page = browser.get(f"/measures/{measure.id}")
    assert measure_page.status_code == 200
    again = browser.post(f"/measures/{measure.id}/demand/refresh", data={"csrf": csrf_token(measure_page.text)})
    assert again.status_code == 409
    assert "web, no longer listed: feed it again" in _error(again.text, "refresh")
    view = demand.binding_view(
        session=session, binding=demand.bindings(session=session, initiative_id=initiative.id or 0)[0]
    )
    assert (view.value, view.span) == (None, demand.UNLISTED)
