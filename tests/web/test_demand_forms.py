"""Demand's forms as a browser without JavaScript sends them, on both databases: the reference lists, costs per
contact, assumptions bound to demand, segments who gain, and a measure fed from the counts. Each success ends on a
page whose status message says what was done; each refusal keeps what was typed and names the field; a role that
may not change a thing sees no form, and its post is refused."""

import datetime as dt
from decimal import Decimal

import httpx2
import lxml.html
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import cause_models, demand, formatting, measures, register
from benefits.demand import ReferenceList, Tagged
from benefits.demand_import import load_contacts, sheet_of
from benefits.models import Person, Role
from benefits.models.cause_model import ModelIn
from benefits.models.demand import ContactIn, ReferenceCreate
from benefits.models.measure import MeasureCreate
from tests.support.factories import actor_of, make_benefit, make_initiative, make_person
from tests.support.page_forms import csrf_token, signed_in_browser, status_message

MONTHS = [dt.date(2026, month, 1) for month in range(1, 7)]
# Counts of the months above for council tax by phone: value demand, and progress chasing (avoidable).
VALUE = [900, 950, 1000, 1020, 980, 1010]
CHASING = [300, 310, 280, 260, 250, 240]


def _forms(page: str) -> list[str]:
    """Where the page's forms post (its search and sign-out forms left out)."""
    found = [form.action or "" for form in lxml.html.document_fromstring(page).forms]
    return [action for action in found if action not in ("/sign-out",) and form_posts(page, action)]


def form_posts(page: str, action: str) -> bool:
    """Whether a form of the page posting to `action` changes something (a POST, not a search)."""
    forms = [form for form in lxml.html.document_fromstring(page).forms if form.action == action]
    return any((form.method or "GET").upper() == "POST" for form in forms)


def _error(page: str, field: str) -> str:
    found = lxml.html.document_fromstring(page).xpath(f'//*[@id="error-{field}"]')
    return found[0].text_content().strip() if found else ""


def _value(page: str, name: str) -> str:
    document = lxml.html.document_fromstring(page)
    return str(document.xpath(f'string(//input[@name="{name}"]/@value)'))


def _ticked(page: str, name: str) -> list[str]:
    document = lxml.html.document_fromstring(page)
    return [str(value) for value in document.xpath(f'//input[@name="{name}" and @checked]/@value')]


def _follow(browser: TestClient, answer: httpx2.Response) -> str:
    """The page a post's redirect (post/redirect/get) lands on."""
    assert answer.status_code == 303, answer.text
    landed = browser.get(answer.headers["location"])
    assert landed.status_code == 200
    return landed.text


@pytest.fixture
def counted(session: Session) -> Person:
    """Council tax's phone contacts for six months counted, loaded by an admin (who is returned)."""
    admin = make_person(session, role=Role.admin)
    by_admin = actor_of(admin)
    council_tax = ReferenceCreate(code="council_tax", name="Council tax")
    demand.create_reference(session=session, kind=ReferenceList.services, fields=council_tax, actor=by_admin)
    rows = [ContactIn(period_start=month, service="council_tax", channel="phone", demand_type=kind, count=count)
            for kind, counts in (("value", VALUE), ("progress_chasing", CHASING))
            for month, count in zip(MONTHS, counts, strict=True)]  # fmt: skip
    load_contacts(session=session, sheet=sheet_of(rows), actor=by_admin)
    return admin


