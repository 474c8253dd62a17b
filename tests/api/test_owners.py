"""Owners are people: the API and the register import name a person by name, e-mail or id, and refuse nobody."""

import io
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

from benefits.models import Benefit, Role
from tests.conftest import client_with_token
from tests.support.factories import make_initiative, make_person, make_token


def _person(client: TestClient, name: str, email: str | None = None) -> dict[str, Any]:
    made = client.post("/api/v1/users", json={"name": name, "email": email, "role": Role.viewer.value})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _benefits(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Benefit)).one()


def test_an_owner_is_found_by_name_email_or_id_and_read_back_as_the_person(
    session: Session, client: TestClient
) -> None:
    initiative = make_initiative(session)
    session.commit()
    dana = _person(client, "Dana Reid", "dana.reid@example.org")
    path = f"/api/v1/initiatives/{initiative.id}/benefits"
    for typed in ("Dana Reid", "  dana   REID ", "Dana.Reid@Example.org"):
        made = client.post(path, json={"title": f"Calls avoided ({typed})", "owner": typed})
        assert made.status_code == 201, made.text
        assert (made.json()["owner"], made.json()["owner_id"]) == ("Dana Reid", dana["id"])
    by_id = client.post(path, json={"title": "Visits avoided", "owner_id": dana["id"]})
    assert (by_id.json()["owner"], by_id.json()["owner_id"]) == ("Dana Reid", dana["id"])
    # The register filters by the person's name, whichever way the owner was typed.
    assert client.get(path, params={"owner": "Dana Reid"}).json()["total"] == 4


def test_an_owner_who_is_nobody_is_refused_by_field_and_nothing_is_written(
    session: Session, client: TestClient
) -> None:
    initiative = make_initiative(session)
    session.commit()
    path = f"/api/v1/initiatives/{initiative.id}/benefits"
    before = _benefits(session)
    refused = client.post(path, json={"title": "Calls avoided", "owner": "Contact Centre Manager"})
    assert refused.status_code == 409
    assert [(e["code"], e["field"]) for e in refused.json()["errors"]] == [("person_unknown", "owner")]
    assert "People page" in refused.json()["errors"][0]["detail"]
    no_id = client.post(path, json={"title": "Calls avoided", "owner_id": 999_999})
    assert no_id.status_code == 409
    assert [(e["code"], e["field"]) for e in no_id.json()["errors"]] == [("unknown_person", "owner_id")]
    assert _benefits(session) == before


