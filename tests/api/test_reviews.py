"""Board reviews: the snapshot, variance against approved baselines, and what changed since the last review."""

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import confirmations, measures, pipeline, register
from benefits.models import BenefitUpdate, CashConfirmationCreate, ProfileEntryIn
from benefits.models.measure import MeasureCreate, ObservationIn
from benefits.reviews import variance_status
from benefits.stages import Category, RealisationRoute, Stage
from benefits.xmr import Direction
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative, make_owner


@pytest.mark.parametrize(
    ("baseline", "forecast", "status"),
    [
        (100, 100, "on_track"),
        (100, 95, "on_track"),  # exactly 5% short is still on track
        (100, 94.99, "at_risk"),
        (100, 85, "at_risk"),  # exactly 15% short is at risk
        (100, 84.99, "off_track"),
        (-100, -110, "at_risk"),  # a dis-benefit 10% worse than its baseline
        (0, 0, "on_track"),
        (0, -1, "off_track"),
    ],
)
def test_the_variance_rule(baseline: float, forecast: float, status: str) -> None:
    assert variance_status(Decimal(str(baseline)), Decimal(str(forecast)))[2] == status


def _months(start_year: int, count: int) -> list[str]:
    return [f"{start_year + (3 + n) // 12}-{(3 + n) % 12 + 1:02d}-01" for n in range(count)]


def test_what_changed_between_two_reviews(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS1")
    planned = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Planned", category="financial",
                           route="cash", cost_centre="CS1")  # fmt: skip
    idea = make_benefit(session, initiative=initiative, title="Idea")
    doomed = make_benefit(session, initiative=initiative, title="Doomed")
    measure = measures.create_measure(
        session=session,
        fields=MeasureCreate(
            initiative_id=initiative.id or 0, name="Calls a month", direction=Direction.decrease, baseline_points=12
        ),
        actor=TESTER,
    )
    steady = [
        ObservationIn(date=day, value=Decimal(v)) for day, v in zip(_months(2024, 12), [110, 120] * 6, strict=True)
    ]
    measures.record_observations(session=session, measure_id=measure.id or 0, rows=steady, actor=TESTER)
    make_owner(session, "Priya")  # an action's owner is a person in the service
    session.commit()
    opening_review = {
        "initiative_id": initiative.id,
        "held_on": "2026-06-30",
        "attendees": ["Beatrice Lund"],
        "decisions": ["Carry on"],
        "actions": [{"action": "Find an owner", "owner": "Priya"}],
    }
    first = client.post("/api/v1/reviews", json=opening_review)
    assert first.status_code == 201, first.text
    assert [v["status"] for v in first.json()["variances"]] == ["on_track"]  # 145 forecast against 150 approved
    opening = client.get(f"/api/v1/reviews/{first.json()['id']}/changes").json()
    assert opening["previous_review_id"] is None and len(opening["benefits_added"]) == 3

    # Between the reviews: a new benefit, one withdrawn, one scoped, a re-forecast, a route, cash, a shift.
    added = make_benefit(session, initiative=initiative, title="Added later")
    register.withdraw_benefit(session=session, benefit_id=doomed.id or 0, reason="Duplicate of Planned",
                              expected_version=None, actor=TESTER)  # fmt: skip
    make_owner(session, "Sam")  # an owner is a person in the service
    scoping = BenefitUpdate(owner="Sam", category=Category.financial, estimate_low=Decimal(1),
                            estimate_likely=Decimal(2), estimate_high=Decimal(3))  # fmt: skip
    register.update_benefit(
        session=session, benefit_id=idea.id or 0, changes=scoping, expected_version=None, actor=TESTER
    )
    pipeline.move_stage(session=session, benefit_id=idea.id or 0, to=Stage.scoped, reason="Owner found", actor=TESTER)
    register.update_benefit(session=session, benefit_id=idea.id or 0,
                            changes=BenefitUpdate(route=RealisationRoute.capacity), expected_version=None,
                            actor=TESTER)  # fmt: skip
    register.replace_profile(
        session=session,
        benefit_id=planned.id or 0,
        rows=[ProfileEntryIn(period="2026-27", planned=Decimal(50), actual=Decimal(45)),
              ProfileEntryIn(period="2027-28", planned=Decimal(80))],
        expected_version=None,
        actor=TESTER,
    )  # fmt: skip
    confirmation = CashConfirmationCreate(period="2026-27", amount=Decimal(40))
    confirmations.confirm_cash(session=session, benefit_id=planned.id or 0, fields=confirmation, actor=TESTER)
    shifted = [ObservationIn(date=day, value=Decimal(90)) for day in _months(2025, 8)]
    measures.record_observations(session=session, measure_id=measure.id or 0, rows=shifted, actor=TESTER)
    session.commit()
    second = client.post("/api/v1/reviews", json={"initiative_id": initiative.id, "held_on": "2026-09-30"})
    assert second.status_code == 201
    # 125 forecast against 150 approved: 16.7% short.
    assert [(v["forecast"], v["status"]) for v in second.json()["variances"]] == [(125, "off_track")]

    changed = client.get(f"/api/v1/reviews/{second.json()['id']}/changes").json()
    assert changed["previous_review_id"] == first.json()["id"]
    assert [b["title"] for b in changed["benefits_added"]] == [added.title]
    assert [(b["title"], b["detail"]) for b in changed["benefits_withdrawn"]] == [("Doomed", "Duplicate of Planned")]
    (move,) = changed["stage_moves"]
    assert (move["stage_before"], move["stage_after"]) == ("opportunity", "scoped")
    assert [m["reason"] for m in move["moves"]] == ["Owner found"]
    assert [(r["old"], r["new"], r["difference"]) for r in changed["reforecasts"]] == [(150, 130, -20)]
    assert [(r["title"], r["old"], r["new"]) for r in changed["routes_decided"]] == [("Idea", None, "capacity")]
    assert [(c["new"], c["difference"]) for c in changed["cash_confirmed"]] == [(40, 40)]
    # Eight months at 90 against baseline limits 115 +/- 26.6: beyond two sigma below, so fewer calls: improvement.
    assert changed["signals"] and {s["point_type"] for s in changed["signals"]} == {"special_cause_improvement"}
    assert {s["measure"] for s in changed["signals"]} == {"Calls a month"}

    listed = client.get("/api/v1/reviews", params={"initiative_id": initiative.id}).json()
    assert [item["id"] for item in listed["items"]] == [second.json()["id"], first.json()["id"]]
    assert client.get("/api/v1/reviews/99999/changes").status_code == 404
    portfolio = client.post("/api/v1/reviews", json={"held_on": "2026-09-30", "title": "Portfolio board"})
    assert portfolio.status_code == 201 and portfolio.json()["benefits"] >= 4