def test_lists_and_costs_are_kept_from_the_pages(session: Session, app: FastAPI, counted: Person) -> None:
    admin = signed_in_browser(app, session, counted)
    assert "/demand/lists/segments" in admin.get("/demand").text

    page = admin.get("/demand/lists/segments").text
    form = {"csrf": csrf_token(page), "code": "landlords", "name": "Landlords"}
    assert "Segment landlords added to the list." in status_message(
        _follow(admin, admin.post("/demand/lists/segments", data=form))
    )
    # The same code again is refused beside the code, the name typed kept.
    again = admin.post("/demand/lists/segments", data=form | {"name": "Private landlords"})
    assert again.status_code == 409
    assert "already on the list. Choose another code" in _error(again.text, "code")
    assert _value(again.text, "name") == "Private landlords"
    unreadable = admin.post("/demand/lists/segments", data=form | {"code": "Private Landlords!"})
    assert unreadable.status_code == 422
    assert (
        "lower-case letters" in _error(unreadable.text, "code")
        and _value(unreadable.text, "code") == "Private Landlords!"
    )
    # Renamed; the code stays.
    edit = admin.get("/demand/lists/segments/landlords/edit").text
    renamed = admin.post(
        "/demand/lists/segments/landlords/edit", data={"csrf": csrf_token(edit), "name": "Private landlords"}
    )
    assert "Segment landlords saved." in status_message(_follow(admin, renamed))
    # A demand type says whether it is avoidable.
    added = admin.post("/demand/lists/demand-types", data={"csrf": csrf_token(page), "code": "chasing_payments",
                                                          "name": "Chasing a payment", "avoidable": "1"})  # fmt: skip
    listed = _follow(admin, added)
    row = lxml.html.document_fromstring(listed).xpath('//tr[@id="entry-chasing_payments"]')[0].text_content()
    assert "yes" in row
    # A channel counted cannot be taken off its list: the page says so beside it and what to do instead.
    refused = admin.post("/demand/lists/channels/phone/delete", data={"csrf": csrf_token(page)})
    assert refused.status_code == 409
    assert "rename it instead" in refused.text and "Phone" in refused.text
    gone = admin.post("/demand/lists/channels/app/delete", data={"csrf": csrf_token(page)})
    assert "Channel app taken off the list." in status_message(_follow(admin, gone))

    costs = admin.get("/demand/costs").text
    assert "Socitm Insight, Channel Value Benchmarking" in costs  # each published figure with its citation
    assert formatting.money(Decimal("2.83"), pence=True) in costs
    kept = {"csrf": csrf_token(costs), "channel": "phone", "valid_from": "2026-04-01", "cost": "three pounds",
            "source": "Contact centre costing, March 2026"}  # fmt: skip
    wrong = admin.post("/demand/costs", data=kept)
    assert wrong.status_code == 422
    assert "not an amount" in _error(wrong.text, "cost")
    assert _value(wrong.text, "source") == "Contact centre costing, March 2026"
    landed = _follow(admin, admin.post("/demand/costs", data=kept | {"cost": "£3.105"}))
    assert "Cost per contact kept: Phone from 2026-04-01" in status_message(landed)
    table = lxml.html.document_fromstring(landed).xpath('//table[@id="costs-kept"]')[0].text_content()
    assert formatting.money(Decimal("3.105"), pence=True) == "£3.11"  # half-up, not to even
    assert "£3.11" in table and "in force" in table
    # A cost from a day still to come is kept beside the one in force, which stands until then.
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    landed = _follow(admin, admin.post("/demand/costs", data=kept | {"cost": "3.50", "valid_from": later}))
    rows = lxml.html.document_fromstring(landed).xpath('//table[@id="costs-kept"]//tr')
    standing = {row.xpath("string(td[1])"): row.xpath("string(td[3])") for row in rows if "Phone" in row.text_content()}
    assert standing == {
        "1 April 2026": "in force",
        dt.date.fromisoformat(later).strftime("%-d %B %Y"): "from a later date",
    }

    viewer = signed_in_browser(app, session, make_person(session, role=Role.viewer))
    for path in ("/demand/lists/segments", "/demand/costs"):
        shown = viewer.get(path)
        assert shown.status_code == 200 and "Private landlords" in viewer.get("/demand/lists/segments").text
        assert _forms(shown.text) == []
    token = csrf_token(viewer.get("/demand/costs").text)
    assert viewer.post("/demand/lists/segments", data={"csrf": token, "code": "x", "name": "X"}).status_code == 403
    assert viewer.post("/demand/costs", data=kept | {"csrf": token, "cost": "1"}).status_code == 403