def test_renaming_a_person_renames_what_they_own_and_sponsor(session: Session, client: TestClient) -> None:
    grace = _person(client, "Grace Obi")
    made = client.post("/api/v1/initiatives", json={"name": "Libraries", "sponsor": "Grace Obi"})
    assert made.status_code == 201, made.text
    initiative = made.json()
    assert (initiative["sponsor"], initiative["sponsor_id"]) == ("Grace Obi", grace["id"])
    benefit = client.post(
        f"/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "Visits avoided", "owner": "grace obi"}
    ).json()
    measure = client.post(
        "/api/v1/measures", json={"name": "Visits a month", "initiative_id": initiative["id"], "owner": "Grace Obi"}
    )
    assert measure.status_code == 201, measure.text
    assert (measure.json()["owner"], measure.json()["owner_id"]) == ("Grace Obi", grace["id"])

    renamed = client.patch(
        f"/api/v1/users/{grace['id']}",
        json={"name": "Grace Obi-Mensah"},
        headers={"If-Match": f'"v{grace["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert client.get(f"/api/v1/benefits/{benefit['id']}").json()["owner"] == "Grace Obi-Mensah"
    assert client.get(f"/api/v1/initiatives/{initiative['id']}").json()["sponsor"] == "Grace Obi-Mensah"
    assert client.get(f"/api/v1/measures/{measure.json()['id']}").json()["owner"] == "Grace Obi-Mensah"


def test_a_register_import_names_each_row_whose_owner_is_nobody_and_writes_nothing(
    session: Session, client: TestClient
) -> None:
    initiative = make_initiative(session)
    make_person(session, role=Role.viewer, name="Tom Ellis")
    session.commit()
    initiative_id = initiative.id
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Benefits"
    sheet.append(["Id", "Title", "Owner"])
    sheet.append([None, "Web forms", "tom ellis"])
    sheet.append([None, "Print stopped", "Corporate Print Manager"])
    sheet.append([None, "Calls avoided", "nobody@example.org"])
    buffer = io.BytesIO()
    book.save(buffer)
    before = _benefits(session)
    path = f"/api/v1/initiatives/{initiative_id}/benefits/import"
    refused = client.post(path, files={"file": ("register.xlsx", buffer.getvalue())})
    assert refused.status_code == 422, refused.text
    assert [(e["code"], e["field"]) for e in refused.json()["errors"]] == [
        ("person_unknown", "row 3, Owner"),
        ("person_unknown", "row 4, Owner"),
    ]
    assert _benefits(session) == before

    sheet.delete_rows(3, 2)
    buffer = io.BytesIO()
    book.save(buffer)
    done = client.post(path, files={"file": ("register.xlsx", buffer.getvalue())})
    assert done.status_code == 200, done.text
    listed = client.get(f"/api/v1/initiatives/{initiative_id}/benefits").json()["items"]
    assert [(item["title"], item["owner"], item["owner_id"] is not None) for item in listed] == [
        ("Web forms", "Tom Ellis", True)
    ]


def test_a_boards_action_names_a_person_who_may_then_mark_it_done(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    initiative = make_initiative(session)
    frank = make_person(session, role=Role.finance, name="Frank Okafor")
    viewer = make_person(session, role=Role.viewer, name="Victor Shaw")
    frank.email = "frank.okafor@example.org"
    tokens = {"frank": make_token(session, person=frank), "viewer": make_token(session, person=viewer)}
    session.commit()
    frank_id, initiative_id = frank.id, initiative.id
    actions = [
        {"action": "Confirm the budget", "owner": "FRANK.OKAFOR@example.org", "due": "2026-11-30"},
        {"action": "Count the calls", "owner": "Libraries Manager"},
    ]
    review: dict[str, Any] = {"initiative_id": initiative_id, "held_on": "2026-11-01", "actions": actions}
    refused = client.post("/api/v1/reviews", json=review)
    assert refused.status_code == 409
    assert [(e["code"], e["field"]) for e in refused.json()["errors"]] == [("person_unknown", "actions[1].owner")]
    assert client.get("/api/v1/reviews").json()["total"] == 0

    review["actions"] = actions[:1]
    made = client.post("/api/v1/reviews", json=review)
    assert made.status_code == 201, made.text
    action = made.json()["actions"][0]
    assert (action["owner"], action["owner_id"]) == ("Frank Okafor", frank_id)
    path = f"/api/v1/reviews/{made.json()['id']}/actions/1"
    # Finance does not record boards' reviews, but an action's owner marks their own action.
    assert client_with_token(app, tokens["viewer"]).patch(path, json={"status": "done"}).status_code == 403
    dropped = client_with_token(app, tokens["frank"]).patch(path, json={"status": "dropped"})
    assert dropped.status_code == 403
    assert [e["code"] for e in dropped.json()["errors"]] == ["drop_refused"]
    marked = client_with_token(app, tokens["frank"]).patch(path, json={"status": "done"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["actions"][0]["status"] == "done"


def test_a_name_kept_with_two_spaces_or_a_no_break_space_is_found_typed_as_kept_in_any_case(
    session: Session, client: TestClient
) -> None:
    initiative = make_initiative(session)
    session.commit()
    path = f"/api/v1/initiatives/{initiative.id}/benefits"
    # Run together, the spaces would not match what was kept: the pages suggest each name as it is kept.
    for kept, typed in (("Ann  Lee", "Ann  Lee"), ("Bo\u00a0Chan", " bo\u00a0CHAN")):
        person = _person(client, kept)
        made = client.post(path, json={"title": f"Owned by {kept}", "owner": typed})
        assert made.status_code == 201, made.text
        assert (made.json()["owner"], made.json()["owner_id"]) == (kept, person["id"])