def test_changes_follow_recording_order_and_show_deleted_benefits(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    doomed = make_benefit(session, initiative=initiative, title="Soon deleted")
    session.commit()
    late = client.post("/api/v1/reviews", json={"initiative_id": initiative.id, "held_on": "2026-12-01"}).json()
    assert client.delete(f"/api/v1/benefits/{doomed.id}").status_code == 204
    # Written up after the December one, though held in November: compared with what was recorded before it.
    earlier = client.post("/api/v1/reviews", json={"initiative_id": initiative.id, "held_on": "2026-11-15"}).json()
    changed = client.get(f"/api/v1/reviews/{earlier['id']}/changes").json()
    assert changed["previous_review_id"] == late["id"]
    assert [(b["title"], b["detail"]) for b in changed["benefits_removed"]] == [("Soon deleted", "deleted")]
    refused = client.delete(f"/api/v1/initiatives/{initiative.id}")
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "delete_refused"


def test_a_portfolio_review_marks_its_actions_and_carries_the_open_ones_into_the_next(
    session: Session, client: TestClient
) -> None:
    for name in ("Frank Okafor", "Priya Patel", "Board"):  # each action's owner is a person in the service
        make_owner(session, name)
    session.commit()
    first = client.post(
        "/api/v1/reviews",
        json={
            "held_on": "2026-07-15",
            "title": "Portfolio board, July",
            "actions": [
                {"action": "Confirm the CS200 reduction", "owner": "Frank Okafor", "due": "2026-10-31"},
                {"action": "Find an owner for abandoned calls", "owner": "Priya Patel"},
                {"action": "Re-profile the library sessions", "owner": "Priya Patel"},
            ],
        },
    )
    assert first.status_code == 201, first.text
    review = first.json()
    assert review["initiative_id"] is None
    assert [(a["number"], a["status"]) for a in review["actions"]] == [(1, "open"), (2, "open"), (3, "open")]
    url = f"/api/v1/reviews/{review['id']}/actions"
    done = client.patch(f"{url}/1", json={"status": "done", "note": "Finance confirmed £84,700"})
    assert done.status_code == 200, done.text
    assert [a["status"] for a in done.json()["actions"]] == ["done", "open", "open"]
    assert client.patch(f"{url}/3", json={"status": "dropped"}).status_code == 200
    assert client.patch(f"{url}/4", json={"status": "done"}).status_code == 404
    assert client.patch(f"{url}/1", json={"status": "finished"}).status_code == 422
    trail = client.get("/api/v1/audit", params={"entity": "review", "entity_id": review["id"]}).json()["items"]
    updates = [event for event in trail if event["action"] == "action_updated"]
    assert {(e["after"]["action"], e["after"]["status"]) for e in updates} == {
        ("Confirm the CS200 reduction", "done"),
        ("Re-profile the library sessions", "dropped"),
    }

    # An initiative's review does not take the portfolio's actions; the next portfolio review does.
    initiative = make_initiative(session, name="Elsewhere")
    session.commit()
    other = client.post("/api/v1/reviews", json={"held_on": "2026-08-01", "initiative_id": initiative.id}).json()
    assert other["actions"] == []
    second = client.post(
        "/api/v1/reviews",
        json={"held_on": "2026-10-20", "actions": [{"action": "Publish the benefits report", "owner": "Board"}]},
    ).json()
    # Only the one still open is carried, numbered after what this review agreed, naming where it came from.
    assert [(a["number"], a["action"], a["status"], a["carried_from"]) for a in second["actions"]] == [
        (1, "Publish the benefits report", "open", None),
        (2, "Find an owner for abandoned calls", "open", review["id"]),
    ]
