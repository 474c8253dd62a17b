"""The demand API: reference lists, contact counts by JSON and upload, summary, series, costs, and who may write."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.models import Role
from tests.conftest import client_with_token
from tests.support.factories import make_person, make_token


def _problems(answer: Any) -> list[tuple[str, str | None]]:
    return [(item["code"], item["field"]) for item in answer.json()["errors"]]


def _service(client: TestClient, code: str, name: str) -> None:
    made = client.post("/api/v1/demand/services", json={"code": code, "name": name})
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"/api/v1/demand/services/{code}"


def test_the_lists_the_counts_and_what_they_say(client: TestClient) -> None:
    _service(client, "council_tax", "Council tax")
    channels = client.get("/api/v1/demand/channels").json()
    assert [entry["code"] for entry in channels] == ["app", "email", "face_to_face", "phone", "post", "web"]
    kinds = {entry["code"]: entry["avoidable"] for entry in client.get("/api/v1/demand/demand-types").json()}
    assert kinds["value"] is False and kinds["progress_chasing"] is True
    rows = [
        {
            "period_start": "2026-04-01",
            "service": "Council tax",
            "channel": "phone",
            "demand_type": "value",
            "count": 300,
            "handling_minutes": 1500,
        },
        {
            "period_start": "2026-04-01",
            "service": "council_tax",
            "channel": "web",
            "demand_type": "Progress chasing",
            "count": 100,
        },
    ]
    loaded = client.post("/api/v1/demand/contacts", json=rows)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json() == {"added": 2, "replaced": 0, "months": 1}
    assert client.post("/api/v1/demand/contacts", json=rows).json() == {"added": 0, "replaced": 2, "months": 1}
    kept = client.post(
        "/api/v1/demand/costs",
        json={"channel": "Phone", "valid_from": "2026-01-01", "cost": 2.83, "source": "Telephony cost model 2025-26"},
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["channel"] == "phone"
    summary = client.get("/api/v1/demand/summary", params={"service": "council_tax"}).json()
    assert summary["contacts"] == 400 and summary["avoidable_contacts"] == 100
    assert summary["avoidable_share"] == 0.25
    assert "NI14" in summary["definition"]
    assert summary["minutes_per_contact"] == 5
    assert {c["channel"]: c["share"] for c in summary["channels"]} == {"phone": 0.75, "web": 0.25}
    assert summary["cost_to_serve"] is None and summary["uncosted_channels"] == ["web"]
    web = {"channel": "web", "valid_from": "2026-01-01", "cost": 0.15, "source": "Web platform cost"}
    client.post("/api/v1/demand/costs", json=web)
    assert client.get("/api/v1/demand/summary").json()["cost_to_serve"] == 300 * 2.83 + 100 * 0.15
    series = client.get("/api/v1/demand/series", params={"figure": "avoidable_share"}).json()
    assert [(p["date"], p["value"]) for p in series["points"]] == [("2026-04-01", 0.25)]
    costs = client.get("/api/v1/demand/costs").json()
    assert {s["channel"] for s in costs["suggestions"]} == {"face_to_face", "phone", "web"}
    assert all("Socitm" in s["citation"] for s in costs["suggestions"])
    listed = client.get("/api/v1/demand/contacts", params={"channel": "web"}).json()
    assert listed["total"] == 1 and listed["items"][0]["demand_type"] == "progress_chasing"


def test_a_bad_list_is_refused_naming_each_row_and_nothing_is_kept(client: TestClient) -> None:
    _service(client, "waste", "Waste")
    rows = [
        {"period_start": "2026-04-01", "service": "Waste", "channel": "phone", "demand_type": "value", "count": 3},
        {"period_start": "2026-04-01", "service": "Libraries", "channel": "phone", "demand_type": "value", "count": 3},
        {"period_start": "2026-04-02", "service": "Waste", "channel": "phone", "demand_type": "value", "count": 3},
        {"period_start": "2026-04-01", "service": "Waste", "channel": "pigeon", "demand_type": "value", "count": 3},
    ]
    # A day of the month stands for its month, so rows 0 and 2 count the same month twice.
    refused = client.post("/api/v1/demand/contacts", json=rows)
    assert refused.status_code == 422, refused.text
    assert sorted(_problems(refused)) == [
        ("period_repeated", "[2].count"),
        ("unknown_channel", "[3].channel"),
        ("unknown_service", "[1].service"),
    ]
    assert client.get("/api/v1/demand/contacts").json()["total"] == 0
    # Names not on their lists alone: what is stored decides, so a conflict.
    unknown = client.post("/api/v1/demand/contacts", json=[rows[1], rows[3]])
    assert unknown.status_code == 409, unknown.text
    assert _problems(unknown) == [("unknown_service", "[0].service"), ("unknown_channel", "[1].channel")]
    kept = client.post("/api/v1/demand/contacts", json=[rows[2]])
    assert kept.status_code == 200
    assert client.get("/api/v1/demand/contacts").json()["items"][0]["period_start"] == "2026-04-01"


def test_an_export_is_uploaded_and_its_bad_cells_named(client: TestClient) -> None:
    _service(client, "waste", "Waste")
    good = b"Date,Service,Channel,Type,Count\n2026-04-01,Waste,Phone,Value demand,7\n"
    loaded = client.post("/api/v1/demand/contacts/import", files={"file": ("contacts.csv", good, "text/csv")})
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["added"] == 1
    bad = good + b"2026-04-01,Waste,Web,Value demand,-2\n"
    refused = client.post("/api/v1/demand/contacts/import", files={"file": ("contacts.csv", bad, "text/csv")})
    assert refused.status_code == 422
    assert _problems(refused) == [("value_invalid", "row 3, Count")]


def test_a_viewer_reads_but_does_not_keep_the_lists(app: Any, session: Session) -> None:
    viewer = client_with_token(app, make_token(session, person=make_person(session, role=Role.viewer)))
    assert viewer.get("/api/v1/demand/services").status_code == 200
    refused = viewer.post("/api/v1/demand/services", json={"code": "waste", "name": "Waste"})
    assert refused.status_code == 403
    assert viewer.delete("/api/v1/demand/channels/post").status_code == 403


def test_a_filter_naming_nothing_is_not_found_and_a_list_answers_only_its_methods(client: TestClient) -> None:
    missing = client.get("/api/v1/demand/summary", params={"service": "libraries"})
    assert missing.status_code == 404 and _problems(missing) == [("unknown_service", "services")]
    assert client.get("/api/v1/demand/summary", params={"to": "0"}).status_code == 422
    assert client.post("/api/v1/demand/summary").status_code == 405
    assert client.patch("/api/v1/demand/contacts/import").status_code == 405
    refused = client.post("/api/v1/demand/channels", json={"code": "sms", "name": "Text", "avoidable": True})
    assert refused.status_code == 422  # only a demand type is avoidable or not
    made = client.post("/api/v1/demand/demand-types", json={"code": "chasing", "name": "Chasing", "avoidable": True})
    assert made.status_code == 201 and made.json()["avoidable"] is True
    changed = client.patch("/api/v1/demand/demand-types/chasing", json={"avoidable": False})
    assert changed.json()["avoidable"] is False
    assert client.patch("/api/v1/demand/channels/web", json={"name": "Website"}).json()["name"] == "Website"


def test_an_entry_counted_stays_on_its_list(client: TestClient) -> None:
    _service(client, "waste", "Waste")
    row = {"period_start": "2026-04-01", "service": "waste", "channel": "post", "demand_type": "value", "count": 1}
    client.post("/api/v1/demand/contacts", json=[row])
    refused = client.delete("/api/v1/demand/channels/post")
    assert refused.status_code == 409
    assert _problems(refused) == [("reference_counted", "code")]
    assert client.delete("/api/v1/demand/channels/app").status_code == 204
    assert client.get("/api/v1/demand/channels/app").status_code == 404


def test_an_assumption_is_bound_to_a_demand_figure(client: TestClient, session: Session) -> None:
    from sqlmodel import select

    from benefits.example import load_example
    from benefits.models import Initiative

    load_example(session=session)
    initiative = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    path = f"/api/v1/demand/assumptions/{initiative.id}"
    binding = {"assumption": "failure_demand_share", "figure": "avoidable_share", "months": 12, "until": "2026-04-01"}
    bound = client.put(path, json=binding)
    assert bound.status_code == 200, bound.text
    share = bound.json()["value"]
    assert 0.28 < share < 0.32
    listed = client.get(path).json()
    # The example's own binding of the share (its phone calls) is replaced; its calls a year stay bound.
    assert [row["assumption"] for row in listed] == ["failure_demand_share", "phone_calls_a_year"]
    assert (listed[0]["channels"], listed[0]["value"]) == ([], share)
    model = client.get(f"/api/v1/initiatives/{initiative.id}/model").json()
    assert next(node["value"] for node in model["nodes"] if node["name"] == "failure_demand_share") == share
    assert client.post(f"{path}/refresh").json()[0]["value"] == share
    unknown = client.put(path, json=binding | {"assumption": "no_such_node"})
    assert unknown.status_code == 422
    assert _problems(unknown) == [("not_an_assumption", "assumption")]


def test_segments_tag_benefits_and_measures(client: TestClient, session: Session) -> None:
    from sqlmodel import select

    from benefits.example import load_example
    from benefits.models import Benefit, Measure

    load_example(session=session)
    benefit = session.exec(select(Benefit).where(Benefit.title == "Avoidable phone contact removed")).one()
    measure = session.exec(select(Measure)).first()
    assert measure is not None
    for code, name in (("residents", "Residents"), ("businesses", "Businesses"), ("landlords", "Landlords")):
        assert client.post("/api/v1/demand/segments", json={"code": code, "name": name}).status_code == 201
    path = f"/api/v1/demand/tags/benefits/{benefit.id}"
    tagged = client.put(path, json={"segments": ["residents", "businesses"]})
    assert tagged.status_code == 200, tagged.text
    assert tagged.json() == {"segments": ["businesses", "residents"]}
    assert client.get(path).json() == {"segments": ["businesses", "residents"]}
    client.put(f"/api/v1/demand/tags/measures/{measure.id}", json={"segments": ["landlords"]})
    assert client.get("/api/v1/demand/tags/benefits", params={"segment": "residents"}).json() == {"ids": [benefit.id]}
    assert client.get("/api/v1/demand/tags/benefits", params={"segment": "landlords"}).json() == {"ids": []}
    assert client.get("/api/v1/demand/tags/measures", params={"segment": "landlords"}).json() == {"ids": [measure.id]}
    history = client.get("/api/v1/audit", params={"entity": "benefit", "entity_id": benefit.id}).json()["items"]
    assert any(event["action"] == "segments_tagged" for event in history)
    unknown = client.put(path, json={"segments": ["pensioners"]})
    assert unknown.status_code == 409 and _problems(unknown) == [("unknown_segment", "segments")]
    assert client.get(path).json() == {"segments": ["businesses", "residents"]}
    # A segment that tags something stays on its list, the refusal naming what it tags, until it is untagged.
    refused = client.delete("/api/v1/demand/segments/landlords")
    assert refused.status_code == 409 and _problems(refused) == [("reference_in_use", "code")]
    assert f"the segments of measure {measure.id} ({measure.name})" in refused.json()["detail"]
    assert "untag or re-bind each first" in refused.json()["detail"]
    assert client.get(f"/api/v1/demand/tags/measures/{measure.id}").json() == {"segments": ["landlords"]}
    client.put(f"/api/v1/demand/tags/measures/{measure.id}", json={"segments": []})
    assert client.delete("/api/v1/demand/segments/landlords").status_code == 204


def test_an_entry_a_bound_assumption_filters_by_stays_on_its_list(client: TestClient, session: Session) -> None:
    from sqlmodel import select

    from benefits.example import load_example
    from benefits.models import Initiative

    load_example(session=session)
    initiative = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    path = f"/api/v1/demand/assumptions/{initiative.id}"
    assert client.post("/api/v1/demand/channels", json={"code": "webchat", "name": "Web chat"}).status_code == 201
    binding = {"assumption": "failure_demand_share", "figure": "avoidable_share", "channels": ["phone", "webchat"]}
    assert client.put(path, json=binding).status_code == 200
    refused = client.delete("/api/v1/demand/channels/webchat")
    assert refused.status_code == 409 and _problems(refused) == [("reference_in_use", "code")]
    assert "the binding of assumption failure_demand_share" in refused.json()["detail"]
    assert client.get("/api/v1/demand/channels/webchat").status_code == 200


def test_a_cost_that_is_not_a_finite_amount_is_refused(client: TestClient) -> None:
    kept = {"channel": "phone", "valid_from": "2026-01-01", "source": "Telephony cost model 2025-26"}
    for cost in ("sNaN", "NaN", "Infinity"):
        refused = client.post("/api/v1/demand/costs", json=kept | {"cost": cost})
        assert refused.status_code == 422, cost
        assert [field for _, field in _problems(refused)] == ["cost"]
    for written in ("NaN", "Infinity", "-Infinity"):  # JSON's non-standard numbers, as Python writes them
        body = '{"channel": "phone", "valid_from": "2026-01-01", "source": "Costing", "cost": ' + written + "}"
        refused = client.post("/api/v1/demand/costs", content=body, headers={"content-type": "application/json"})
        assert refused.status_code == 422, written
    assert client.get("/api/v1/demand/costs").json()["kept"] == []
