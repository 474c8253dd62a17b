"""The role matrix, proved over every endpoint: who may do what, and who is refused with 403."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from openpyxl import Workbook
from sqlmodel import Session

from benefits import baselines, cause_models, confirmations, costs, demand, measures, people, register, reviews
from benefits.demand import DemandFilter, ReferenceList
from benefits.demand_import import load_contacts, sheet_of
from benefits.models import CashConfirmationCreate, Person, ProfileEntryIn, Role
from benefits.models.baseline import RebaselineRequestCreate
from benefits.models.cause_model import ModelIn
from benefits.models.cost import CostKind, CostLineCreate
from benefits.models.demand import ContactIn, DemandFigure, ReferenceCreate
from benefits.models.measure import MeasureCreate, ObservationIn
from benefits.models.review import ActionItem, ReviewCreate
from benefits.stages import Stage
from benefits.workbooks.register_import import import_template
from tests.conftest import client_with_token
from tests.support.factories import (
    TESTER,
    make_benefit,
    make_cost_centre,
    make_initiative,
    make_owner,
    make_person,
    make_token,
)

EVERYONE = {"admin", "pm_owner", "pm_member", "pm_other", "finance", "board", "viewer"}
RULES = {
    "read": EVERYONE,
    "self": EVERYONE,
    "create_initiative": {"admin", "pm_owner", "pm_member", "pm_other"},
    "edit": {"admin", "pm_owner", "pm_member"},
    "route": {"admin", "pm_owner", "pm_member", "finance"},
    "cash": {"admin", "finance"},
    "people": {"admin"},
    "audit": {"admin", "finance", "board"},
    "appraisal_settings": {"admin", "finance"},
    "budgets": {"admin", "finance"},
    "cost_centres": {"admin", "finance"},
    "review": {"admin", "pm_owner", "pm_member", "board"},
    "rebaseline": {"admin", "finance", "board"},
    "request": {"admin", "pm_owner", "pm_member"},
    "all_work": {"admin", "board"},
    "demand": {"admin", "pm_owner", "pm_member", "pm_other", "finance"},
}


@dataclass
class World:
    """A fresh initiative owned by pm_owner, with pm_member as member, one benefit and a stranger's token."""

    initiative: int
    benefit: int
    cost: int
    stranger: int
    stranger_token: int
    own_token: int
    own_token_value: str
    me: int
    measure: int
    review: int
    spare: int  # an initiative with no record, owned and shared like the first, for the delete
    planned: int  # a planned capacity benefit, re-forecast since approval, with an open request to re-baseline
    planned_too: int  # another planned benefit, with no request yet
    redeployed_entry: int  # a redeployment confirmation of `planned`
    cash_entry: int  # a cash confirmation of another benefit
    request: int  # the open request to re-baseline `planned`
    fed: int  # a measure of the initiative fed from the contact counts of `counted`
    counted: str  # a service with contact counts (8 in April 2026), so it stays on its list
    service: str  # a service, channel, demand type and segment of this world alone, none of them counted
    channel: str
    demand_type: str
    segment: str
    code: str = "CS200"  # a cost centre on the list, which the benefit names
    number: int = 1  # the review's one action


SMALL_MODEL: dict[str, Any] = {
    "nodes": [
        {"name": "calls", "kind": "assumption", "value": 100, "low": 80, "high": 120},
        {"name": "saving", "kind": "derived", "formula": "calls * 2"},
    ]
}

