"""The appraisal: benefits and costs by year, discounted on the economic and financial bases, checked by hand."""

from decimal import Decimal

import numpy_financial as npf
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import register
from benefits.models import ProfileEntryIn
from benefits.stages import Stage
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative

D = 1 / 1.035  # the Green Book's year-1 factor; year n is D ** n up to year 30


def _profile(session: Session, benefit_id: int, rows: list[tuple[str, float | None, float | None]]) -> None:
    entries = [
        ProfileEntryIn(
            period=period,
            planned=Decimal(str(planned)) if planned is not None else None,
            actual=Decimal(str(actual)) if actual is not None else None,
        )
        for period, planned, actual in rows
    ]
    register.replace_profile(session=session, benefit_id=benefit_id, rows=entries, expected_version=None, actor=TESTER)


@pytest.fixture
def appraised(session: Session, client: TestClient) -> dict:
    initiative = make_initiative(session, base_year="2026-27")
    cash = make_benefit(session, initiative=initiative, title="Cash", category="financial", route="cash")
    capacity = make_benefit(session, initiative=initiative, title="Capacity", category="financial", route="capacity")
    disbenefit = make_benefit(
        session, initiative=initiative, title="Dis", category="financial", route="capacity", is_disbenefit=True
    )
    undecided = make_benefit(session, initiative=initiative, title="Undecided", category="financial")
    social = make_benefit(session, initiative=initiative, title="Social", category="non_financial", unit="GBP")
    percent = make_benefit(session, initiative=initiative, title="Percent", category="non_financial", unit="%")
    gone = make_benefit(session, initiative=initiative, title="Gone", category="financial", route="cash")
    _profile(session, cash.id or 0, [("2026-27", 100, 90), ("2027-28", 200, None), ("2028-29", 100, None)])
    _profile(session, capacity.id or 0, [("2027-28", 50, None)])
    _profile(session, disbenefit.id or 0, [("2027-28", 10, None)])
    _profile(session, undecided.id or 0, [("2026-27", 20, None)])
    _profile(session, social.id or 0, [("2028-29", 30, None)])
    _profile(session, percent.id or 0, [("2028-29", 99, None)])
    _profile(session, gone.id or 0, [("2028-29", 1000, None)])
    register.withdraw_benefit(
        session=session, benefit_id=gone.id or 0, reason="Dropped", expected_version=None, actor=TESTER
    )
    session.commit()
    costs = client.post(
        f"/api/v1/initiatives/{initiative.id}/costs",
        json={
            "title": "CRM",
            "kind": "capital",
            "optimism_bias": 0.24,
            "profile": [{"period": "2026-27", "amount": 300}],
        },
    )
    assert costs.status_code == 201, costs.text
    assert costs.json()["uplifted_total"] == 372
    answer = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_year_uses_actuals_where_recorded_and_splits_by_route(appraised: dict) -> None:
    years = {row["period"]: row for row in appraised["periods"]}
    assert list(years) == ["2026-27", "2027-28", "2028-29"]
    first, second, third = years.values()
    assert (first["cash"], first["undecided"], first["costs"], first["optimism_bias"]) == (90, 20, 372, 72)
    assert (second["cash"], second["capacity"]) == (200, 40)  # a dis-benefit of 10 counts against capacity
    assert (third["cash"], third["non_cash"], third["benefits"]) == (100, 30, 130)
    assert first["discount_factor"] == 1
    assert second["discount_factor"] == pytest.approx(D, rel=1e-12)


def test_the_two_bases_match_a_hand_computation(appraised: dict) -> None:
    pv_benefits = 110 + 240 * D + 130 * D**2
    assert appraised["economic"]["pv_benefits"] == round(pv_benefits, 2)
    assert appraised["economic"]["pv_costs"] == 372
    assert appraised["economic"]["npv"] == round(pv_benefits - 372, 2)
    assert appraised["economic"]["bcr"] == pytest.approx(pv_benefits / 372, rel=1e-12)
    financial = appraised["financial"]
    assert financial["pv_benefits"] == round(90 + 200 * D + 100 * D**2, 2)
    assert financial["npv"] == round(90 + 200 * D + 100 * D**2 - 372, 2)
    nets = [90 - 372, 200, 100]
    assert financial["irr"] == pytest.approx(npf.irr(nets), rel=1e-9)
    # cumulative -282, -82, +18: pays back in the third year, and (just) discounted too
    assert financial["payback_period"] == "2028-29"
    assert financial["discounted_payback_period"] == "2028-29"
    assert appraised["periods"][-1]["cumulative"] == round(110 - 372 + 240 * D + 130 * D**2, 2)