def test_assumptions_segments_and_a_fed_measure_from_the_pages(session: Session, app: FastAPI, counted: Person) -> None:
    owner = make_person(session, role=Role.programme_manager)
    initiative = make_initiative(session, owner=owner.name)
    assert initiative.id is not None
    model = ModelIn.model_validate({"nodes": [
        {"name": "calls_a_year", "kind": "assumption", "unit": "contacts a year", "value": 10000, "low": 1000,
         "high": 100000, "source": "Telephony reports"},
        {"name": "avoidable_share", "kind": "assumption", "unit": "share", "value": 0.3, "low": 0.1, "high": 0.5},
        {"name": "avoidable_calls", "kind": "derived", "unit": "contacts a year",
         "formula": "calls_a_year * avoidable_share"},
    ]})  # fmt: skip
    cause_models.replace_model(session=session, initiative_id=initiative.id, fields=model, expected_version=None,
                               actor=actor_of(counted))  # fmt: skip
    benefit = make_benefit(session, initiative=initiative)
    measure = measures.create_measure(session=session, fields=MeasureCreate(
        name="Contacts a month", unit="contacts", initiative_id=initiative.id), actor=actor_of(counted))  # fmt: skip
    residents = ReferenceCreate(code="residents", name="Residents")
    demand.create_reference(session=session, kind=ReferenceList.segments, fields=residents, actor=actor_of(counted))
    editor = signed_in_browser(app, session, owner)
    path = f"/initiatives/{initiative.id}/demand"
    page = editor.get(path).text
    bind = {"csrf": csrf_token(page), "assumption": "calls_a_year", "figure": "contacts", "services": "council_tax",
            "months": "lots"}  # fmt: skip
    wrong = editor.post(path + "/assumptions", data=bind)
    assert wrong.status_code == 422
    assert "whole number of months" in _error(wrong.text, "months")
    assert _value(wrong.text, "months") == "lots" and _ticked(wrong.text, "services") == ["council_tax"]
    # A figure outside the assumption's range is refused, the refusal saying to widen the range.
    outside = editor.post(path + "/assumptions", data=bind | {"assumption": "avoidable_share", "months": "6"})
    assert outside.status_code == 409
    assert "widen the range first" in outside.text and _error(outside.text, "assumption")
    assert demand.bindings(session=session, initiative_id=initiative.id) == []  # nothing of the refusal is kept
    landed = _follow(editor, editor.post(path + "/assumptions", data=bind | {"months": "6"}))
    a_year = (sum(VALUE) + sum(CHASING)) * 12 / len(MONTHS)
    assert f"now takes {formatting.quantity(a_year, places=0)} contacts a year" in status_message(landed)
    stored = cause_models.get_model(session=session, initiative_id=initiative.id)
    assert next(node.value for node in stored.nodes if node.name == "calls_a_year") == pytest.approx(a_year)
    refreshed = editor.post(path + "/refresh", data={"csrf": csrf_token(landed)})
    assert "Every bound assumption is set" in status_message(_follow(editor, refreshed))
    assert "calls_a_year" in editor.get(f"/initiatives/{initiative.id}/model").text

    benefit_page = editor.get(f"/benefits/{benefit.id}").text
    action = f"/benefits/{benefit.id}/segments"
    tagged = editor.post(action, data={"csrf": csrf_token(benefit_page), "segments": "residents"})
    assert "Who gains is saved: Residents." in status_message(_follow(editor, tagged))
    missing = editor.post(action, data={"csrf": csrf_token(benefit_page), "segments": ["residents", "tenants"]})
    assert missing.status_code == 409
    assert "add it to the customer segments first" in _error(missing.text, "segments")
    assert _ticked(missing.text, "segments") == ["residents", "tenants"]

    measure_path = f"/measures/{measure.id}"
    measure_page = editor.get(measure_path).text
    feed = {"csrf": csrf_token(measure_page), "figure": "", "services": "council_tax", "channels": "phone"}
    unchosen = editor.post(measure_path + "/demand", data=feed)
    assert unchosen.status_code == 422
    assert "Choose the demand figure" in _error(unchosen.text, "figure")
    assert _ticked(unchosen.text, "services") == ["council_tax"] and _ticked(unchosen.text, "channels") == ["phone"]
    fed = _follow(editor, editor.post(measure_path + "/demand", data=feed | {"figure": "avoidable_share"}))
    assert f"{len(MONTHS)} observations added" in status_message(fed)
    shares = [chasing / (value + chasing) for value, chasing in zip(VALUE, CHASING, strict=True)]
    observed = [float(row.value) for row in measures.observations_of(session=session, measure_id=measure.id or 0)]
    assert observed == pytest.approx(shares, abs=1e-4)
    again = _follow(editor, editor.post(measure_path + "/demand/refresh", data={"csrf": csrf_token(fed)}))
    assert "0 observations added, 0 observations changed" in status_message(again)
    measure_tagged = editor.post(measure_path + "/segments", data={"csrf": csrf_token(fed), "segments": "residents"})
    assert "Who gains is saved: Residents." in status_message(_follow(editor, measure_tagged))

    # A month counted since takes the figure past the assumption's range: the refresh is refused, saying what to do.
    july = ContactIn(period_start=dt.date(2026, 7, 1), service="council_tax", channel="phone", demand_type="value",
                     count=1_000_000)  # fmt: skip
    load_contacts(session=session, sheet=sheet_of([july]), actor=actor_of(counted))
    beyond = editor.post(path + "/refresh", data={"csrf": csrf_token(landed)})
    assert beyond.status_code == 409
    assert "widen the range first" in _error(beyond.text, "refresh")
    session.expire_all()
    stored = cause_models.get_model(session=session, initiative_id=initiative.id)
    assert next(node.value for node in stored.nodes if node.name == "calls_a_year") == pytest.approx(a_year)

    viewer = signed_in_browser(app, session, make_person(session, role=Role.viewer))
    for shown in (path, f"/benefits/{benefit.id}", measure_path):
        assert _forms(viewer.get(shown).text) == [], shown
    read = viewer.get(path).text
    assert "calls_a_year" in read and "Residents" in viewer.get(f"/benefits/{benefit.id}").text
    token = csrf_token(read)
    for posted, data in ((path + "/assumptions", bind | {"months": "6"}), (path + "/refresh", {}),
                         (action, {"segments": "residents"}), (measure_path + "/demand", feed | {"figure": "contacts"}),
                         (measure_path + "/segments", {"segments": ""})):  # fmt: skip
        assert viewer.post(posted, data=data | {"csrf": token}).status_code == 403, posted


