"""The model over the API: replaced whole or kept as a draft, evaluated, templated, and valuing benefits."""

from typing import Any

from fastapi.testclient import TestClient

CALLS_MODEL: dict[str, Any] = {
    "nodes": [
        {"name": "calls_a_year", "kind": "assumption", "unit": "calls", "value": 600000, "low": 500000, "high": 700000},
        {"name": "failure_share", "kind": "assumption", "value": 0.3, "low": 0.2, "high": 0.4, "distribution": "pert"},
        {"name": "cost_per_call", "kind": "assumption", "unit": "GBP", "value": 2.83, "source": "Published figure"},
        {"name": "calls_removed", "kind": "derived", "formula": "calls_a_year * failure_share * 0.5"},
        {"name": "capacity_value", "kind": "derived", "unit": "GBP", "formula": "calls_removed * cost_per_call"},
        {"name": "crm", "kind": "enabler", "label": "CRM"},
        {"name": "fewer_calls", "kind": "benefit"},
    ],
    "links": [{"from": "crm", "to": "failure_share"}, {"from": "capacity_value", "to": "fewer_calls"}],
    "scenarios": [{"name": "low take-up", "overrides": {"failure_share": 0.2}}],
}


def _initiative(client: TestClient) -> str:
    return f"/api/v1/initiatives/{client.post('/api/v1/initiatives', json={'name': 'Front office'}).json()['id']}"


def test_a_model_is_stored_whole_and_evaluated(client: TestClient) -> None:
    url = _initiative(client)
    stored = client.put(f"{url}/model", json=CALLS_MODEL)
    assert stored.status_code == 200, stored.text
    assert stored.headers["ETag"] == '"v1"'
    read = client.get(f"{url}/model").json()
    assert [node["name"] for node in read["nodes"]] == [node["name"] for node in CALLS_MODEL["nodes"]]
    assert read["links"][0] == {"from": "crm", "to": "failure_share"}
    assert read["draft"] is None

    answer = client.post(f"{url}/model/evaluate", json={"samples": 5000, "seed": 1})
    assert answer.status_code == 200, answer.text
    capacity = answer.json()["nodes"]["capacity_value"]
    assert capacity["value"] == 254700
    assert capacity["p10"] < capacity["p50"] < capacity["p90"]
    assert answer.json() == client.post(f"{url}/model/evaluate", json={"samples": 5000, "seed": 1}).json()
    bars = answer.json()["sensitivity"]["bars"]
    assert answer.json()["sensitivity"]["output"] == "capacity_value"
    assert [bar["assumption"] for bar in bars] == ["failure_share", "calls_a_year"]

    low = client.post(f"{url}/model/evaluate", json={"samples": 100, "scenario": "low take-up"}).json()
    assert low["nodes"]["capacity_value"]["value"] == 169800
    same = client.post(f"{url}/model/evaluate", json={"samples": 100, "overrides": {"failure_share": 0.2}}).json()
    assert same["nodes"]["capacity_value"]["value"] == 169800
    switching = client.post(
        f"{url}/model/evaluate", json={"samples": 100, "output": "capacity_value", "threshold": 200000}
    ).json()
    share = next(bar for bar in switching["sensitivity"]["bars"] if bar["assumption"] == "failure_share")
    assert abs(share["switching_value"] - 200000 / (600000 * 0.5 * 2.83)) < 1e-9


