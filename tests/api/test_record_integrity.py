"""The record keeps its integrity: each failure seen in use, replayed through the API on both databases.

Baselines are never replaced, confirmed money holds its route, confirmations are checked against the profile and
corrected only by reversals, a cost centre is one code however it is typed, capacity must be seen redeployed,
levels are never summed, the example's model is fed by the right measure, and sizes are never negative.
"""

from datetime import date
from statistics import fmean
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.example import load_example
from benefits.models import Person, Role
from benefits.stages import Stage
from tests.conftest import client_with_token
from tests.support.factories import make_benefit, make_cost_centre, make_initiative, make_person, make_token

FIRST_PLAN = {"2026-27": 50_000, "2027-28": 100_000, "2028-29": 150_000}
SECOND_PLAN = {"2026-27": 10_000, "2027-28": 20_000, "2028-29": 30_000}


def _as(app: FastAPI, session: Session, role: Role) -> TestClient:
    return client_with_token(app, make_token(session, person=make_person(session, role=role)))


def _programme_manager(app: FastAPI, session: Session) -> tuple[Person, TestClient]:
    """A programme manager, and their client; make them the owner of an initiative to let them edit it."""
    person = make_person(session, role=Role.programme_manager)
    return person, client_with_token(app, make_token(session, person=person))