@pytest.mark.parametrize("typed", ["sNaN", "NaN", "Infinity", "-inf", "£sNaN"])
def test_a_cost_that_is_not_a_finite_amount_is_refused_beside_it(
    session: Session, app: FastAPI, counted: Person, typed: str
) -> None:
    admin = signed_in_browser(app, session, counted)
    form = {"csrf": csrf_token(admin.get("/demand/costs").text), "channel": "phone", "valid_from": "2026-04-01",
            "cost": typed, "source": "Contact centre costing"}  # fmt: skip
    refused = admin.post("/demand/costs", data=form)
    assert refused.status_code == 422
    assert f"“{typed}” is not an amount" in _error(refused.text, "cost")
    assert _value(refused.text, "cost") == typed and _value(refused.text, "source") == "Contact centre costing"
    assert demand.channel_costs(session=session) == []


def test_a_cost_left_empty_is_asked_for(session: Session, app: FastAPI, counted: Person) -> None:
    admin = signed_in_browser(app, session, counted)
    form = {"csrf": csrf_token(admin.get("/demand/costs").text), "channel": "phone", "valid_from": "2026-04-01",
            "cost": "", "source": "Contact centre costing"}  # fmt: skip
    refused = admin.post("/demand/costs", data=form)
    assert refused.status_code == 422
    assert _error(refused.text, "cost") == "Fill this in."
    assert _value(refused.text, "valid_from") == "2026-04-01"


def test_who_gains_from_a_withdrawn_benefit_is_shown_not_offered(
    session: Session, app: FastAPI, counted: Person
) -> None:
    residents = ReferenceCreate(code="residents", name="Residents")
    demand.create_reference(session=session, kind=ReferenceList.segments, fields=residents, actor=actor_of(counted))
    benefit = make_benefit(session, initiative=make_initiative(session))
    path = f"/benefits/{benefit.id}"
    admin = signed_in_browser(app, session, counted)
    assert path + "/segments" in _forms(admin.get(path).text)
    register.withdraw_benefit(session=session, benefit_id=benefit.id or 0, reason="Service closed",
                              expected_version=None, actor=actor_of(counted))  # fmt: skip
    page = admin.get(path).text
    assert path + "/segments" not in _forms(page)
    assert "No customer segment is named." in page
    refused = admin.post(path + "/segments", data={"csrf": csrf_token(page), "segments": "residents"})
    assert refused.status_code == 409
    assert "This benefit was withdrawn; it can no longer change." in _error(refused.text, "segments")
    assert demand.segments_of(session=session, target=Tagged.benefits, target_id=benefit.id or 0) == []


def test_the_lists_and_costs_say_only_what_is_kept(session: Session, app: FastAPI, counted: Person) -> None:
    admin = signed_in_browser(app, session, counted)
    for address in (
        "/demand/costs?done=kept&channel=phone&day=2099-01-01",
        "/demand/lists/segments?done=added&code=pensioners",
        "/demand/lists/segments?done=edited&code=pensioners",
        "/demand/lists/channels?done=deleted&code=phone",  # still listed
        "/demand/lists/channels?done=deleted&code=fax",  # never listed
    ):
        shown = admin.get(address)
        assert shown.status_code == 200 and status_message(shown.text) == "", address
    page = admin.get("/demand/costs").text
    kept = {
        "csrf": csrf_token(page),
        "channel": "phone",
        "valid_from": "2026-04-01",
        "cost": "2.50",
        "source": "Costing",
    }
    assert "Cost per contact kept: Phone from 2026-04-01" in status_message(
        _follow(admin, admin.post("/demand/costs", data=kept))
    )
    gone = admin.post("/demand/lists/channels/app/delete", data={"csrf": csrf_token(page)})
    assert "Channel app taken off the list." in status_message(_follow(admin, gone))
