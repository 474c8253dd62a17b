"""Edges found by review: text a database refuses, far-off times, reused ids, and what deletion must keep."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.stages import Stage
from tests.support.factories import make_benefit, make_cost_centre, make_initiative


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/initiatives?q=a%00b",
        "/api/v1/initiatives?owner=a%00b",
        "/api/v1/audit?entity=a%00b",
    ],
)
def test_nul_in_a_query_is_refused_not_a_crash(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 422


def test_nul_in_a_benefit_filter_and_a_sign_in_is_refused(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    assert client.get(f"/api/v1/initiatives/{initiative['id']}/benefits?owner=a%00b").status_code == 422
    signed = client.post("/api/v1/auth/token", json={"login": "a\u0000b", "password": "whatever it is"})
    assert signed.status_code == 422


@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+12:00"])
def test_far_off_times_are_refused_not_a_crash(client: TestClient, moment: str) -> None:
    answer = client.get("/api/v1/audit", params={"since": moment})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "since"


def test_ids_are_never_reused_so_histories_stay_apart(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    benefits = f"/api/v1/initiatives/{initiative['id']}/benefits"
    first = client.post(benefits, json={"title": "first"}).json()
    assert client.delete(f"/api/v1/benefits/{first['id']}").status_code == 204
    second = client.post(benefits, json={"title": "second"}).json()
    assert second["id"] != first["id"]
    history = client.get(f"/api/v1/benefits/{second['id']}/history").json()["items"]
    assert [event["action"] for event in history] == ["created"]


def test_a_benefit_that_ever_left_opportunity_is_never_deleted(client: TestClient, session: Session) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.scoped)
    url = f"/api/v1/benefits/{benefit.id}"
    back = client.post(f"{url}/transitions", json={"to": "opportunity", "reason": "Rethink"})
    assert back.status_code == 200
    assert back.json()["furthest_stage"] == "scoped"
    refused = client.delete(url)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "delete_refused"
    assert client.delete(f"/api/v1/initiatives/{initiative.id}").status_code == 409
    assert client.get(url).status_code == 200


def test_deleting_an_initiative_keeps_a_deleted_event_for_each_benefit(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "Short-lived"}).json()
    benefit = client.post(f"/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "Idea"}).json()
    assert client.put(f"/api/v1/benefits/{benefit['id']}/profile", json=[{"period": "2026-27"}]).status_code == 200
    assert client.delete(f"/api/v1/initiatives/{initiative['id']}").status_code == 204
    trail = client.get("/api/v1/audit", params={"entity": "benefit", "entity_id": benefit["id"]}).json()["items"]
    assert [event["action"] for event in trail] == ["created", "profile_replaced", "deleted"]
    assert trail[-1]["before"]["title"] == "Idea"
    assert client.get(f"/api/v1/benefits/{benefit['id']}").status_code == 404


def test_cash_confirmations_respect_withdrawal_change_the_etag_and_block_deletion(
    client: TestClient, session: Session
) -> None:
    initiative = make_initiative(session)
    make_cost_centre(session, code="CS1")
    cash = make_benefit(session, initiative=initiative, category="financial", route="cash", cost_centre="CS1")
    url = f"/api/v1/benefits/{cash.id}"
    before = client.get(url).headers["ETag"]
    # The benefit has no profile yet, so finance must say why it confirms anyway.
    unprofiled = client.post(f"{url}/cash-confirmations", json={"period": "2026-27", "amount": 10})
    assert unprofiled.status_code == 409
    assert unprofiled.json()["errors"][0]["code"] == "period_outside_profile"
    confirmed = client.post(
        f"{url}/cash-confirmations",
        json={"period": "2026-27", "amount": 10, "override_reason": "Budget cut before the profile was written"},
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["override_reason"] == "Budget cut before the profile was written"
    assert confirmed.headers["ETag"]
    assert client.get(url).headers["ETag"] != before
    assert client.delete(url).status_code == 409
    # Withdrawing would drop confirmed cash from every total: finance reverses it first.
    held = client.post(f"{url}/withdraw", json={"reason": "Budget line closed"})
    assert held.status_code == 409
    assert held.json()["code"] == "confirmed_money_held"
    reversal = client.post(
        f"/api/v1/cash-confirmations/{confirmed.json()['id']}/reversal", json={"reason": "Confirmed in error"}
    )
    assert reversal.status_code == 201
    assert client.post(f"{url}/withdraw", json={"reason": "Budget line closed"}).status_code == 200
    again = client.post(f"{url}/cash-confirmations", json={"period": "2027-28", "amount": 10, "override_reason": "x"})
    assert again.status_code == 409
    entries = client.get(f"{url}/cash-confirmations").json()["items"]
    assert [(entry["amount"], entry["corrects_id"], entry["reversed_by_id"]) for entry in entries] == [
        (10, None, entries[1]["id"]),
        (-10, entries[0]["id"], None),
    ]
    assert client.delete(url).status_code == 409  # its confirmations are its record


def test_nulls_and_unknown_fields_are_named_not_ignored(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    emptied = client.patch(f"/api/v1/initiatives/{initiative['id']}", json={"description": None})
    assert emptied.status_code == 422
    assert emptied.json()["errors"][0]["field"] == "description"
    benefit = client.post(f"/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "B"}).json()
    sneaky = client.patch(f"/api/v1/benefits/{benefit['id']}", json={"stage": "delivered"})
    assert sneaky.status_code == 422
    assert sneaky.json()["errors"][0]["field"] == "stage"
    assert client.get(f"/api/v1/benefits/{benefit['id']}").json()["stage"] == "opportunity"


def test_if_match_may_name_several_tags(client: TestClient) -> None:
    for sponsor in "ABC":  # a sponsor is a person in the service: named officers, without a sign-in
        assert client.post("/api/v1/users", json={"name": sponsor, "role": "viewer"}).status_code == 201
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    url = f"/api/v1/initiatives/{initiative['id']}"
    assert client.patch(url, json={"sponsor": "A"}).headers["ETag"] == '"v2"'
    assert client.patch(url, json={"sponsor": "B"}, headers={"If-Match": '"v1", "v2"'}).status_code == 200
    assert client.patch(url, json={"sponsor": "C"}, headers={"If-Match": '"v1", "v2"'}).status_code == 412
