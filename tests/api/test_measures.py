"""Measures over the API: links, observations by JSON and CSV (all or nothing, idempotent by date), charts."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import audit
from tests.support.factories import make_benefit, make_initiative


def _measure(session: Session, client: TestClient, **fields: object) -> tuple[int, dict]:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, title="Calls avoided")
    session.commit()
    created = client.post(
        "/api/v1/measures",
        json={"initiative_id": initiative.id, "name": "Calls a month", "unit": "calls", "direction": "decrease",
              "benefit_ids": [benefit.id], **fields},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return initiative.id or 0, created.json()


def test_a_measure_links_to_its_benefits_and_refuses_strangers(session: Session, client: TestClient) -> None:
    initiative_id, measure = _measure(session, client)
    assert measure["benefit_ids"] and measure["observations"] == 0 and measure["last_observed"] is None
    other = make_benefit(session, initiative=make_initiative(session, name="Other"), title="Elsewhere")
    session.commit()
    refused = client.post(
        "/api/v1/measures",
        json={"initiative_id": initiative_id, "name": "X", "benefit_ids": [other.id], "model_node": "nowhere"},
    )
    assert refused.status_code == 409  # what the model and the initiative hold now decides
    assert {(e["code"], e["field"]) for e in refused.json()["errors"]} == {
        ("unknown_node", "model_node"),
        ("unknown_benefit", "benefit_ids[0]"),
    }
    changed = client.patch(f"/api/v1/measures/{measure['id']}", json={"rephase": ["2025-04-01"], "reason": "Redesign"})
    assert changed.status_code == 200 and changed.json()["rephase"] == ["2025-04-01"]
    listed = client.get("/api/v1/measures", params={"initiative_id": initiative_id}).json()
    assert [item["id"] for item in listed["items"]] == [measure["id"]]


def test_observations_are_idempotent_by_date_and_all_or_nothing(session: Session, client: TestClient) -> None:
    _, measure = _measure(session, client)
    url = f"/api/v1/measures/{measure['id']}/observations"
    rows = [{"date": f"2025-{month:02d}-01", "value": 100 + month} for month in range(1, 7)]
    first = client.post(url, json=rows)
    assert first.status_code == 200, first.text
    assert first.json() == {"added": 6, "changed": 0, "unchanged": 0, "observations": 6}
    again = client.post(url, json=[*rows[:3], {"date": "2025-04-01", "value": 1}])
    assert again.json() == {"added": 0, "changed": 1, "unchanged": 3, "observations": 6}

    bad = client.post(url, json=[{"date": "2025-07-01", "value": 5}, {"date": "2025-13-01", "value": 5},
                                 {"date": "2025-08-01", "value": "lots"}])  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"[1].date", "[2].value"}
    repeated = client.post(url, json=[{"date": "2025-07-01", "value": 5}, {"date": "2025-07-01", "value": 6}])
    assert repeated.status_code == 422 and repeated.json()["errors"][0]["field"] == "[1].date"
    saved = client.get(url).json()
    assert len(saved) == 6 and saved[3] == {"date": "2025-04-01", "value": 1.0, "note": ""}
    events = [e for e in audit.events_for(session=session, entity="measure", entity_id=measure["id"])]
    recorded = [e for e in events if e.action == "observations_recorded"]
    assert len(recorded) == 2 and recorded[1].before == {"2025-04-01": {"value": 104.0, "note": ""}}


def test_csv_uploads_name_each_bad_row_and_write_nothing(session: Session, client: TestClient) -> None:
    _, measure = _measure(session, client)
    url = f"/api/v1/measures/{measure['id']}/observations"
    good = "date,value,note\n2025-01-01,120,\n2025-02-01,118,after the new letter\n"
    answer = client.post(url, content=good.encode(), headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["added"] == 2
    bad = "Date,Value\n2025-03-01,117\n01/04/2025,116\n2025-05-01,=1+1\n2025-06-01,115,extra\n"
    refused = client.post(url, content=bad.encode(), headers={"Content-Type": "text/csv; charset=utf-8"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["row 3, date", "row 4, value", "row 5"]
    assert len(client.get(url).json()) == 2
    headless = client.post(url, content=b"2025-03-01,117\n", headers={"Content-Type": "text/csv"})
    assert headless.status_code == 422 and {e["field"] for e in headless.json()["errors"]} == {"date", "value"}
    binary = client.post(url, content=b"\xff\xfe\x00", headers={"Content-Type": "text/csv"})
    assert binary.status_code == 422


def test_the_chart_follows_the_measure_settings_and_the_query(session: Session, client: TestClient) -> None:
    _, measure = _measure(session, client, baseline_points=12)
    url = f"/api/v1/measures/{measure['id']}"
    calls = [110, 120] * 6 + [100] * 8  # twelve points about 115 ending above it, then eight well below
    rows = [{"date": f"{2024 + (n + 3) // 12}-{(n + 3) % 12 + 1:02d}-01", "value": v} for n, v in enumerate(calls)]
    assert client.post(f"{url}/observations", json=rows).status_code == 200
    chart = client.get(f"{url}/chart").json()
    assert chart["baseline_points"] == 12 and chart["trial"] is False
    assert {p["mean"] for p in chart["points"]} == {115}
    # Mean moving range 10: limits 115 +/- 26.6; the eight lower points are a run below, and fewer calls is better.
    assert [p["signal"] for p in chart["points"][12:]] == ["run"] * 8
    assert {p["point_type"] for p in chart["points"][12:]} == {"special_cause_improvement"}
    assert "8 special cause improvement" in chart["summary"]
    rephased = client.get(f"{url}/chart", params={"rephase": [str(rows[12]["date"])]}).json()
    assert len(rephased["phases"]) == 2 and rephased["phases"][1]["mean"] == 100
    assert rephased["trial"] is True and all(p["signal"] is None for p in rephased["points"])
    assert client.get(f"{url}/chart", params={"baseline_points": 1}).status_code == 422
    assert client.get("/api/v1/measures/999999/chart").status_code == 404


def test_a_measure_keeps_its_cadence_and_target_and_the_chart_reads_the_target(
    session: Session, client: TestClient
) -> None:
    _, plain = _measure(session, client)
    assert plain["cadence"] == "monthly" and plain["target"] is None  # the defaults
    _, measure = _measure(session, client, cadence="weekly", target=7)
    assert (measure["cadence"], measure["target"]) == ("weekly", 7.0)
    url = f"/api/v1/measures/{measure['id']}"
    rows = [{"date": f"2025-0{n + 1}-01", "value": value} for n, value in enumerate([10, 12, 11, 13, 12])]
    assert client.post(f"{url}/observations", json=rows).status_code == 200
    chart = client.get(f"{url}/chart").json()
    # Mean 11.6, mean moving range 1.5: limits 7.61 to 15.59, range limit 4.902. Fewer calls is better, so a
    # target of 7 lies beyond the lower limit, on the better side: out of the process's reach.
    assert chart["phases"][0]["upper_range_limit"] == pytest.approx(3.268 * 1.5)
    assert (chart["target"], chart["assurance"]) == (7.0, "consistently_fail")
    assert "consistently fail to meet it unless something changes" in chart["assurance_text"]
    assert "7 calls" in chart["assurance_text"] and "7.61 to 15.6 calls" in chart["assurance_text"]

    changed = client.patch(url, json={"cadence": "quarterly", "target": 14, "reason": "The board's new aim"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["cadence"], changed.json()["target"]) == ("quarterly", 14.0)
    inside = client.get(f"{url}/chart").json()
    assert inside["assurance"] == "hit_and_miss" and "sometimes meet it and sometimes not" in inside["assurance_text"]
    event = audit.events_for(session=session, entity="measure", entity_id=measure["id"])[-1]
    assert event.reason == "The board's new aim"
    assert (event.before or {})["target"] == 7 and (event.after or {})["target"] == 14

    cleared = client.patch(url, json={"target": None})
    assert cleared.json()["target"] is None
    untargeted = client.get(f"{url}/chart").json()
    assert (untargeted["target"], untargeted["assurance"], untargeted["assurance_text"]) == (None, None, "")
    refused = client.patch(url, json={"cadence": "daily"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "cadence"
    assert client.patch(url, json={"cadence": None}).status_code == 422


def _month(n: int, year: int = 2025) -> str:
    return f"{year + (n + 3) // 12}-{(n + 3) % 12 + 1:02d}-01"  # n = 0 is April of `year`


def test_a_measure_sets_its_assumption_to_the_mean_of_its_latest_points(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    session.commit()
    url = f"/api/v1/initiatives/{initiative.id}"
    model = {"nodes": [{"name": "calls", "kind": "assumption", "value": 1000, "low": 500, "high": 1500},
                       {"name": "saving", "kind": "derived", "formula": "calls * 2"}]}  # fmt: skip
    assert client.put(f"{url}/model", json=model).status_code == 200
    valued = make_benefit(session, initiative=initiative, title="Saving", model_node="saving")
    session.commit()
    measure = client.post("/api/v1/measures", json={"initiative_id": initiative.id, "name": "Calls",
                                                     "model_node": "calls"}).json()  # fmt: skip
    rows = [{"date": _month(n), "value": 1000 if n < 12 else 800 + n} for n in range(18)]
    assert client.post(f"/api/v1/measures/{measure['id']}/observations", json=rows).status_code == 200
    version = client.get(f"{url}/model").headers["ETag"]

    answer = client.post(f"/api/v1/measures/{measure['id']}/assumption", json={"last_points": 6})
    assert answer.status_code == 200, answer.text
    expected = sum(800 + n for n in range(12, 18)) / 6
    assert answer.json()["value"] == pytest.approx(expected) and answer.json()["previous"] == 1000
    nodes = {node["name"]: node for node in client.get(f"{url}/model").json()["nodes"]}
    assert nodes["calls"]["value"] == pytest.approx(expected)
    assert client.get(f"{url}/model").headers["ETag"] != version
    event = audit.events_for(session=session, entity="model", entity_id=initiative.id or 0)[-1]
    assert event.action == "assumption_set" and "last 6 points of measure 'Calls'" in (event.reason or "")
    # The benefit valued by the model moved with it: its likely estimate is the P50 of 2 x calls, and calls is
    # triangular(500, mode, 1500), whose median is 1500 - sqrt(1000 x (1500 - mode) / 2) when the mode is low.
    median = 1500 - ((1000 * (1500 - expected)) / 2) ** 0.5
    estimate = client.get(f"/api/v1/benefits/{valued.id}").json()["estimate_likely"]
    assert estimate == pytest.approx(2 * median, rel=0.005)

    too_few = client.post(f"/api/v1/measures/{measure['id']}/assumption", json={"last_points": 19})
    assert too_few.status_code == 422 and too_few.json()["errors"][0]["field"] == "last_points"
    outside = [{"date": _month(n, 2027), "value": 1600} for n in range(3)]
    client.post(f"/api/v1/measures/{measure['id']}/observations", json=outside)
    refused = client.post(f"/api/v1/measures/{measure['id']}/assumption", json={"last_points": 3})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "outside_range"
    assert client.get(f"{url}/model").json()["nodes"][0]["value"] == pytest.approx(expected)


def test_a_benefit_takes_its_actuals_from_its_measure(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, title="Calls avoided", category="non_financial",
                           unit="calls", baseline_value=1000)  # fmt: skip
    bare = make_benefit(session, initiative=initiative, title="No baseline")
    session.commit()
    client.put(f"/api/v1/benefits/{benefit.id}/profile", json=[{"period": "2025-26", "planned": 1500}])
    measure = client.post(
        "/api/v1/measures",
        json={
            "initiative_id": initiative.id,
            "name": "Calls a month",
            "unit": "calls",
            "direction": "decrease",
            "benefit_ids": [benefit.id, bare.id],
        },
    )
    rows = [{"date": _month(n), "value": 900 if n < 12 else 850} for n in range(15)]
    assert client.post(f"/api/v1/measures/{measure.json()['id']}/observations", json=rows).status_code == 200

    summed = client.post(f"/api/v1/benefits/{benefit.id}/actuals-from-measure",
                         json={"measure_id": measure.json()["id"], "aggregate": "sum"})  # fmt: skip
    assert summed.status_code == 200, summed.text
    # 2025-26: twelve months 100 below the baseline of 1,000 (fewer is better); 2026-27 so far: three at 150.
    assert summed.json()["profile"] == [
        {"period": "2025-26", "planned": 1500.0, "actual": 1200.0},
        {"period": "2026-27", "planned": None, "actual": 450.0},
    ]
    costed = client.post(f"/api/v1/benefits/{benefit.id}/actuals-from-measure",
                         json={"measure_id": measure.json()["id"], "multiplier": 2.83})  # fmt: skip
    assert [row["actual"] for row in costed.json()["profile"]] == [283.0, 424.5]
    history = client.get(f"/api/v1/benefits/{benefit.id}/history").json()["items"]
    assert "Actuals derived from measure 'Calls a month'" in history[-1]["reason"]

    no_baseline = client.post(f"/api/v1/benefits/{bare.id}/actuals-from-measure",
                              json={"measure_id": measure.json()["id"]})  # fmt: skip
    assert no_baseline.status_code == 422 and no_baseline.json()["errors"][0]["field"] == "baseline_value"
    other = make_benefit(session, initiative=initiative, title="Unlinked", baseline_value=5)
    session.commit()
    unlinked = client.post(
        f"/api/v1/benefits/{other.id}/actuals-from-measure", json={"measure_id": measure.json()["id"]}
    )
    assert unlinked.status_code == 409 and unlinked.json()["errors"][0]["code"] == "measure_not_linked"


def test_derived_actuals_start_after_the_baseline_convert_units_and_respect_dis_benefits(
    session: Session, client: TestClient
) -> None:
    initiative = make_initiative(session)
    harm = make_benefit(session, initiative=initiative, title="Complaints caused", category="non_financial",
                        unit="complaints", baseline_value=100, baseline_date=date(2025, 3, 31),
                        is_disbenefit=True)  # fmt: skip
    money = make_benefit(session, initiative=initiative, title="Saving", category="financial", baseline_value=100)
    session.commit()
    measure = client.post("/api/v1/measures", json={"initiative_id": initiative.id, "name": "Complaints",
                                                     "unit": "complaints", "direction": "decrease",
                                                     "benefit_ids": [harm.id, money.id]}).json()  # fmt: skip
    # March 2025 is the baseline's own month; April and May 2025 run at 150 and 170 complaints.
    rows = [{"date": "2025-03-01", "value": 999}, {"date": "2025-04-01", "value": 150},
            {"date": "2025-05-01", "value": 170}]  # fmt: skip
    client.post(f"/api/v1/measures/{measure['id']}/observations", json=rows)
    derived = client.post(f"/api/v1/benefits/{harm.id}/actuals-from-measure",
                          json={"measure_id": measure["id"], "aggregate": "sum"})  # fmt: skip
    # 50 + 70 more complaints than the baseline: the harm grew by 120 (a dis-benefit holds the harm's size).
    assert derived.json()["profile"] == [{"period": "2025-26", "planned": None, "actual": 120.0}]
    refused = client.post(f"/api/v1/benefits/{money.id}/actuals-from-measure", json={"measure_id": measure["id"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "multiplier_required"


def test_awkward_csv_is_refused_not_crashed(session: Session, client: TestClient) -> None:
    _, measure = _measure(session, client)
    url = f"/api/v1/measures/{measure['id']}/observations"
    mac = client.post(url, content=b"date,value\r2025-01-01,5\r", headers={"Content-Type": "text/csv"})
    assert mac.status_code in (200, 422)
    huge = b'date,value,note\n2025-01-01,5,"' + b"x" * 200_000 + b'"\n'
    answer = client.post(url, content=huge, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
