"""Every error is RFC 9457 problem+json; nothing a client can send yields a 500."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from web.session import SESSION_COOKIE

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors", "request_id"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    # The id to quote when reporting it: the one the response's header carries (and the log lines).
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_not_found_is_a_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/benefits/999999"), 404)
    assert body["code"] == "not_found"
    assert "999999" in body["detail"]
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.get("/api/v1/initiatives/999999/benefits"), 404)


def test_validation_names_each_field(client: TestClient) -> None:
    body = assert_problem(
        client.post("/api/v1/initiatives", json={"description": 5, "fy_start_month": 13, "base_year": "2026-28"}),
        422,
    )
    fields = {item["field"]: item for item in body["errors"]}
    assert set(fields) == {"name", "description", "fy_start_month", "base_year"}
    assert fields["name"]["code"] == "missing"
    assert all(item["in"] == "body" for item in body["errors"])


def test_profile_rows_are_named_by_index(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    benefit = client.post(f"/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "B"}).json()
    body = assert_problem(
        client.put(
            f"/api/v1/benefits/{benefit['id']}/profile",
            json=[{"period": "2026-27", "planned": 1}, {"period": "2026-27", "planned": "lots"}],
        ),
        422,
    )
    assert [item["field"] for item in body["errors"]] == ["[1].planned"]
    body = assert_problem(
        client.put(f"/api/v1/benefits/{benefit['id']}/profile", json=[{"period": "2026-27"}, {"period": "27-28"}]),
        422,
    )
    # A period is checked where it comes in, as the document's pattern says, under the domain's stable code.
    assert [(item["code"], item["field"]) for item in body["errors"]] == [("period_invalid", "[1].period")]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/api/v1/benefits/99999999999999999999", None),
        ("get", "/api/v1/benefits/0", None),
        ("get", "/api/v1/benefits/-1", None),
        ("get", "/api/v1/benefits/abc", None),
        ("get", "/api/v1/initiatives?limit=0", None),
        ("get", "/api/v1/initiatives?offset=99999999999999999999", None),
        ("post", "/api/v1/benefits/1/transitions", {"to": "realised"}),
        ("post", "/api/v1/initiatives", {"name": "x\u0000y"}),
        ("post", "/api/v1/initiatives", {"name": "x" * 201}),
        ("post", "/api/v1/initiatives", ["not", "an", "object"]),
    ],
)
def test_out_of_range_and_wrong_input_is_422(client: TestClient, method: str, path: str, payload: object) -> None:
    response = client.request(method, path, json=payload)
    assert_problem(response, 422)


def test_huge_and_unreadable_numbers_are_refused(client: TestClient) -> None:
    initiative = client.post("/api/v1/initiatives", json={"name": "I"}).json()
    url = f"/api/v1/initiatives/{initiative['id']}/benefits"
    for value in ["1e400", "NaN", "Infinity", "10000000000000"]:
        body = assert_problem(
            client.post(url, content=f'{{"title": "B", "estimate_likely": {value}}}'.encode(),
                        headers={"content-type": "application/json"}),
            422,
        )  # fmt: skip
        assert body["errors"][0]["field"] == "estimate_likely"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/initiatives", content=b'{"name": "unterminated', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


def test_huge_bodies_are_refused_whether_or_not_they_declare_a_length(client: TestClient) -> None:
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    assert_problem(client.post("/api/v1/initiatives", content=big, headers={"content-type": "application/json"}), 413)

    def chunks():
        for _ in range(40):
            yield b"x" * 100_000

    response = client.post("/api/v1/initiatives", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_wrong_method_is_a_problem(client: TestClient) -> None:
    body = assert_problem(client.put("/api/v1/initiatives"), 405)
    assert body["type"] == "about:blank"


def test_open_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def with_faults(app: FastAPI) -> FastAPI:
    """The app with routes that fail as a defect would, and as a database that stopped answering would."""

    def defect() -> None:
        raise RuntimeError("a defect")

    def database_gone() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    for path, fault in [
        ("/api/v1/test-defect", defect),
        ("/test-defect", defect),
        ("/api/v1/test-outage", database_gone),
        ("/test-outage", database_gone),
    ]:
        app.add_api_route(path, fault, include_in_schema=False)
    return app


def test_a_problem_carries_the_request_id_it_came_with(client: TestClient) -> None:
    sent = {"X-Request-ID": "support-ticket-4711"}
    missing = client.get("/api/v1/benefits/999999", headers=sent)
    assert assert_problem(missing, 404)["request_id"] == sent["X-Request-ID"]
    # Refused before the framework reads it (the size limit), the body still names the request.
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    refused = client.post("/api/v1/initiatives", content=big, headers={**sent, "content-type": "application/json"})
    assert assert_problem(refused, 413)["request_id"] == sent["X-Request-ID"]


def test_server_errors_and_outages_carry_the_request_id(client: TestClient, app: FastAPI) -> None:
    with_faults(app)
    failed = assert_problem(client.get("/api/v1/test-defect", headers={"X-Request-ID": "req-500"}), 500)
    assert (failed["code"], failed["request_id"]) == ("internal_error", "req-500")
    outage = assert_problem(client.get("/api/v1/test-outage", headers={"X-Request-ID": "req-503"}), 503)
    assert (outage["code"], outage["request_id"]) == ("database_unavailable", "req-503")


def test_the_pages_give_the_request_id_as_a_reference_to_quote(app: FastAPI, admin_token: str) -> None:
    with_faults(app)
    browser = TestClient(app, raise_server_exceptions=False, cookies={SESSION_COOKIE: admin_token})
    for path, status in [("/test-defect", 500), ("/test-outage", 503)]:
        page = browser.get(path)
        assert page.status_code == status
        assert page.headers["content-type"].startswith("text/html")
        reference = page.headers["X-Request-ID"]
        assert re.search(rf"quote the reference <code>{reference}</code>", page.text), page.text
    # A refusal of what someone sent is theirs to put right: no reference is needed there.
    assert "reference" not in browser.get("/initiatives/999999").text


def test_the_documented_problem_lists_the_request_id(app: FastAPI) -> None:
    schema = app.openapi()["components"]["schemas"]["ProblemRead"]
    assert {"type", "title", "status", "detail", "instance", "errors", "request_id"} <= set(schema["properties"])
    assert "X-Request-ID" in schema["properties"]["request_id"]["description"]
