"""Tokens and sign-in: 401 without a valid token, sign-in by name or e-mail, limits on guessing."""

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from benefits import people
from benefits.columns import utc_now
from benefits.models import ApiToken, PersonUpdate, Role
from benefits.settings import get_settings
from tests.conftest import client_with_token
from tests.support.factories import TESTER, make_person, make_token

OPEN_PATHS = {"/healthz", "/openapi.json", "/docs"}


def _every_operation(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    ]


def test_every_api_endpoint_but_sign_in_needs_a_token(app: FastAPI, anonymous: TestClient) -> None:
    operations = _every_operation(app)
    assert len(operations) >= 25
    for method, path in operations:
        if (method, path) == ("POST", "/api/v1/auth/token"):
            continue
        response = anonymous.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    for path in OPEN_PATHS:
        assert anonymous.get(path).status_code == 200


def test_bad_revoked_expired_and_inactive_tokens_get_401(session: Session, app: FastAPI) -> None:
    person = make_person(session, role=Role.viewer)
    good = make_token(session, person=person)
    session.commit()
    assert client_with_token(app, good).get("/api/v1/initiatives").status_code == 200
    assert client_with_token(app, "bnf_not-a-real-token").get("/api/v1/initiatives").status_code == 401
    assert client_with_token(app, "x" * 500).get("/api/v1/initiatives").status_code == 401

    expired = make_token(session, person=person, expires_in_days=1)
    record = session.exec(select(ApiToken).order_by(ApiToken.id.desc())).first()  # type: ignore[union-attr]
    assert record is not None
    record.expires_at = utc_now() - timedelta(seconds=1)
    session.commit()
    assert client_with_token(app, expired).get("/api/v1/initiatives").status_code == 401

    client = client_with_token(app, good)
    mine = client.get("/api/v1/tokens").json()["items"]
    assert len(mine) == 2 and all("token" not in item for item in mine)
    assert client.delete("/api/v1/auth/token").status_code == 204
    assert client.get("/api/v1/initiatives").status_code == 401

    other = make_token(session, person=person)
    people.update_person(
        session=session,
        person_id=person.id or 0,
        changes=PersonUpdate(active=False),
        expected_version=None,
        actor=TESTER,
    )
    session.commit()
    assert client_with_token(app, other).get("/api/v1/initiatives").status_code == 401


def test_people_sign_in_with_name_or_email(session: Session, anonymous: TestClient) -> None:
    person = make_person(session, role=Role.finance, name="Frank Okafor", password="correct horse battery")
    people.update_person(
        session=session,
        person_id=person.id or 0,
        changes=PersonUpdate(email="Frank@Example.org"),
        expected_version=None,
        actor=TESTER,
    )
    for login in ["Frank Okafor", "frank okafor", "frank@example.org"]:
        answer = anonymous.post("/api/v1/auth/token", json={"login": login, "password": "correct horse battery"})
        assert answer.status_code == 201, answer.text
        token = answer.json()["token"]
        me = anonymous.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["name"] == "Frank Okafor"
        assert me.json()["role"] == "finance"


def test_a_wrong_password_and_an_unknown_person_answer_alike(session: Session, anonymous: TestClient) -> None:
    make_person(session, role=Role.viewer, name="Victor", password="the right password")
    wrong = anonymous.post("/api/v1/auth/token", json={"login": "Victor", "password": "the wrong password"})
    unknown = anonymous.post("/api/v1/auth/token", json={"login": "Nobody", "password": "the wrong password"})
    assert wrong.status_code == unknown.status_code == 401
    # Each answer names its own request; nothing else may tell the two apart.
    same = {"instance": None, "request_id": None}
    assert wrong.json() | same == unknown.json() | same


