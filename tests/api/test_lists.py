"""Lists are paginated with a total, and filter by stage, route, owner and category."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits.stages import Stage
from tests.support.factories import make_benefit, make_cost_centre, make_initiative


def test_benefits_filter_and_paginate(client: TestClient, session: Session) -> None:
    initiative = make_initiative(session)
    make_benefit(session, initiative=initiative, title="Idea", owner="Ann", category="non_financial")
    make_benefit(session, initiative=initiative, stage=Stage.scoped, title="Scoped", owner="Ann")
    make_benefit(session, initiative=initiative, stage=Stage.planned, title="Capacity", owner="Bob")
    make_cost_centre(session, code="C1")
    make_benefit(session, initiative=initiative, stage=Stage.planned, title="Cash", route="cash", cost_centre="C1")
    session.commit()
    url = f"/api/v1/initiatives/{initiative.id}/benefits"

    def titles(**params: str) -> list[str]:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert titles() == ["Idea", "Scoped", "Capacity", "Cash"]
    assert titles(stage="planned") == ["Capacity", "Cash"]
    assert titles(route="cash") == ["Cash"]
    assert titles(route="capacity", stage="planned") == ["Capacity"]
    assert titles(owner="Ann") == ["Idea", "Scoped"]
    assert titles(category="non_financial") == ["Idea"]
    page = client.get(url, params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [item["title"] for item in page["items"]] == ["Scoped", "Capacity"]
    assert client.get(url, params={"stage": "planned", "limit": 1}).json()["total"] == 2


def test_initiatives_paginate_and_search(client: TestClient) -> None:
    # An owner is a person in the service: a named officer, without a sign-in.
    officer = client.post("/api/v1/users", json={"name": "Head of Service", "role": "viewer"})
    assert officer.status_code == 201, officer.text
    for name in ["Contact centre", "Channel shift", "Waste rounds"]:
        made = client.post("/api/v1/initiatives", json={"name": name, "owner": "Head of Service"})
        assert made.status_code == 201, made.text
    page = client.get("/api/v1/initiatives", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [i["name"] for i in client.get("/api/v1/initiatives", params={"q": "CHANNEL"}).json()["items"]] == [
        "Channel shift"
    ]
    assert client.get("/api/v1/initiatives", params={"q": "%"}).json()["total"] == 0
