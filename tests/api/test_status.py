"""Status at a glance over the API: each benefit's RAG and direction, and the thresholds as a portfolio setting."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from benefits.example import load_example
from benefits.models import Initiative, Role
from tests.benefits.test_status import by_hand
from tests.conftest import client_with_token
from tests.support.factories import make_person, make_token

THRESHOLDS = "/api/v1/settings/status-thresholds"


def _example(session: Session) -> int:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    session.commit()
    assert initiative.id is not None
    return initiative.id


def test_each_benefit_of_the_example_has_its_status_as_worked_out_by_hand(session: Session, client: TestClient) -> None:
    initiative_id = _example(session)
    answer = client.get(f"/api/v1/initiatives/{initiative_id}/status")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["thresholds"] == {"on_track_within": 0.05, "at_risk_within": 0.15}
    found = {row["title"]: row for row in body["benefits"]}
    for title, (rag, short) in by_hand(0.05, 0.15).items():
        row = found[title]
        assert row["status"] == rag, title
        assert row["unrated"] == (None if rag else "no_baseline"), title
        assert row["shortfall_share"] == (pytest.approx(short) if short is not None else None), title
        assert row["direction"] == ("same" if rag else None), title
    handling = found["Longer call handling during the CRM roll-out"]
    assert (handling["approved_baseline"], handling["forecast"], handling["variance"]) == (-36000, -41500, -5500)
    assert client.get("/api/v1/initiatives/999999/status").status_code == 404


def test_the_thresholds_are_a_setting_finance_and_admins_keep(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative_id = _example(session)
    first = client.get(THRESHOLDS)
    assert (first.json(), first.headers["ETag"]) == ({"on_track_within": 0.05, "at_risk_within": 0.15}, '"v0"')

    manager = client_with_token(app, make_token(session, person=make_person(session, role=Role.programme_manager)))
    assert manager.get(THRESHOLDS).status_code == 200
    refused = manager.put(THRESHOLDS, json={"on_track_within": 0.01, "at_risk_within": 0.1})
    assert refused.status_code == 403

    backwards = client.put(THRESHOLDS, json={"on_track_within": 0.2, "at_risk_within": 0.1})
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    assert "greater than on_track_within" in backwards.text
    assert client.put(THRESHOLDS, json={"on_track_within": 5, "at_risk_within": 10}).status_code == 422

    tighter = {"on_track_within": 0.004, "at_risk_within": 0.16}
    saved = client.put(THRESHOLDS, json=tighter, headers={"If-Match": first.headers["ETag"]})
    assert saved.status_code == 200, saved.text
    assert saved.json() == tighter
    stale = client.put(THRESHOLDS, json=tighter, headers={"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    found = {
        row["title"]: row["status"]
        for row in client.get(f"/api/v1/initiatives/{initiative_id}/status").json()["benefits"]
    }
    assert found == {title: rag for title, (rag, _) in by_hand(0.004, 0.16).items()}
    assert found["Avoidable phone contact removed"] == "at_risk"
