"""The audit trail: one event per change, with the right person and the fields before and after; no secrets."""

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from benefits.models import AuditEvent, Role
from tests.conftest import client_with_token
from tests.support.factories import make_cost_centre, make_person, make_token


def test_a_scripted_series_of_changes_leaves_one_event_each(session: Session, app: FastAPI) -> None:
    manager = make_person(session, role=Role.programme_manager, name="Priya")
    finance = make_person(session, role=Role.finance, name="Frank")
    board = make_person(session, role=Role.board, name="Bea")
    as_manager = client_with_token(app, make_token(session, person=manager))
    as_finance = client_with_token(app, make_token(session, person=finance))
    as_board = client_with_token(app, make_token(session, person=board))
    make_cost_centre(session, code="CS100")
    session.commit()
    start = as_board.get("/api/v1/audit").json()["total"]

    initiative = as_manager.post("/api/v1/initiatives", json={"name": "Channel shift"}).json()
    benefit = as_manager.post(
        f"/api/v1/initiatives/{initiative['id']}/benefits",
        json={"title": "Web forms", "category": "financial", "owner": "Priya", "estimate_likely": 100},
    ).json()
    url = f"/api/v1/benefits/{benefit['id']}"
    assert as_manager.patch(url, json={"estimate_low": 80, "estimate_high": 120, "reason": "Range"}).status_code == 200
    assert as_manager.put(f"{url}/profile", json=[{"period": "2026-27", "planned": 90}]).status_code == 200
    assert as_manager.post(f"{url}/transitions", json={"to": "scoped"}).status_code == 200
    assert as_finance.patch(url, json={"route": "cash", "cost_centre": "CS100"}).status_code == 200
    assert as_finance.patch(url, json={"estimate_likely": 1}).status_code == 403  # refused: no event
    assert as_manager.patch(url, json={"owner": "Priya"}).status_code == 200  # no change: no event

    events = as_board.get("/api/v1/audit", params={"offset": start}).json()["items"]
    summary = [(e["actor"], e["action"], e["entity"]) for e in events]
    assert summary == [
        ("Priya", "created", "initiative"),
        ("Priya", "created", "benefit"),
        ("Priya", "updated", "benefit"),
        ("Priya", "profile_replaced", "benefit"),
        ("Priya", "stage_moved", "benefit"),
        ("Frank", "updated", "benefit"),
    ]
    assert {e["actor_id"] for e in events} == {manager.id, finance.id}
    ranged = events[2]
    assert (ranged["before"], ranged["after"], ranged["reason"]) == (
        {"estimate_low": None, "estimate_high": None},
        {"estimate_low": 80, "estimate_high": 120},
        "Range",
    )
    routed = events[5]
    assert routed["before"] == {"route": "undecided", "cost_centre": None}
    assert routed["after"] == {"route": "cash", "cost_centre": "CS100"}

    by_finance = as_board.get("/api/v1/audit", params={"person_id": finance.id}).json()
    assert [e["action"] for e in by_finance["items"]] == ["updated"]
    on_benefit = as_board.get("/api/v1/audit", params={"entity": "benefit", "entity_id": benefit["id"]}).json()
    assert on_benefit["total"] == 5
    later = as_board.get("/api/v1/audit", params={"since": events[-1]["at"], "entity": "benefit"}).json()
    assert [e["id"] for e in later["items"]] == [events[-1]["id"]]


def test_the_trail_cannot_be_changed_through_the_api(app: FastAPI, admin_token: str) -> None:
    client = client_with_token(app, admin_token)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, "/api/v1/audit", json={}).status_code == 405
        assert client.request(method, "/api/v1/audit/1", json={}).status_code in (404, 405)


def test_the_trail_filters_by_moments_written_as_dates_never_as_numbers(app: FastAPI, admin_token: str) -> None:
    client = client_with_token(app, admin_token)
    for written in ("0.5", "1700000000", "-1"):
        refused = client.get("/api/v1/audit", params={"until": written})
        assert refused.status_code == 422, written
        assert "until" in refused.text
        assert "2026-12-01T09:00:00Z" in refused.text
    assert client.get("/api/v1/audit", params={"until": "2026-12-01T09:00:00Z"}).status_code == 200
    assert client.get("/api/v1/audit", params={"since": "2026-12-01"}).status_code == 200


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture, engine: Engine) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, SQL statements and their values included (asked for before the session)."""
    caplog.set_level(logging.DEBUG)
    engine.echo = True  # what BENEFITS_SQL_ECHO does; the test's connection is opened after this
    yield caplog
    engine.echo = False


def test_no_secret_appears_in_a_log_line_a_response_or_the_trail(
    all_logs: pytest.LogCaptureFixture, session: Session, app: FastAPI
) -> None:
    admin_token = make_token(session, person=make_person(session, role=Role.admin))
    session.commit()
    admin = client_with_token(app, admin_token)
    password, new_password = "first secret password", "second secret password"
    responses = []
    created = admin.post("/api/v1/users", json={"name": "Sam", "role": "programme_manager", "password": password})
    responses.append(created)
    responses.append(admin.patch(f"/api/v1/users/{created.json()['id']}", json={"password": new_password}))
    signed_in = admin.post("/api/v1/auth/token", json={"login": "Sam", "password": new_password})
    wrong = admin.post("/api/v1/auth/token", json={"login": "Sam", "password": password})
    responses.append(wrong)
    sam_token = signed_in.json()["token"]
    made = admin.post("/api/v1/tokens", json={"person_id": created.json()["id"], "name": "script"})
    script_token = made.json()["token"]
    sam = client_with_token(app, sam_token)
    responses.extend([sam.get("/api/v1/users/me"), sam.get("/api/v1/tokens"), admin.get("/api/v1/tokens")])
    responses.append(admin.get("/api/v1/audit", params={"limit": 500}))
    responses.append(sam.delete("/api/v1/auth/token"))

    secrets = [password, new_password, sam_token, script_token, admin_token]
    # The token is shown once, in the answer that made it; nowhere else.
    assert signed_in.status_code == made.status_code == 201
    for response in responses:
        for secret in secrets:
            assert secret not in response.text, response.request.url
    trail = json.dumps([e.model_dump(mode="json") for e in session.exec(select(AuditEvent)).all()])
    log = "\n".join(record.getMessage() for record in all_logs.records)
    assert "password_hash" in log  # the statements were logged, so the check below looked at them
    for secret in secrets:
        assert secret not in trail
        assert secret not in log
