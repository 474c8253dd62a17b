"""A reference list uploaded to the API: what was added, renamed and left as it was; bad cells named by row and
column in problem+json; a file over the bound refused as 413; a viewer refused."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.demand_lists_import import MAX_LIST_BYTES
from benefits.models import Role
from tests.conftest import client_with_token
from tests.support.factories import make_person, make_token

SERVICES = b"Code,Name\ncouncil_tax,Council tax\nwaste,Waste\nlibraries,Libraries\n"


def _upload(client: TestClient, path: str, content: bytes, name: str = "list.csv") -> Any:
    return client.post(f"/api/v1/demand/{path}/import", files={"file": (name, content, "text/csv")})


def _listed(client: TestClient, path: str) -> dict[str, Any]:
    return {entry["code"]: entry for entry in client.get(f"/api/v1/demand/{path}").json()}


def test_a_list_is_uploaded_renamed_and_loaded_again_to_no_effect(client: TestClient) -> None:
    made = client.post("/api/v1/demand/services", json={"code": "waste", "name": "Bins"})
    assert made.status_code == 201
    loaded = _upload(client, "services", SERVICES)
    assert loaded.status_code == 200, loaded.text
    answer = loaded.json()
    assert (sorted(answer["added"]), answer["renamed"], answer["unchanged"]) == (
        ["council_tax", "libraries"],
        ["waste"],
        [],
    )
    assert answer["counts"] == {"added": 2, "renamed": 1, "unchanged": 0}
    assert {code: entry["name"] for code, entry in _listed(client, "services").items()} == {
        "council_tax": "Council tax",
        "waste": "Waste",
        "libraries": "Libraries",
    }
    again = _upload(client, "services", SERVICES).json()
    assert again["counts"] == {"added": 0, "renamed": 0, "unchanged": 3}
    # The trail: the entry added by hand, then one event an entry the upload added or renamed; none for the second.
    history = client.get("/api/v1/audit", params={"entity": "demand_service"})
    assert history.status_code == 200, history.text
    events = [(item["action"], item["after"]) for item in history.json()["items"]]
    assert events[0] == ("created", {"code": "waste", "name": "Bins"})
    assert sorted(events[1:], key=str) == sorted(
        [
            ("created", {"code": "council_tax", "name": "Council tax"}),
            ("created", {"code": "libraries", "name": "Libraries"}),
            ("updated", {"name": "Waste"}),
        ],
        key=str,
    )


def test_demand_types_take_their_avoidable_column(client: TestClient) -> None:
    loaded = _upload(client, "demand-types", b"Code,Avoidable,Name\nmisdirected,no,Misdirected\nchasing,yes,Chasing\n")
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["added"] == ["chasing"]
    kept = _listed(client, "demand-types")
    assert kept["chasing"]["avoidable"] is True and kept["misdirected"]["avoidable"] is False


def test_bad_rows_are_refused_as_problem_json_naming_rows_and_columns(client: TestClient) -> None:
    bad = SERVICES + b"Waste!,Recycling\nparking,\nwaste,Bins\n"
    refused = _upload(client, "services", bad)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [(item["code"], item["field"]) for item in refused.json()["errors"]] == [
        ("code_invalid", "row 5, Code"),
        ("required", "row 6, Name"),
        ("code_repeated", "row 7, Code"),
    ]
    assert _listed(client, "services") == {}
    missing = _upload(client, "channels", b"Channel,Name\nsms,Text message\n")
    assert missing.status_code == 422 and missing.json()["errors"][0]["code"] == "headings_missing"


def test_a_file_over_the_bound_is_413(client: TestClient) -> None:
    refused = _upload(client, "segments", b"Code,Name\n" + b"x" * MAX_LIST_BYTES)
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert _listed(client, "segments") == {}


def test_a_viewer_may_not_upload_a_list(app: FastAPI, session: Session) -> None:
    viewer = client_with_token(app, make_token(session, person=make_person(session, role=Role.viewer)))
    refused = _upload(viewer, "services", SERVICES)
    assert refused.status_code == 403
    assert viewer.get("/api/v1/demand/services").json() == []
    assert (
        client_with_token(app, None)
        .post("/api/v1/demand/services/import", files={"file": ("list.csv", SERVICES, "text/csv")})
        .status_code
        == 401
    )


def test_the_upload_address_is_not_an_entry(client: TestClient) -> None:
    refused = _upload(client, "segments", b"Code,Name\nimport,Importers\n")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "row 2, Code"
    for method in ("GET", "PATCH", "DELETE"):
        answer = client.request(method, "/api/v1/demand/segments/import")
        assert answer.status_code == 405 and answer.headers["allow"] == "OPTIONS, POST", method
    # Nor can one entry be added under that code.
    added = client.post("/api/v1/demand/segments", json={"code": "import", "name": "Importers"})
    assert added.status_code == 422 and [item["field"] for item in added.json()["errors"]] == ["code"]
    assert "upload address" in added.json()["errors"][0]["detail"]