def test_failed_sign_ins_are_limited_per_account_and_per_address(session: Session, anonymous: TestClient) -> None:
    settings = get_settings()
    make_person(session, role=Role.viewer, name="Target", password="the right password")
    for _ in range(settings.login_max_failures_per_account):
        assert (
            anonymous.post("/api/v1/auth/token", json={"login": "Target", "password": "guess guess"}).status_code == 401
        )
    limited = anonymous.post("/api/v1/auth/token", json={"login": "Target", "password": "the right password"})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == str(settings.login_window_seconds)
    assert limited.json()["code"] == "too_many_attempts"

    # Spread over many names, the same address is stopped too.
    for index in range(settings.login_max_failures_per_address):
        anonymous.post("/api/v1/auth/token", json={"login": f"name {index}", "password": "guess guess"})
    make_person(session, role=Role.viewer, name="Innocent", password="the right password")
    blocked = anonymous.post("/api/v1/auth/token", json={"login": "Innocent", "password": "the right password"})
    assert blocked.status_code == 429


@pytest.mark.parametrize("password", ["short", "x" * 201])
def test_passwords_have_a_sensible_length(client: TestClient, password: str) -> None:
    answer = client.post("/api/v1/users", json={"name": "P", "role": "viewer", "password": password})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "password"


def test_names_and_emails_are_unique_regardless_of_case(client: TestClient) -> None:
    assert client.post("/api/v1/users", json={"name": "Ann", "role": "viewer", "email": "ann@x.org"}).status_code == 201
    clash = client.post("/api/v1/users", json={"name": "ANN", "role": "viewer", "email": "ANN@x.org"})
    assert clash.status_code == 409
    assert {item["code"] for item in clash.json()["errors"]} == {"name_taken", "email_taken"}


def test_an_account_is_one_bucket_whether_named_or_emailed(session: Session, anonymous: TestClient) -> None:
    settings = get_settings()
    person = make_person(session, role=Role.viewer, name="Root", password="the right password")
    people.update_person(
        session=session,
        person_id=person.id or 0,
        changes=PersonUpdate(email="root@example.org"),
        expected_version=None,
        actor=TESTER,
    )
    logins = ["Root", "root@example.org"] * settings.login_max_failures_per_account
    answers = [
        anonymous.post("/api/v1/auth/token", json={"login": login, "password": "guess guess"}).status_code
        for login in logins[: settings.login_max_failures_per_account + 1]
    ]
    assert answers[:-1] == [401] * settings.login_max_failures_per_account
    assert answers[-1] == 429


def test_a_forwarded_for_header_does_not_change_the_address_counted(session: Session, anonymous: TestClient) -> None:
    settings = get_settings()
    for index in range(settings.login_max_failures_per_address):
        anonymous.post(
            "/api/v1/auth/token",
            json={"login": f"someone {index}", "password": "guess guess"},
            headers={"X-Forwarded-For": f"10.0.0.{index}"},
        )
    spoofed = anonymous.post(
        "/api/v1/auth/token",
        json={"login": "someone else", "password": "guess guess"},
        headers={"X-Forwarded-For": "10.9.9.9"},
    )
    assert spoofed.status_code == 429


def test_names_cannot_pass_for_email_addresses(client: TestClient) -> None:
    answer = client.post("/api/v1/users", json={"name": "x@example.org", "role": "viewer"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "name"


def test_a_new_password_ends_every_token_of_the_old_one(session: Session, app: FastAPI, client: TestClient) -> None:
    person = make_person(session, role=Role.viewer, password="the first password")
    token = make_token(session, person=person)
    session.commit()
    assert client_with_token(app, token).get("/api/v1/users/me").status_code == 200
    changed = client.patch(f"/api/v1/users/{person.id}", json={"password": "the second password"})
    assert changed.status_code == 200
    assert client_with_token(app, token).get("/api/v1/users/me").status_code == 401


def test_people_make_their_own_tokens_only_for_a_while(session: Session, app: FastAPI) -> None:
    person = make_person(session, role=Role.viewer)
    person_id = person.id
    own = client_with_token(app, make_token(session, person=person))
    session.commit()
    forever = own.post("/api/v1/tokens", json={"person_id": person_id, "name": "script"})
    assert forever.status_code == 422
    assert forever.json()["errors"][0]["field"] == "expires_in_days"
    month = own.post("/api/v1/tokens", json={"person_id": person_id, "name": "script", "expires_in_days": 30})
    assert month.status_code == 201