def test_a_model_with_a_cycle_an_unknown_name_and_a_syntax_error_is_one_422_and_a_draft(client: TestClient) -> None:
    url = _initiative(client)
    assert client.put(f"{url}/model", json=CALLS_MODEL).status_code == 200
    broken = {
        "nodes": [
            {"name": "calls", "kind": "derived", "formula": "hours * 2"},
            {"name": "hours", "kind": "derived", "formula": "calls / 2"},
            {"name": "fte", "kind": "derived", "formula": "hours / staff_hours"},
            {"name": "saving", "kind": "derived", "formula": "fte * (30000"},
        ]
    }
    refused = client.put(f"{url}/model", json=broken)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    errors = {(item["node"], item["code"]) for item in refused.json()["errors"]}
    assert errors == {("calls", "cycle"), ("fte", "unknown_name"), ("saving", "syntax_error")}
    read = client.get(f"{url}/model").json()
    # nothing half-applied
    assert [node["name"] for node in read["nodes"]] == [node["name"] for node in CALLS_MODEL["nodes"]]
    assert read["version"] == 1
    assert {p["code"] for p in read["draft"]["problems"]} == {"cycle", "unknown_name", "syntax_error"}
    assert read["draft"]["model"]["nodes"][0]["name"] == "calls"
    assert client.put(f"{url}/model", json=CALLS_MODEL).json()["draft"] is None


def test_templates_load_into_any_initiative_and_refuse_clashes(client: TestClient) -> None:
    listed = client.get("/api/v1/model-templates").json()
    assert {template["key"] for template in listed} == {"call_handling", "channel_shift"}
    url = _initiative(client)
    loaded = client.post(f"{url}/model/from-template", json={"template": "channel_shift"})
    assert loaded.status_code == 200, loaded.text
    values = client.post(f"{url}/model/evaluate", json={"samples": 200}).json()["nodes"]
    # 80,000 x 0.5 x (8.62 - 0.15) + 240,000 x 0.5 x (2.83 - 0.15)
    assert abs(values["channel_shift_saving"]["value"] - (80000 * 0.5 * 8.47 + 240000 * 0.5 * 2.68)) < 1e-6
    assert client.post(f"{url}/model/from-template", json={"template": "call_handling"}).status_code == 200
    again = client.post(f"{url}/model/from-template", json={"template": "channel_shift"})
    assert again.status_code == 409
    assert client.post(f"{url}/model/from-template", json={"template": "nope"}).status_code == 404


def test_a_benefit_valued_by_a_node_follows_the_model(client: TestClient) -> None:
    url = _initiative(client)
    assert client.put(f"{url}/model", json=CALLS_MODEL).status_code == 200
    benefit = client.post(f"{url}/benefits", json={"title": "Calls avoided", "model_node": "capacity_value"})
    assert benefit.status_code == 201, benefit.text
    evaluated = client.post(f"{url}/model/evaluate", json={"samples": 10000, "seed": 1}).json()["nodes"]
    expected = evaluated["capacity_value"]
    estimate = benefit.json()
    for field, key in [("estimate_low", "p10"), ("estimate_likely", "p50"), ("estimate_high", "p90")]:
        assert abs(estimate[field] - expected[key]) < 0.0001

    typed = client.patch(f"/api/v1/benefits/{estimate['id']}", json={"estimate_likely": 1})
    assert typed.status_code == 422
    assert typed.json()["errors"][0]["code"] == "estimate_from_model"

    cheaper = {**CALLS_MODEL, "nodes": [dict(node) for node in CALLS_MODEL["nodes"]]}
    cheaper["nodes"][2]["value"] = 1.0
    assert client.put(f"{url}/model", json=cheaper).status_code == 200
    after = client.get(f"/api/v1/benefits/{estimate['id']}").json()
    assert after["estimate_likely"] < estimate["estimate_likely"] / 2
    history = client.get(f"/api/v1/benefits/{estimate['id']}/history").json()["items"]
    assert history[-1]["reason"].startswith("The model changed")
    assert history[-1]["before"]["estimate_likely"] == estimate["estimate_likely"]

    without = {**CALLS_MODEL, "nodes": [node for node in CALLS_MODEL["nodes"] if node["name"] != "capacity_value"]}
    without["links"] = [CALLS_MODEL["links"][0]]
    in_use = client.put(f"{url}/model", json=without)
    assert in_use.status_code == 422
    assert [(e["node"], e["code"]) for e in in_use.json()["errors"]] == [("capacity_value", "node_in_use")]

    unknown = client.patch(f"/api/v1/benefits/{estimate['id']}", json={"model_node": "crm"})
    assert unknown.status_code == 422
    # An owner is a person in the service: a named officer, without a sign-in.
    assert client.post("/api/v1/users", json={"name": "Ann", "role": "viewer"}).status_code == 201
    scoped = client.patch(f"/api/v1/benefits/{estimate['id']}", json={"owner": "Ann", "category": "financial"})
    assert scoped.status_code == 200, scoped.text
    assert scoped.json()["gate"]["missing"] == []  # the model node is the valuation


