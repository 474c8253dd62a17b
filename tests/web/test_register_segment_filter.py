"""An initiative's register filtered by who gains (a customer segment), as a browser without JavaScript asks for it:
the benefits tagged with the segment, and a segment not on the list said and set aside."""

import lxml.html
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import demand
from benefits.demand import ReferenceList, Tagged
from benefits.models import Role
from benefits.models.demand import ReferenceCreate
from tests.support.factories import TESTER, make_benefit, make_initiative, make_person, make_token
from web.session import SESSION_COOKIE


def _register(page: str) -> list[str]:
    """The titles of the benefits the register's table lists, in order."""
    document = lxml.html.document_fromstring(page)
    return [cell.text_content().strip() for cell in document.xpath('//div[@id="register"]//tbody/tr/*[1]')]


def test_the_register_shows_the_benefits_that_reach_the_segment_chosen(app: FastAPI, session: Session) -> None:
    initiative = make_initiative(session)
    for code, name in (("residents", "Residents"), ("businesses", "Local businesses")):
        demand.create_reference(session=session, kind=ReferenceList.segments,
                                fields=ReferenceCreate(code=code, name=name), actor=TESTER)  # fmt: skip
    tags = {"Calls avoided": ["residents"], "Visits avoided": ["residents", "businesses"], "Staff time": []}
    for title, segments in tags.items():
        benefit = make_benefit(session, initiative=initiative, title=title)
        assert benefit.id is not None
        demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id, segments=segments, actor=TESTER)
    viewer = make_person(session, role=Role.viewer)
    browser = TestClient(
        app, raise_server_exceptions=False, cookies={SESSION_COOKIE: make_token(session, person=viewer)}
    )
    address = f"/initiatives/{initiative.id}"

    everyone = browser.get(address)
    assert everyone.status_code == 200
    assert sorted(_register(everyone.text)) == sorted(tags)
    for asked in ("residents", "Businesses"):  # a code in any case is the listed one
        answer = browser.get(address, params={"segment": asked})
        assert answer.status_code == 200
        expected = [title for title, segments in tags.items() if asked.lower() in segments]
        assert sorted(_register(answer.text)) == sorted(expected)
        assert f"{len(expected)} of 3 live benefits match the filter" in answer.text
        chosen = lxml.html.document_fromstring(answer.text).xpath('//select[@id="filter-segment"]/option[@selected]')
        assert [option.get("value") for option in chosen] == [asked.lower()]

    unknown = browser.get(address, params={"segment": "tourists"})
    assert unknown.status_code == 422
    said = lxml.html.document_fromstring(unknown.text).get_element_by_id("filter-segment-error").text_content()
    assert said == "Who gains: there is no customer segment 'tourists'; choose one from the list"
    assert sorted(_register(unknown.text)) == sorted(tags)  # set aside: the whole register, nothing hidden