def _rows(plan: dict[str, int], actuals: dict[str, int] | None = None) -> list[dict[str, Any]]:
    actuals = actuals or {}
    return [{"period": period, "planned": value, "actual": actuals.get(period)} for period, value in plan.items()]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _refused(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The problem document of a refusal with this status (and top-level code, where one is given)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def _problems(body: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(item["code"], item.get("field")) for item in body["errors"]}


def _years(client: TestClient, initiative_id: int | None) -> dict[str, dict[str, Any]]:
    summary = _ok(client.get("/api/v1/finance/cash-capacity", params={"initiative_id": initiative_id}))
    return {row["year"]: row for row in summary["years"]}


def _variance(client: TestClient, initiative_id: int | None, benefit_id: int | None, held_on: str) -> dict[str, Any]:
    review = _ok(client.post("/api/v1/reviews", json={"initiative_id": initiative_id, "held_on": held_on}), 201)
    # The review as read back later says the same as the answer to recording it.
    assert _ok(client.get(f"/api/v1/reviews/{review['id']}"))["variances"] == review["variances"]
    (found,) = [row for row in review["variances"] if row["benefit_id"] == benefit_id]
    return dict(found)


def _current_year(today: date) -> str:
    """The financial year (April to March) that `today` falls in, such as 2026-27."""
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def test_moving_back_and_forward_keeps_baseline_one_and_re_baselining_adds_a_version(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    manager, as_manager = _programme_manager(app, session)
    initiative = make_initiative(session, owner_id=manager.id)
    benefit = make_benefit(
        session,
        initiative=initiative,
        stage=Stage.scoped,
        category="financial",
        route="capacity",
        redeployment="Casework",
    )
    as_finance = _as(app, session, Role.finance)
    initiative_id, benefit_id = initiative.id, benefit.id
    url = f"/api/v1/benefits/{benefit_id}"
    _ok(client.put(f"{url}/profile", json=_rows(FIRST_PLAN)))
    _ok(client.post(f"{url}/transitions", json={"to": "planned"}))

    # Back to scoped, a smaller plan, and up to planned again: the approval of the first plan stands.
    _ok(client.post(f"{url}/transitions", json={"to": "scoped", "reason": "Scope cut by the board"}))
    _ok(client.put(f"{url}/profile", json=_rows(SECOND_PLAN)))
    moved = _ok(client.post(f"{url}/transitions", json={"to": "planned"}))
    assert moved["baseline_version"] == 1
    first_total = sum(FIRST_PLAN.values())
    (original,) = _ok(client.get(f"{url}/baselines"))
    assert (original["version"], original["kind"], original["total"]) == (1, "approval", first_total)
    assert {row["period"]: row["planned"] for row in original["periods"]} == FIRST_PLAN
    assert [(b["version"], b["total"]) for b in _ok(client.get(url))["baselines"]] == [(1, first_total)]

    forecast = sum(SECOND_PLAN.values())
    variance = _variance(client, initiative_id, benefit_id, "2026-12-01")
    assert (variance["approved_baseline"], variance["forecast"]) == (first_total, forecast)
    assert variance["variance"] == forecast - first_total == -240_000
    assert variance["variance_share"] == pytest.approx((forecast - first_total) / first_total) == -0.8
    assert (variance["status"], variance["baseline_version"]) == ("off_track", 1)

    appraisal = _ok(client.get(f"/api/v1/initiatives/{initiative_id}/appraisal"))
    by_year = {row["period"]: row for row in appraisal["periods"]}
    assert {year: by_year[year]["approved_baseline"] for year in FIRST_PLAN} == FIRST_PLAN
    assert {year: by_year[year]["original_baseline"] for year in FIRST_PLAN} == FIRST_PLAN

    # A programme manager, even the initiative's owner, may ask for a re-baseline but not make one.
    _ok(as_manager.put(f"{url}/profile", json=_rows(SECOND_PLAN | {"2029-30": 5_000})))
    refused = _refused(as_manager.post(f"{url}/baselines", json={"reason": "Our own idea"}), 403)
    assert refused["code"] == "forbidden"
    _ok(as_manager.put(f"{url}/profile", json=_rows(SECOND_PLAN)))
    asked = _ok(as_manager.post(f"{url}/rebaseline-requests", json={"reason": "Scope was cut"}), 201)
    again = _refused(as_manager.post(f"{url}/rebaseline-requests", json={"reason": "Again"}), 409)
    assert "request_open" in {code for code, _ in _problems(again)}
    waiting = _ok(client.get("/api/v1/rebaseline-requests", params={"status": "open"}))["items"]
    assert [item["id"] for item in waiting] == [asked["id"]]

    reason = "The board cut the scope on 1 December"
    rebaselined = _ok(as_finance.post(f"{url}/baselines", json={"reason": reason, "request_id": asked["id"]}), 201)
    assert rebaselined["baseline_version"] == 2
    kept, second = _ok(client.get(f"{url}/baselines"))
    assert kept == original  # baseline 1 reads exactly as it did before
    assert (second["version"], second["kind"], second["reason"], second["total"]) == (2, "rebaseline", reason, forecast)
    assert {row["period"]: row["planned"] for row in second["periods"]} == SECOND_PLAN
    assert _ok(client.get("/api/v1/rebaseline-requests", params={"status": "open"}))["items"] == []
    unchanged = _refused(as_finance.post(f"{url}/baselines", json={"reason": "Once more"}), 409)
    assert "baseline_unchanged" in {code for code, _ in _problems(unchanged)}

    variance = _variance(client, initiative_id, benefit_id, "2026-12-02")
    assert (variance["approved_baseline"], variance["variance"], variance["status"]) == (forecast, 0, "on_track")
    assert (variance["original_baseline"], variance["original_variance"]) == (first_total, forecast - first_total)
    assert variance["original_variance_share"] == pytest.approx(-0.8)
    assert (variance["original_status"], variance["baseline_version"]) == ("off_track", 2)

    by_year = {
        row["period"]: row for row in _ok(client.get(f"/api/v1/initiatives/{initiative_id}/appraisal"))["periods"]
    }
    assert {year: by_year[year]["approved_baseline"] for year in SECOND_PLAN} == SECOND_PLAN
    assert {year: by_year[year]["original_baseline"] for year in FIRST_PLAN} == FIRST_PLAN
    history = _ok(client.get(f"{url}/history"))["items"]
    rebaselines = [event for event in history if event["action"] == "rebaselined"]
    assert [(event["reason"], event["after"]["baseline_version"]) for event in rebaselines] == [(reason, 2)]


def _delivered_cash_benefit(
    session: Session, app: FastAPI, client: TestClient
) -> tuple[int, int, TestClient, TestClient, int]:
    """A delivered cash benefit of a programme manager's initiative with 45 confirmed for 2026-27: the
    initiative, the benefit's id, the manager's and finance's clients, and the confirmation's id."""
    manager, as_manager = _programme_manager(app, session)
    initiative = make_initiative(session, owner_id=manager.id)
    make_cost_centre(session, code="CS100")
    make_cost_centre(session, code="CS200")
    benefit = make_benefit(
        session,
        initiative=initiative,
        stage=Stage.planned,
        category="financial",
        route="cash",
        cost_centre="CS100",
        evidence="Ledger extract",
    )
    initiative_id, benefit_id = initiative.id or 0, benefit.id or 0
    as_finance = _as(app, session, Role.finance)
    url = f"/api/v1/benefits/{benefit_id}"
    # The factory's profile records 45 as 2026-27's actual.
    confirmed = _ok(as_finance.post(f"{url}/cash-confirmations", json={"period": "2026-27", "amount": 45}), 201)
    assert _ok(client.post(f"{url}/transitions", json={"to": "delivered"}))["stage"] == "delivered"
    return initiative_id, benefit_id, as_manager, as_finance, confirmed["id"]


def test_confirmed_cash_holds_a_delivered_benefits_route(session: Session, app: FastAPI, client: TestClient) -> None:
    initiative_id, benefit_id, as_manager, as_finance, _ = _delivered_cash_benefit(session, app, client)
    url = f"/api/v1/benefits/{benefit_id}"
    before = _years(client, initiative_id)["2026-27"]["cash_confirmed"]
    assert before == 45

    change = {"route": "capacity", "redeployment": "x"}
    refused = _refused(as_manager.patch(url, json=change), 403)
    assert {code for code, _ in _problems(refused)} == {"route_is_finance_decision"}
    assert ("route_is_finance_decision", "route") in _problems(refused)
    refused = _refused(as_finance.patch(url, json=change), 409, "confirmed_money_held")
    assert _problems(refused) == {("confirmed_cash_held", "route")}
    refused = _refused(as_finance.patch(url, json={"cost_centre": "CS200"}), 409, "confirmed_money_held")
    refused = _refused(client.post(f"{url}/withdraw", json={"reason": "Not ours"}), 409, "confirmed_money_held")

    kept = _ok(client.get(url))
    assert (kept["route"], kept["cost_centre"], kept["withdrawn"]) == ("cash", "CS100", False)
    assert _years(client, initiative_id)["2026-27"]["cash_confirmed"] == before


def test_after_reversing_its_cash_finance_can_change_a_delivered_benefits_route(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative_id, benefit_id, _, as_finance, confirmation_id = _delivered_cash_benefit(session, app, client)
    url = f"/api/v1/benefits/{benefit_id}"
    reversal = {"reason": "Booked against the wrong benefit"}
    _ok(as_finance.post(f"/api/v1/cash-confirmations/{confirmation_id}/reversal", json=reversal), 201)
    assert _years(client, initiative_id)["2026-27"]["cash_confirmed"] == 0
    # With no cash confirmed it no longer meets the bar for delivered: it steps back to planned, with the reason.
    benefit = _ok(client.get(url))
    assert (benefit["stage"], benefit["gate"]["next_stage"]) == ("planned", "delivered")
    moves = [event for event in _ok(client.get(f"{url}/history"))["items"] if event["action"] == "stage_moved"]
    assert (moves[-1]["before"], moves[-1]["after"]) == ({"stage": "delivered"}, {"stage": "planned"})
    assert moves[-1]["reason"] == f"Confirmation {confirmation_id} reversed: Booked against the wrong benefit"

    changed = _ok(as_finance.patch(url, json={"route": "capacity", "redeployment": "x", "reason": "Posts kept"}))
    assert (changed["route"], changed["redeployment"], changed["stage"]) == ("capacity", "x", "planned")
    assert [code["code"] for code in changed["gate"]["missing"]] == ["redeployment_confirmation_missing"]


def test_a_delivered_benefits_new_route_steps_it_back_until_finance_confirms_it(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.delivered, title="Hours released")
    url = f"/api/v1/benefits/{benefit.id}"
    as_finance = _as(app, session, Role.finance)
    [entry] = _ok(client.get(f"{url}/redeployment-confirmations"))["items"]
    # Redeployed capacity holds the route; once finance reverses it, its route can change, and the benefit is
    # planned again until the new route's money is confirmed.
    held = as_finance.patch(url, json={"route": "undecided"})
    assert held.status_code == 409 and held.json()["code"] == "confirmed_money_held"
    _ok(
        as_finance.post(f"/api/v1/redeployment-confirmations/{entry['id']}/reversal", json={"reason": "Not moved"}), 201
    )
    assert _ok(client.get(url))["stage"] == "planned"
    # A change that leaves out what the new route needs is refused, not stepped around.
    short = as_finance.patch(url, json={"route": "cash"})
    assert short.status_code == 409 and short.json()["code"] == "stage_bar_broken"
    assert [problem["code"] for problem in short.json()["errors"]] == ["cost_centre_missing"]
    assert _ok(client.get(url))["route"] == "capacity"


def test_confirmations_are_checked_against_the_profile_and_corrected_by_reversal(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS100")
    benefit = make_benefit(
        session, initiative=initiative, stage=Stage.planned, category="financial", route="cash", cost_centre="CS100"
    )
    initiative_id = initiative.id
    url = f"/api/v1/benefits/{benefit.id}"
    as_finance = _as(app, session, Role.finance)
    _ok(client.put(f"{url}/profile", json=_rows({"2026-27": 10_000, "2027-28": 40_200})))

    beyond = {"period": "2026-27", "amount": 25_000, "note": "Budget cut"}
    refused = _refused(as_finance.post(f"{url}/cash-confirmations", json=beyond), 409, "confirmation_refused")
    assert _problems(refused) == {("confirmation_beyond_forecast", "amount")}
    why = "The budget holder took the whole post out"
    accepted = _ok(as_finance.post(f"{url}/cash-confirmations", json=beyond | {"override_reason": why}), 201)
    listed = _ok(client.get(f"{url}/cash-confirmations"))["items"]
    assert [(row["id"], row["amount"], row["override_reason"]) for row in listed] == [(accepted["id"], 25_000, why)]

    after_the_end = {"period": "2029-30", "amount": 1_000}
    refused = _refused(as_finance.post(f"{url}/cash-confirmations", json=after_the_end), 409, "confirmation_refused")
    assert _problems(refused) == {("period_outside_profile", "period")}

    twice = {"period": "2027-28", "amount": 30_000, "note": "Posted once"}
    first = _ok(as_finance.post(f"{url}/cash-confirmations", json=twice), 201)
    refused = _refused(as_finance.post(f"{url}/cash-confirmations", json=twice), 409, "confirmation_refused")
    assert _problems(refused) == {("confirmation_beyond_forecast", "amount")}
    years = _years(client, initiative_id)
    assert (years["2026-27"]["cash_confirmed"], years["2027-28"]["cash_confirmed"]) == (25_000, 30_000)

    reversal = _ok(
        client.post(f"/api/v1/cash-confirmations/{first['id']}/reversal", json={"reason": "Wrong year"}), 201
    )
    assert (reversal["amount"], reversal["corrects_id"]) == (-30_000, first["id"])
    after = _years(client, initiative_id)
    assert after["2027-28"]["cash_confirmed"] == years["2027-28"]["cash_confirmed"] - 30_000
    assert after["2026-27"]["cash_confirmed"] == years["2026-27"]["cash_confirmed"]
    listed = {row["id"]: row for row in _ok(client.get(f"{url}/cash-confirmations"))["items"]}
    assert listed[first["id"]]["reversed_by_id"] == reversal["id"]
    assert listed[accepted["id"]]["reversed_by_id"] is None
    assert set(listed) == {accepted["id"], first["id"], reversal["id"]}  # nothing was deleted

    again = client.post(f"/api/v1/cash-confirmations/{first['id']}/reversal", json={"reason": "Again"})
    assert ("already_reversed", "confirmation_id") in _problems(_refused(again, 409))
    _refused(client.post(f"/api/v1/cash-confirmations/{reversal['id']}/reversal", json={"reason": "Undo"}), 409)


def test_one_cost_centre_however_typed_is_flagged_for_double_counting_and_over_budget(
    session: Session, client: TestClient
) -> None:
    initiative_id = make_initiative(session).id
    make_cost_centre(session, code="CS200")
    budget, claims = 1_000, {"cs200": 600, "CS200": 700}
    assert all(claim <= budget for claim in claims.values()) and sum(claims.values()) > budget
    _ok(client.put("/api/v1/finance/budgets", json=[{"cost_centre": "CS200", "year": "2026-27", "amount": budget}]))
    for code, claim in claims.items():
        made = _ok(
            client.post(
                f"/api/v1/initiatives/{initiative_id}/benefits",
                json={"title": f"Cash from {code}", "category": "financial", "route": "cash", "cost_centre": code},
            ),
            201,
        )
        assert made["cost_centre"] == "CS200"
        _ok(client.put(f"/api/v1/benefits/{made['id']}/profile", json=_rows({"2026-27": claim})))

    summary = _ok(client.get("/api/v1/finance/cash-capacity", params={"initiative_id": initiative_id}))
    (centre,) = [row for row in summary["by_cost_centre"] if row["year"] == "2026-27"]
    assert (centre["cost_centre"], centre["benefits"], centre["budget"]) == ("CS200", 2, budget)
    assert centre["cash_planned"] == sum(claims.values())
    flags = {(flag["code"], flag["cost_centre"], flag["year"]) for flag in summary["flags"]}
    assert flags == {("possible_double_counting", "CS200", "2026-27"), ("over_budget", "CS200", "2026-27")}


def test_capacity_must_be_seen_redeployed_before_it_is_delivered(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(
        session,
        initiative=initiative,
        stage=Stage.planned,
        category="financial",
        route="capacity",
        redeployment="Casework",
        evidence="Rota",
    )
    initiative_id = initiative.id
    url = f"/api/v1/benefits/{benefit.id}"
    as_finance = _as(app, session, Role.finance)
    year = _current_year(date.today())  # started, so its capacity should already be redeployed
    planned, confirmed = 1_000, 400
    _ok(client.put(f"{url}/profile", json=_rows({year: planned}, {year: 900})))

    refused = _refused(client.post(f"{url}/transitions", json={"to": "delivered"}), 409)
    assert "redeployment_confirmation_missing" in {code for code, _ in _problems(refused)}
    before = _years(client, initiative_id)[year]
    assert (before["capacity_planned"], before["capacity_not_redeployed"], before["capacity_redeployed"]) == (
        planned,
        planned,
        0,
    )

    _ok(as_finance.post(f"{url}/redeployment-confirmations", json={"period": year, "amount": confirmed}), 201)
    after = _years(client, initiative_id)[year]
    assert after["capacity_not_redeployed"] == before["capacity_not_redeployed"] - confirmed
    assert after["capacity_redeployed"] == confirmed
    assert _ok(client.post(f"{url}/transitions", json={"to": "delivered"}))["stage"] == "delivered"


def _example(session: Session, client: TestClient) -> tuple[int, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The worked example loaded: the initiative's id, its benefits by title and its measures by name."""
    load_example(session=session)
    (initiative,) = [
        row for row in _ok(client.get("/api/v1/initiatives"))["items"] if row["name"] == "Customer Access Programme"
    ]
    benefits = _ok(client.get(f"/api/v1/initiatives/{initiative['id']}/benefits"))["items"]
    measures = _ok(client.get("/api/v1/measures", params={"initiative_id": initiative["id"]}))["items"]
    return initiative["id"], {b["title"]: b for b in benefits}, {m["name"]: m for m in measures}


def test_a_level_is_measured_as_a_mean_level_and_compared_at_its_end_never_summed(
    session: Session, client: TestClient
) -> None:
    initiative_id, benefits, measures = _example(session, client)
    benefit, measure = benefits["Customer satisfaction raised"], measures["Customer satisfaction"]
    assert benefit["measured_as"] == "level"
    url = f"/api/v1/benefits/{benefit['id']}"

    summed = client.post(f"{url}/actuals-from-measure", json={"measure_id": measure["id"], "aggregate": "sum"})
    assert ("aggregate_not_for_levels", "aggregate") in _problems(_refused(summed, 422))
    observations = _ok(client.get(f"/api/v1/measures/{measure['id']}/observations"))
    after_baseline = date.fromisoformat(benefit["baseline_date"])
    in_year = [
        float(row["value"])
        for row in observations
        if after_baseline < date.fromisoformat(row["date"]) <= date(2027, 3, 31)
    ]
    assert in_year, "the example has observations in 2026-27"
    expected = fmean(in_year)
    derived = _ok(client.post(f"{url}/actuals-from-measure", json={"measure_id": measure["id"], "aggregate": "mean"}))
    actuals = {row["period"]: row["actual"] for row in derived["profile"]}
    assert actuals["2026-27"] == pytest.approx(expected, abs=1e-4)
    assert 70 < actuals["2026-27"] < 100  # a level near 80%, not an improvement of a few points

    planned = {row["period"]: row["planned"] for row in derived["profile"]}
    last_level = planned["2030-31"]
    assert last_level == 98 and sum(value for value in planned.values() if value is not None) == 452
    review = _ok(client.post("/api/v1/reviews", json={"initiative_id": initiative_id, "held_on": "2026-12-05"}), 201)
    (variance,) = [row for row in review["variances"] if row["benefit_id"] == benefit["id"]]
    assert variance["measured_as"] == "level"
    assert (variance["approved_baseline"], variance["original_baseline"], variance["forecast"]) == (98, 98, 98)
    assert (variance["variance"], variance["status"]) == (0, "on_track")
    (baseline,) = _ok(client.get(f"{url}/baselines"))
    assert baseline["total"] == last_level


def test_the_share_of_avoidable_contact_feeds_the_share_still_avoidable_after_the_redesign(
    session: Session, client: TestClient
) -> None:
    initiative_id, _, measures = _example(session, client)
    measure = measures["Share of avoidable contact"]
    observations = sorted(
        _ok(client.get(f"/api/v1/measures/{measure['id']}/observations")), key=lambda row: row["date"]
    )
    latest = fmean(float(row["value"]) for row in observations[-6:])
    model = _ok(client.get(f"/api/v1/initiatives/{initiative_id}/model"))
    before = {node["name"]: node.get("value") for node in model["nodes"]}

    updated = _ok(client.post(f"/api/v1/measures/{measure['id']}/assumption", json={"last_points": 6}))
    assert updated["assumption"] == "avoidable_share_after"
    assert updated["value"] == pytest.approx(latest)
    model = _ok(client.get(f"/api/v1/initiatives/{initiative_id}/model"))
    values = {node["name"]: node.get("value") for node in model["nodes"]}
    assert values["failure_demand_share"] == before["failure_demand_share"]  # the share before the redesign stays
    assert values["avoidable_share_after"] == pytest.approx(latest)

    evaluated = _ok(client.post(f"/api/v1/initiatives/{initiative_id}/model/evaluate", json={"samples": 100}))
    removed = evaluated["nodes"]["avoidable_calls_removed"]["value"]
    assert removed == pytest.approx(values["phone_calls_a_year"] * (values["failure_demand_share"] - latest))


def test_sizes_are_never_negative_but_a_level_may_be_any_value(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    ordinary = make_benefit(session, initiative=initiative, title="Calls avoided")
    level = make_benefit(
        session,
        initiative=initiative,
        title="Net promoter score",
        category="non_financial",
        unit="points",
        measured_as="level",
    )
    ordinary_url, level_url = f"/api/v1/benefits/{ordinary.id}", f"/api/v1/benefits/{level.id}"
    negative = [{"period": "2026-27", "planned": 10}, {"period": "2027-28", "planned": -5}]

    refused = _refused(client.put(f"{ordinary_url}/profile", json=negative), 422)
    fields = {field for code, field in _problems(refused) if code == "negative_value"}
    assert len(fields) == 1 and (fields.pop() or "").endswith("[1].planned")
    assert _ok(client.get(ordinary_url))["profile"] == []
    refused = _refused(client.patch(ordinary_url, json={"estimate_low": -1}), 422)
    assert ("negative_value", "estimate_low") in _problems(refused)

    stored = _ok(client.put(f"{level_url}/profile", json=negative))
    assert [(row["period"], row["planned"]) for row in stored["profile"]] == [("2026-27", 10), ("2027-28", -5)]
    # A worsening is recorded as a negative actual on an ordinary benefit.
    worse = [{"period": "2026-27", "planned": 10, "actual": -3}]
    assert _ok(client.put(f"{ordinary_url}/profile", json=worse))["profile"][0]["actual"] == -3