# (rule, method, path, body); paths use the World's ids.
CASES: list[tuple[str, str, str, Callable[[World], Any] | None]] = [
    ("read", "GET", "/api/v1/initiatives", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/benefits", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/members", None),
    ("read", "GET", "/api/v1/benefits/{benefit}", None),
    ("read", "GET", "/api/v1/benefits/{benefit}/history", None),
    ("read", "GET", "/api/v1/benefits/{benefit}/cash-confirmations", None),
    ("read", "GET", "/api/v1/users", None),
    ("read", "GET", "/api/v1/users/me", None),
    ("read", "GET", "/api/v1/users/{stranger}", None),
    ("read", "GET", "/api/v1/tokens", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/model", None),
    ("read", "POST", "/api/v1/initiatives/{initiative}/model/evaluate", lambda w: {"samples": 50}),
    ("read", "GET", "/api/v1/model-templates", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/costs", None),
    ("read", "GET", "/api/v1/costs/{cost}", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/appraisal", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/appraisal/switching-values", None),
    ("read", "GET", "/api/v1/settings/appraisal", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/status", None),
    ("read", "GET", "/api/v1/settings/status-thresholds", None),
    ("read", "GET", "/api/v1/me/work", None),
    ("all_work", "GET", "/api/v1/work", None),
    ("read", "GET", "/api/v1/reference/optimism-bias", None),
    ("read", "GET", "/api/v1/finance/cash-capacity", None),
    ("read", "GET", "/api/v1/finance/budgets", None),
    ("read", "GET", "/api/v1/measures", None),
    ("read", "GET", "/api/v1/reviews", None),
    ("read", "GET", "/api/v1/initiatives/{initiative}/business-case.xlsx", None),
    ("read", "GET", "/api/v1/finance/cash-capacity.xlsx", None),
    ("read", "GET", "/api/v1/benefits/import-template.xlsx", None),
    ("edit", "POST", "/api/v1/initiatives/{initiative}/benefits/import", lambda w: {FILES: import_template()}),
    ("read", "GET", "/api/v1/reviews/{review}", None),
    ("read", "GET", "/api/v1/reviews/{review}/changes", None),
    ("review", "POST", "/api/v1/reviews", lambda w: {"initiative_id": w.initiative, "held_on": "2026-11-23"}),
    ("review", "PATCH", "/api/v1/reviews/{review}/actions/{number}", lambda w: {"status": "done"}),
    ("read", "GET", "/api/v1/measures/{measure}", None),
    ("read", "GET", "/api/v1/measures/{measure}/observations", None),
    ("read", "GET", "/api/v1/measures/{measure}/chart", None),
    ("edit", "POST", "/api/v1/measures", lambda w: {"initiative_id": w.initiative, "name": "Calls a month"}),
    ("edit", "PATCH", "/api/v1/measures/{measure}", lambda w: {"direction": "decrease"}),
    ("edit", "POST", "/api/v1/measures/{measure}/observations", lambda w: [{"date": "2026-04-01", "value": 5}]),
    ("edit", "POST", "/api/v1/measures/{measure}/assumption", lambda w: {"assumption": "calls", "last_points": 1}),
    ("edit", "POST", "/api/v1/benefits/{benefit}/actuals-from-measure", lambda w: {"measure_id": w.measure}),
    ("budgets", "PUT", "/api/v1/finance/budgets", lambda w: [{"cost_centre": "CS1", "year": "2026-27", "amount": 5}]),
    ("read", "GET", "/api/v1/cost-centres", None),
    ("read", "GET", "/api/v1/cost-centres/{code}", None),
    ("cost_centres", "POST", "/api/v1/cost-centres", lambda w: {"code": f"NEW{w.initiative}", "name": "New"}),
    ("cost_centres", "PATCH", "/api/v1/cost-centres/{code}", lambda w: {"budget_holder": "Someone"}),
    ("cost_centres", "POST", "/api/v1/cost-centres/import", lambda w: {FILES: _centres_workbook()}),
    (
        "edit",
        "POST",
        "/api/v1/initiatives/{initiative}/costs",
        lambda w: {"title": "CRM", "kind": "capital", "profile": [{"period": "2026-27", "amount": 5}]},
    ),
    ("edit", "PATCH", "/api/v1/costs/{cost}", lambda w: {"optimism_bias": 0.24}),
    ("edit", "DELETE", "/api/v1/costs/{cost}", None),
    ("appraisal_settings", "PUT", "/api/v1/settings/appraisal", lambda w: {"default_discount_schedule": "green_book"}),
    (
        "appraisal_settings",
        "PUT",
        "/api/v1/settings/status-thresholds",
        lambda w: {"on_track_within": 0.05, "at_risk_within": 0.15},
    ),
    ("edit", "PUT", "/api/v1/initiatives/{initiative}/model", lambda w: SMALL_MODEL),
    ("edit", "POST", "/api/v1/initiatives/{initiative}/model/from-template", lambda w: {"template": "channel_shift"}),
    ("create_initiative", "POST", "/api/v1/initiatives", lambda w: {"name": "New"}),
    ("edit", "PATCH", "/api/v1/initiatives/{initiative}", lambda w: {"sponsor": "S"}),
    ("edit", "DELETE", "/api/v1/initiatives/{spare}", None),
    ("edit", "POST", "/api/v1/initiatives/{initiative}/benefits", lambda w: {"title": "More"}),
    ("edit", "PUT", "/api/v1/initiatives/{initiative}/members", lambda w: {"person_ids": [w.stranger]}),
    ("edit", "PATCH", "/api/v1/benefits/{benefit}", lambda w: {"owner": "Someone else"}),
    ("edit", "DELETE", "/api/v1/benefits/{benefit}", None),
    ("edit", "PUT", "/api/v1/benefits/{benefit}/profile", lambda w: [{"period": "2026-27", "planned": 5}]),
    ("edit", "POST", "/api/v1/benefits/{benefit}/transitions", lambda w: {"to": "scoped"}),
    ("edit", "POST", "/api/v1/benefits/{benefit}/withdraw", lambda w: {"reason": "Dropped"}),
    ("route", "PATCH", "/api/v1/benefits/{benefit}", lambda w: {"route": "cash", "cost_centre": "CS100"}),
    (
        "cash",
        "POST",
        "/api/v1/benefits/{benefit}/cash-confirmations",
        lambda w: {"period": "2026-27", "amount": 10, "note": "Cut"},
    ),
    ("read", "GET", "/api/v1/benefits/{benefit}/redeployment-confirmations", None),
    (
        "cash",
        "POST",
        "/api/v1/benefits/{planned}/redeployment-confirmations",
        lambda w: {"period": "2026-27", "amount": 10, "note": "Rota"},
    ),
    ("cash", "POST", "/api/v1/cash-confirmations/{cash_entry}/reversal", lambda w: {"reason": "Keyed twice"}),
    ("cash", "POST", "/api/v1/redeployment-confirmations/{redeployed_entry}/reversal", lambda w: {"reason": "No"}),
    ("read", "GET", "/api/v1/benefits/{planned}/baselines", None),
    ("rebaseline", "POST", "/api/v1/benefits/{planned}/baselines", lambda w: {"reason": "Scope grew"}),
    ("request", "POST", "/api/v1/benefits/{planned_too}/rebaseline-requests", lambda w: {"reason": "Scope grew"}),
    ("read", "GET", "/api/v1/benefits/{planned}/rebaseline-requests", None),
    ("read", "GET", "/api/v1/rebaseline-requests", None),
    ("rebaseline", "POST", "/api/v1/rebaseline-requests/{request}/decline", lambda w: {"reason": "Hold to it"}),
    ("people", "POST", "/api/v1/users", lambda w: {"name": "Newcomer", "role": "viewer"}),
    ("people", "PATCH", "/api/v1/users/{stranger}", lambda w: {"email": "s@example.org"}),
    ("people", "POST", "/api/v1/tokens", lambda w: {"person_id": w.stranger, "name": "theirs"}),
    ("people", "GET", "/api/v1/tokens?person_id={stranger}", None),
    ("people", "DELETE", "/api/v1/tokens/{stranger_token}", None),
    ("audit", "GET", "/api/v1/audit", None),
    ("self", "POST", "/api/v1/tokens", lambda w: {"person_id": w.me, "name": "mine", "expires_in_days": 7}),
    ("self", "DELETE", "/api/v1/tokens/{own_token}", None),
    ("self", "DELETE", "/api/v1/auth/token", None),
    ("read", "GET", "/api/v1/demand/summary", None),
    ("read", "GET", "/api/v1/demand/series?figure=contacts", None),
    ("read", "GET", "/api/v1/demand/contacts", None),
    ("demand", "POST", "/api/v1/demand/contacts", lambda w: [_count(w.counted, 9)]),
    ("demand", "POST", "/api/v1/demand/contacts/import", lambda w: {FILES: _contacts_workbook(w.counted)}),
    ("read", "GET", "/api/v1/demand/costs", None),
    (
        "demand",
        "POST",
        "/api/v1/demand/costs",
        lambda w: {"channel": "phone", "valid_from": "2026-01-01", "cost": 2.83, "source": "Telephony costs"},
    ),
    # Feeding a measure, binding an assumption and tagging a benefit change an initiative's record: its editors'.
    ("edit", "PUT", "/api/v1/demand/measures/{fed}", lambda w: {"figure": "contacts", "services": [w.counted]}),
    ("edit", "POST", "/api/v1/demand/measures/{fed}/refresh", None),
    ("read", "GET", "/api/v1/demand/assumptions/{initiative}", None),
    (
        "edit",
        "PUT",
        "/api/v1/demand/assumptions/{initiative}",
        lambda w: {"assumption": "calls", "figure": "contacts", "services": [w.counted]},
    ),
    ("edit", "POST", "/api/v1/demand/assumptions/{initiative}/refresh", None),
    ("read", "GET", "/api/v1/demand/tags/benefits?segment={segment}", None),
    ("read", "GET", "/api/v1/demand/tags/benefits/{benefit}", None),
    ("edit", "PUT", "/api/v1/demand/tags/benefits/{benefit}", lambda w: {"segments": [w.segment]}),
    *(
        case
        for kind, code in (
            ("services", "{service}"),
            ("channels", "{channel}"),
            ("demand-types", "{demand_type}"),
            ("segments", "{segment}"),
        )
        for case in (
            ("read", "GET", f"/api/v1/demand/{kind}", None),
            (
                "demand",
                "POST",
                f"/api/v1/demand/{kind}",
                lambda w: {"code": f"new{w.initiative}", "name": f"New {w.initiative}"},
            ),
            ("read", "GET", f"/api/v1/demand/{kind}/{code}", None),
            ("demand", "PATCH", f"/api/v1/demand/{kind}/{code}", lambda w: {"name": f"Renamed {w.initiative}"}),
            ("demand", "DELETE", f"/api/v1/demand/{kind}/{code}", None),
            ("demand", "POST", f"/api/v1/demand/{kind}/import", lambda w, kind=kind: {FILES: _list_workbook(kind, w)}),
        )
    ),
]
OPEN = {("POST", "/api/v1/auth/token")}
FILES = "upload"  # a case whose body is a file upload


def _centres_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Name"])
    sheet.append(["CS300", "Libraries"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(service: str, count: int) -> dict[str, Any]:
    """A month's phone contacts of value demand for the service, in April 2026."""
    return {
        "period_start": "2026-04-01",
        "service": service,
        "channel": "phone",
        "demand_type": "value",
        "count": count,
    }


def _list_workbook(kind: str, world: Any) -> bytes:
    """A reference list of one new entry, as a workbook (demand types say whether it is avoidable)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    avoidable = kind == "demand-types"
    sheet.append(["Code", "Name", *(["Avoidable"] if avoidable else [])])
    sheet.append([f"loaded{world.initiative}", f"Loaded {world.initiative}", *(["no"] if avoidable else [])])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _contacts_workbook(service: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Period", "Service", "Channel", "Type", "Count"])
    sheet.append([date(2026, 4, 1), service, "phone", "value", 9])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _demand(session: Session, initiative_id: int) -> dict[str, Any]:
    """This world's own demand lists and counts, and a measure fed from them (codes unique to the initiative)."""
    codes = {
        "counted": (ReferenceList.services, f"cnt{initiative_id}"),
        "service": (ReferenceList.services, f"svc{initiative_id}"),
        "channel": (ReferenceList.channels, f"ch{initiative_id}"),
        "demand_type": (ReferenceList.demand_types, f"dt{initiative_id}"),
        "segment": (ReferenceList.segments, f"seg{initiative_id}"),
    }
    for kind, code in codes.values():
        demand.create_reference(
            session=session, kind=kind, fields=ReferenceCreate(code=code, name=f"Name {code}"), actor=TESTER
        )
    counted = codes["counted"][1]
    # 8 contacts in the one month counted: 96 a year, within the model's 80 to 120 calls, so a binding takes it.
    load_contacts(session=session, sheet=sheet_of([ContactIn.model_validate(_count(counted, 8))]), actor=TESTER)
    fed = measures.create_measure(
        session=session, fields=MeasureCreate(initiative_id=initiative_id, name="Contacts"), actor=TESTER
    )
    demand.feed_measure(
        session=session,
        measure_id=fed.id or 0,
        figure=DemandFigure.contacts,
        where=DemandFilter(services=(counted,), channels=(), segments=()),
        actor=TESTER,
    )
    return {name: code for name, (_, code) in codes.items()} | {"fed": fed.id or 0}


def _world(session: Session, role_name: str, cast: dict[str, Person]) -> World:
    owner = cast["pm_owner"]
    for code in ("CS1", "CS100", "CS200"):
        make_cost_centre(session, code=code)
    initiative = make_initiative(session, owner_id=owner.id)
    assert initiative.id is not None
    people.set_initiative_members(
        session=session, initiative_id=initiative.id, person_ids=[cast["pm_member"].id or 0], actor=TESTER
    )
    for named in ("S", "Someone else"):  # the sponsor and owner the cases send: owners and sponsors are people
        make_owner(session, named)
    benefit = make_benefit(
        session,
        initiative=initiative,
        category="financial",
        route="cash",
        cost_centre="CS200",
        owner="Owner",
        estimate_low=1,
        estimate_likely=2,
        estimate_high=3,
        baseline_value=100,
    )
    register.replace_profile(
        session=session,
        benefit_id=benefit.id or 0,
        rows=[ProfileEntryIn(period="2026-27", planned=Decimal(100))],
        expected_version=None,
        actor=TESTER,
    )
    planned, planned_too = (
        make_benefit(session, initiative=initiative, stage=Stage.planned, title=title, owner="Owner")
        for title in ("Hours released", "Visits avoided")
    )
    reforecast = [
        ProfileEntryIn(period="2026-27", planned=Decimal(50), actual=Decimal(45)),
        ProfileEntryIn(period="2027-28", planned=Decimal(120)),
    ]
    for one in (planned, planned_too):
        register.replace_profile(
            session=session, benefit_id=one.id or 0, rows=reforecast, expected_version=None, actor=TESTER
        )
    ten = CashConfirmationCreate(period="2026-27", amount=Decimal(10))
    redeployed = confirmations.confirm_redeployment(
        session=session, benefit_id=planned.id or 0, fields=ten, actor=TESTER
    )
    cashed = make_benefit(
        session, initiative=initiative, category="financial", route="cash", cost_centre="CS1", title="Cash"
    )
    register.replace_profile(
        session=session, benefit_id=cashed.id or 0, rows=reforecast, expected_version=None, actor=TESTER
    )
    cash_entry = confirmations.confirm_cash(session=session, benefit_id=cashed.id or 0, fields=ten, actor=TESTER)
    request = baselines.request_rebaseline(
        session=session, benefit_id=planned.id or 0, fields=RebaselineRequestCreate(reason="Scope"), actor=TESTER
    )
    cause_models.replace_model(
        session=session,
        initiative_id=initiative.id,
        fields=ModelIn.model_validate(SMALL_MODEL),
        expected_version=None,
        actor=TESTER,
    )
    cost, _ = costs.create_cost(
        session=session,
        initiative_id=initiative.id,
        fields=CostLineCreate(title="Licences", kind=CostKind.revenue),
        actor=TESTER,
    )
    stranger = make_person(session, role=Role.viewer)
    make_token(session, person=stranger)
    theirs = people.list_tokens(session=session, actor=TESTER, person_id=stranger.id).items[-1]
    me = cast[role_name]
    own_value = make_token(session, person=me)
    own = people.list_tokens(session=session, actor=TESTER, person_id=me.id).items[-1]
    measure = measures.create_measure(
        session=session,
        fields=MeasureCreate(initiative_id=initiative.id, name="Calls", benefit_ids=[benefit.id or 0]),
        actor=TESTER,
    )
    measures.record_observations(
        session=session, measure_id=measure.id or 0, rows=[ObservationIn(date=date(2026, 5, 1), value=90)], actor=TESTER
    )
    spare = make_initiative(session, name="Spare", owner_id=owner.id)
    people.set_initiative_members(
        session=session, initiative_id=spare.id or 0, person_ids=[cast["pm_member"].id or 0], actor=TESTER
    )
    # The action's owner is a named officer outside the cast: an owner may mark their own action whatever their
    # role, and here each role's own right is what is tested.
    make_owner(session, "Fay Owens")
    review = reviews.record_review(
        session=session,
        fields=ReviewCreate(
            initiative_id=initiative.id,
            held_on=date(2026, 10, 1),
            actions=[ActionItem(action="Confirm the CS200 reduction", owner="Fay Owens")],
        ),
        actor=TESTER,
    )
    own_demand = _demand(session, initiative.id)
    session.commit()
    return World(
        initiative=initiative.id,
        benefit=benefit.id or 0,
        cost=cost.id or 0,
        stranger=stranger.id or 0,
        stranger_token=theirs.id or 0,
        own_token=own.id or 0,
        own_token_value=own_value,
        me=me.id or 0,
        measure=measure.id or 0,
        review=review.id or 0,
        spare=spare.id or 0,
        planned=planned.id or 0,
        planned_too=planned_too.id or 0,
        redeployed_entry=redeployed.id or 0,
        cash_entry=cash_entry.id or 0,
        request=request.id or 0,
        **own_demand,
    )


@pytest.fixture
def cast(session: Session) -> dict[str, Person]:
    roles = {
        "admin": Role.admin,
        "pm_owner": Role.programme_manager,
        "pm_member": Role.programme_manager,
        "pm_other": Role.programme_manager,
        "finance": Role.finance,
        "board": Role.board,
        "viewer": Role.viewer,
    }
    return {name: make_person(session, role=role, name=name) for name, role in roles.items()}


def test_the_table_covers_every_endpoint(app: FastAPI) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    covered = {(method, path.split("?")[0].replace("{initiative}", "{initiative_id}")) for _, method, path, _ in CASES}
    covered = {
        (method, path.replace("{benefit}", "{benefit_id}").replace("{stranger}", "{person_id}"))
        for method, path in covered
    }
    covered = {
        (method, path.replace("{stranger_token}", "{token_id}").replace("{own_token}", "{token_id}"))
        for method, path in covered
    }
    covered = {
        (
            method,
            path.replace("{cost}", "{cost_id}")
            .replace("{measure}", "{measure_id}")
            .replace("{review}", "{review_id}")
            .replace("{spare}", "{initiative_id}")
            .replace("{planned}", "{benefit_id}")
            .replace("{planned_too}", "{benefit_id}")
            .replace("{cash_entry}", "{confirmation_id}")
            .replace("{redeployed_entry}", "{confirmation_id}")
            .replace("{request}", "{request_id}"),
        )
        for method, path in covered
    }
    covered = {
        (
            method,
            path.replace("{fed}", "{measure_id}")
            .replace("/tags/benefits", "/tags/{target}")
            .replace("{target}/{benefit_id}", "{target}/{target_id}")
            .replace("{service}", "{code}")
            .replace("{channel}", "{code}")
            .replace("{demand_type}", "{code}")
            .replace("{segment}", "{code}"),
        )
        for method, path in covered
    }
    assert routes - OPEN == covered


@pytest.mark.parametrize("role_name", sorted(EVERYONE))
def test_each_role_may_do_exactly_what_the_matrix_says(
    session: Session, app: FastAPI, cast: dict[str, Person], role_name: str
) -> None:
    refusals = []
    for rule, method, path, body in CASES:
        world = _world(session, role_name, cast)
        client = client_with_token(app, world.own_token_value)
        url = path.format(**world.__dict__)
        sent = body(world) if body else None
        if isinstance(sent, dict) and FILES in sent:
            response = client.request(method, url, files={"file": ("register.xlsx", sent[FILES])})
        else:
            response = client.request(method, url, json=sent)
        allowed = role_name in RULES[rule]
        if allowed:
            assert 200 <= response.status_code < 300, (rule, method, url, response.text)
        else:
            assert response.status_code == 403, (rule, method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            refusals.append((method, path))
    writes_refused = {(m, p) for m, p in refusals if m != "GET"}
    if role_name in {"viewer", "board"}:
        # No write is open to viewers or board members, but their own credentials and (board) recording reviews
        # and deciding re-baselines.
        open_to_them = {"self", "read", "review", "rebaseline"} if role_name == "board" else {"self", "read"}
        writes = {(m, p) for rule, m, p, _ in CASES if m != "GET" and rule not in open_to_them}
        assert writes_refused == writes
