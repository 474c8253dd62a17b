"""An entry of demand's lists named by something besides the counts (a segment tagging a benefit or a measure, a
service, channel or segment a bound assumption or a demand-fed measure filters by) stays on its list: taking it off
is refused, naming what uses it and saying what to do instead, and nothing changes."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from benefits import cause_models, demand, measures
from benefits.actors import Actor
from benefits.demand import DemandFilter, ReferenceList, Tagged
from benefits.demand_import import load_contacts, sheet_of
from benefits.errors import Conflict
from benefits.models import AuditEvent, Initiative, Role
from benefits.models.cause_model import ModelIn
from benefits.models.demand import ContactIn, DemandAssumptionIn, DemandFigure, ReferenceCreate
from benefits.models.measure import MeasureCreate
from tests.support.factories import actor_of, make_benefit, make_initiative, make_person

MONTHS = [dt.date(2026, month, 1) for month in range(1, 4)]


@pytest.fixture
def admin(session: Session) -> Actor:
    """An admin, with the lists and counts `listed_and_counted` keeps."""
    return listed_and_counted(session)


def listed_and_counted(session: Session) -> Actor:
    """An admin, with council tax and housing listed, residents and tenants as segments, and council tax's phone
    contacts from residents counted for three months."""
    by_admin = actor_of(make_person(session, role=Role.admin))
    for kind, code, name in ((ReferenceList.services, "council_tax", "Council tax"),
                             (ReferenceList.services, "housing", "Housing"),
                             (ReferenceList.segments, "residents", "Residents"),
                             (ReferenceList.segments, "tenants", "Tenants")):  # fmt: skip
        demand.create_reference(
            session=session, kind=kind, fields=ReferenceCreate(code=code, name=name), actor=by_admin
        )
    rows = [ContactIn(period_start=month, service="council_tax", channel="phone", demand_type="value", count=100 + n,
                      segment="residents") for n, month in enumerate(MONTHS)]  # fmt: skip
    load_contacts(session=session, sheet=sheet_of(rows), actor=by_admin)
    return by_admin


def modelled(session: Session, actor: Actor) -> Initiative:
    """An initiative whose model has one assumption, calls a year, wide enough for any count here."""
    initiative = make_initiative(session)
    model = ModelIn.model_validate({"nodes": [{"name": "calls_a_year", "kind": "assumption", "unit": "contacts a year",
                                               "value": 1000, "low": 0, "high": 1_000_000}]})  # fmt: skip
    cause_models.replace_model(session=session, initiative_id=initiative.id or 0, fields=model, expected_version=None,
                               actor=actor)  # fmt: skip
    return initiative


def _refused(session: Session, actor: Actor, kind: ReferenceList, code: str) -> str:
    """Take the entry off its list, expecting the refusal; its words, after checking the entry and its tags stay."""
    deletions = select(AuditEvent).where(AuditEvent.action == "deleted", AuditEvent.entity == demand.ENTITY[kind])
    before = len(session.exec(deletions).all())
    with pytest.raises(Conflict) as refused:
        demand.delete_reference(session=session, kind=kind, code=code, actor=actor)
    assert [problem.code for problem in refused.value.problems] == ["reference_in_use"]
    assert demand.get_reference(session=session, kind=kind, code=code).code == code
    assert len(session.exec(deletions).all()) == before
    return refused.value.detail


def test_a_segment_who_gains_or_a_measure_is_about_stays_until_untagged(session: Session, admin: Actor) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, title="Fewer calls chasing bills")
    measure = measures.create_measure(session=session, fields=MeasureCreate(
        name="Calls a month", unit="calls", initiative_id=initiative.id or 0), actor=admin)  # fmt: skip
    demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id or 0, segments=["tenants"], actor=admin)
    demand.tag(session=session, target=Tagged.measures, target_id=measure.id or 0, segments=["tenants"], actor=admin)
    said = _refused(session, admin, ReferenceList.segments, "tenants")
    assert f"who gains from benefit {benefit.id} (Fewer calls chasing bills)" in said
    assert f"the segments of measure {measure.id} (Calls a month)" in said
    assert "untag or re-bind each first" in said and "or rename the segment instead" in said
    assert demand.segments_of(session=session, target=Tagged.benefits, target_id=benefit.id or 0) == ["tenants"]
    assert demand.segments_of(session=session, target=Tagged.measures, target_id=measure.id or 0) == ["tenants"]

    demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id or 0, segments=[], actor=admin)
    demand.tag(session=session, target=Tagged.measures, target_id=measure.id or 0, segments=[], actor=admin)
    demand.delete_reference(session=session, kind=ReferenceList.segments, code="tenants", actor=admin)
    assert "tenants" not in [
        entry.code for entry in demand.list_references(session=session, kind=ReferenceList.segments)
    ]


def test_an_entry_a_binding_or_a_feed_filters_by_stays_until_rebound(session: Session, admin: Actor) -> None:
    initiative = modelled(session, admin)
    binding = DemandAssumptionIn(
        assumption="calls_a_year",
        figure=DemandFigure.contacts,
        services=["council_tax", "housing"],
        segments=["residents", "tenants"],
        months=3,
    )
    demand.bind_assumption(session=session, initiative_id=initiative.id or 0, fields=binding, actor=admin)
    measure = measures.create_measure(session=session, fields=MeasureCreate(
        name="Contacts a month", unit="contacts", initiative_id=initiative.id or 0), actor=admin)  # fmt: skip
    where = DemandFilter(channels=("phone", "web"))
    demand.feed_measure(session=session, measure_id=measure.id or 0, figure=DemandFigure.contacts, where=where,
                        actor=admin)  # fmt: skip

    for kind, code in ((ReferenceList.services, "housing"), (ReferenceList.segments, "tenants")):
        said = _refused(session, admin, kind, code)
        assert f"the binding of assumption calls_a_year (initiative {initiative.id})" in said
    said = _refused(session, admin, ReferenceList.channels, "web")
    assert f"the demand feed of measure {measure.id}" in said and "rename the channel instead" in said

    rebound = binding.model_copy(update={"services": ["council_tax"], "segments": ["residents"]})
    demand.bind_assumption(session=session, initiative_id=initiative.id or 0, fields=rebound, actor=admin)
    demand.feed_measure(session=session, measure_id=measure.id or 0, figure=DemandFigure.contacts,
                        where=DemandFilter(channels=("phone",)), actor=admin)  # fmt: skip
    for kind, code in ((ReferenceList.services, "housing"), (ReferenceList.segments, "tenants"),
                       (ReferenceList.channels, "web")):  # fmt: skip
        demand.delete_reference(session=session, kind=kind, code=code, actor=admin)