def test_the_risk_adjusted_view_weights_each_benefit_by_its_stage(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    idea = make_benefit(session, initiative=initiative, title="Idea", category="financial", route="cash")
    make_cost_centre(session, code="C1")
    planned = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Planned", route="cash",
                           cost_centre="C1")  # fmt: skip
    _profile(session, idea.id or 0, [("2026-27", 1000, None)])
    _profile(session, planned.id or 0, [("2026-27", 1000, None), ("2027-28", 100, None)])
    session.commit()
    weighted = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal", params={"weighted": True}).json()
    assert weighted["weighted"] is True
    assert weighted["periods"][0]["cash"] == 0.1 * 1000 + 0.8 * 1000
    changed = client.put("/api/v1/settings/appraisal", json={"stage_weights": {"opportunity": 0, "planned": 0.5}})
    assert changed.status_code == 200, changed.text
    # Weights are numbers in JSON, as every other quantity is (a generated client reads them as floats).
    assert changed.json()["stage_weights"] == {"opportunity": 0, "scoped": 0.4, "planned": 0.5, "delivered": 1}
    again = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal", params={"weighted": True}).json()
    assert again["periods"][0]["cash"] == 500


def test_the_approved_baseline_is_frozen_when_a_benefit_is_planned(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    benefit = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Planned")
    session.commit()
    url = f"/api/v1/benefits/{benefit.id}/profile"
    assert (
        client.put(url, json=[{"period": "2026-27", "planned": 70}, {"period": "2027-28", "planned": 150}]).status_code
        == 200
    )
    rows = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").json()["periods"]
    # The factory planned 50 and 100 when it moved the benefit to planned; the re-forecast leaves that alone.
    assert [(row["approved_baseline"], row["capacity"]) for row in rows] == [(50, 70), (100, 150)]


def test_flat_and_health_schedules(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27", discount_schedule="flat", discount_rate=Decimal("0.1"))
    benefit = make_benefit(session, initiative=initiative, category="financial", route="cash")
    _profile(session, benefit.id or 0, [("2027-28", 110, None)])
    session.commit()
    flat = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").json()
    assert flat["discount_schedule"] == "flat"
    assert flat["economic"]["pv_benefits"] == 100
    client.patch(f"/api/v1/initiatives/{initiative.id}", json={"discount_schedule": "green_book_health"})
    health = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").json()
    assert health["economic"]["pv_benefits"] == round(110 / 1.015, 2)


def test_costs_are_validated_versioned_and_audited(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    url = f"/api/v1/initiatives/{initiative['id']}/costs"
    bad = client.post(
        url, json={"title": "X", "kind": "capital", "optimism_bias": 6, "profile": [{"period": "26-27", "amount": 1}]}
    )
    assert bad.status_code == 422
    wrong_period = client.post(
        url, json={"title": "X", "kind": "revenue", "profile": [{"period": "26-27", "amount": 1}]}
    )
    assert [e["field"] for e in wrong_period.json()["errors"]] == ["profile[0].period"]
    made = client.post(
        url, json={"title": "Licences", "kind": "revenue", "profile": [{"period": "2026-27", "amount": 10}]}
    )
    cost_url = made.headers["Location"]
    changed = client.patch(cost_url, json={"optimism_bias": 0.41}, headers={"If-Match": made.headers["ETag"]})
    assert changed.json()["uplifted_total"] == 14.1
    assert client.patch(cost_url, json={"title": "Y"}, headers={"If-Match": made.headers["ETag"]}).status_code == 412
    trail = client.get("/api/v1/audit", params={"entity": "cost_line", "entity_id": made.json()["id"]}).json()["items"]
    assert [event["action"] for event in trail] == ["created", "updated"]
    assert client.get(url).json()["total"] == 1
    assert client.delete(cost_url).status_code == 204
    reference = client.get("/api/v1/reference/optimism-bias").json()
    assert {row["project_type"]: row["capital_expenditure"] for row in reference}["Standard buildings"] == 0.24


def test_years_before_the_base_year_are_kept_and_compounded(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2027-28")
    benefit = make_benefit(session, initiative=initiative, category="financial", route="cash")
    _profile(session, benefit.id or 0, [("2025-26", 1000, None), ("2027-28", 10, None)])
    session.commit()
    answer = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").json()
    assert [(row["period"], row["year"]) for row in answer["periods"]] == [
        ("2025-26", -2),
        ("2026-27", -1),
        ("2027-28", 0),
    ]
    # 1,000 x 1.035^2 + 10 = 1,081.225 exactly, shown half-up
    assert answer["economic"]["pv_benefits"] == 1081.23


def test_a_long_horizon_appraises_without_error(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    benefit = make_benefit(session, initiative=initiative, category="financial", route="cash")
    _profile(session, benefit.id or 0, [("2026-27", None, -100), ("2200-01", 1000, None)])
    session.commit()
    assert client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").status_code == 200


def test_moving_back_to_planned_keeps_the_approved_baseline(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    benefit = make_benefit(session, initiative=initiative, stage=Stage.delivered, title="Done")
    session.commit()
    url = f"/api/v1/benefits/{benefit.id}"
    client.post(f"{url}/transitions", json={"to": "planned", "reason": "Re-plan"})
    client.put(f"{url}/profile", json=[{"period": "2026-27", "planned": 999, "actual": 45}])
    rows = client.get(f"/api/v1/initiatives/{initiative.id}/appraisal").json()["periods"]
    assert rows[0]["approved_baseline"] == 50


def test_switching_values_scale_the_linked_benefits_planned_values(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    model = {
        "nodes": [
            {"name": "calls", "kind": "assumption", "value": 1000, "low": 500, "high": 1500},
            {"name": "saving_per_call", "kind": "assumption", "value": 2, "low": 0.5, "high": 4},
            {"name": "fixed_share", "kind": "assumption", "value": 1},
            {"name": "saving", "kind": "derived", "formula": "calls * saving_per_call * fixed_share"},
        ],
        "links": [],
    }
    session.commit()
    url = f"/api/v1/initiatives/{initiative.id}"
    assert client.put(f"{url}/model", json=model).status_code == 200
    linked = make_benefit(session, initiative=initiative, title="Linked", category="financial", route="capacity",
                          model_node="saving")  # fmt: skip
    fixed = make_benefit(session, initiative=initiative, title="Fixed", category="financial", route="cash")
    # Year 0: 2,000 actually delivered (a fact, never scaled); year 1: 1,035 planned, 1,000 once discounted.
    _profile(session, linked.id or 0, [("2026-27", 2000, 2000), ("2027-28", 1035, None)])
    _profile(session, fixed.id or 0, [("2026-27", 100, None)])
    session.commit()
    cost = {"title": "Build", "kind": "capital", "optimism_bias": 0, "profile": [{"period": "2026-27", "amount": 3200}]}
    assert client.post(f"{url}/costs", json=cost).status_code == 201

    answer = client.get(f"{url}/appraisal/switching-values")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # By hand: NPV = 2,000 + 1,000 x (saving / 2,000) + 100 - 3,200 = -100 at most-likely.
    assert found["npv"] == pytest.approx(-100, abs=0.01) and found["linked_benefits"] == 1
    rows = {row["assumption"]: row for row in found["assumptions"]}
    assert set(rows) == {"calls", "saving_per_call"}  # the unranged assumption has no range to search
    # NPV(calls) = calls - 1,100; NPV(saving per call) = 500 x s - 1,100.
    assert rows["calls"]["switching_value"] == pytest.approx(1100, rel=1e-9)
    assert (rows["calls"]["npv_at_low"], rows["calls"]["npv_at_high"]) == (pytest.approx(-600), pytest.approx(400))
    assert rows["saving_per_call"]["switching_value"] == pytest.approx(2.2, rel=1e-9)

    # Costs beyond any reach of the range: no switching value, said as null.
    assert client.post(f"{url}/costs", json=cost | {"title": "More"}).status_code == 201
    rows = {row["assumption"]: row for row in client.get(f"{url}/appraisal/switching-values").json()["assumptions"]}
    assert rows["calls"]["switching_value"] is None and rows["calls"]["npv_at_high"] == pytest.approx(400 - 3200)


def test_a_range_end_without_a_value_gives_null_not_an_error(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    session.commit()
    url = f"/api/v1/initiatives/{initiative.id}"
    model = {"nodes": [{"name": "staff", "kind": "assumption", "value": 5, "low": 0, "high": 10},
                       {"name": "saving", "kind": "derived", "formula": "1000 / staff"}]}  # fmt: skip
    assert client.put(f"{url}/model", json=model).status_code == 200
    linked = make_benefit(session, initiative=initiative, title="Linked", category="financial", model_node="saving")
    _profile(session, linked.id or 0, [("2026-27", 200, None)])
    session.commit()
    answer = client.get(f"{url}/appraisal/switching-values")
    assert answer.status_code == 200, answer.text
    (row,) = answer.json()["assumptions"]
    assert row["npv_at_low"] is None and row["npv_at_high"] == pytest.approx(100)