def test_a_stale_model_edit_is_refused(client: TestClient) -> None:
    url = _initiative(client)
    first = client.put(f"{url}/model", json=CALLS_MODEL)
    assert client.put(f"{url}/model", json=CALLS_MODEL, headers={"If-Match": first.headers["ETag"]}).status_code == 200
    assert client.put(f"{url}/model", json=CALLS_MODEL, headers={"If-Match": first.headers["ETag"]}).status_code == 412
    assert client.post(f"{url}/model/evaluate", json={"samples": 0}).status_code == 422
    assert client.post(f"{url}/model/evaluate", json={"scenario": "unheard of"}).status_code == 409
    assert client.post(f"{url}/model/evaluate", json={"overrides": {"calls_removed": 3}}).status_code == 422


def test_a_model_that_cannot_value_its_benefits_is_a_draft_not_half_applied(client: TestClient) -> None:
    url = _initiative(client)
    assert client.put(f"{url}/model", json=CALLS_MODEL).status_code == 200
    benefit = client.post(f"{url}/benefits", json={"title": "Calls", "model_node": "capacity_value"}).json()
    poles = {
        "nodes": [
            {"name": "share_x", "kind": "assumption", "value": 0, "low": -1, "high": 1},
            {"name": "capacity_value", "kind": "derived", "formula": "100 / share_x"},
        ]
    }
    refused = client.put(f"{url}/model", json=poles)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["node"] == "capacity_value"
    read = client.get(f"{url}/model").json()
    assert read["version"] == 1 and read["nodes"][0]["name"] == "calls_a_year"
    assert read["draft"]["model"]["nodes"][0]["name"] == "share_x"
    assert client.get(f"/api/v1/benefits/{benefit['id']}").json()["estimate_likely"] == benefit["estimate_likely"]
    huge = {"nodes": [{"name": "capacity_value", "kind": "assumption", "value": 2e12}]}
    too_big = client.put(f"{url}/model", json=huge)
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["code"] == "valuation_too_large"
    trail = client.get("/api/v1/audit", params={"entity": "model"}).json()["items"]
    assert [event["action"] for event in trail][-2:] == ["draft_kept", "draft_kept"]


def test_hostile_formulas_and_sizes_are_refused_not_crashes(client: TestClient) -> None:
    url = _initiative(client)
    for formula in ["-" * 500 + "x_value", "x_value+" * 600 + "x_value", "1e999", "10 ^ x_value"]:
        model = {
            "nodes": [
                {"name": "x_value", "kind": "assumption", "value": 400},
                {"name": "y_value", "kind": "derived", "formula": formula},
            ]
        }
        answer = client.put(f"{url}/model", json=model)
        assert answer.status_code == 422, (formula[:20], answer.text)
    assert client.put(f"{url}/model", json=CALLS_MODEL).status_code == 200
    assert client.post(f"{url}/model/from-template", json={"template": "channel_shift"}).status_code == 200
    # 17 nodes x 200,000 samples is more than one request may draw
    too_much = client.post(f"{url}/model/evaluate", json={"samples": 200000})
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["code"] == "too_many_samples"
    withdrawn = client.post(f"{url}/benefits", json={"title": "Old", "model_node": "capacity_value"}).json()
    assert client.post(f"/api/v1/benefits/{withdrawn['id']}/withdraw", json={"reason": "Gone"}).status_code == 200
    without = {**CALLS_MODEL, "nodes": [n for n in CALLS_MODEL["nodes"] if n["name"] != "capacity_value"]}
    without["links"] = [CALLS_MODEL["links"][0]]
    assert client.put(f"{url}/model", json=without).status_code == 200  # a withdrawn benefit holds no node
