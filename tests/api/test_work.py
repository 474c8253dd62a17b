"""What is due through the API: each person's own, and the portfolio's for admins and boards only."""

from datetime import date

from fastapi import FastAPI
from sqlmodel import Session

from benefits import work
from benefits.example import load_example
from benefits.people import find_person
from benefits.settings import get_settings
from tests.conftest import client_with_token
from tests.support.factories import make_token


def _token(session: Session, name: str) -> str:
    person = find_person(session=session, login=name)
    assert person is not None
    return make_token(session, person=person)


def test_each_person_reads_their_own_work_and_only_admins_and_boards_read_everyones(
    session: Session, app: FastAPI
) -> None:
    load_example(session=session)
    tokens = {name: _token(session, name) for name in ("Frank Okafor", "Priya Patel", "Beatrice Lund")}
    session.commit()
    frank = find_person(session=session, login="Frank Okafor")
    assert frank is not None
    # The same list the domain gives for him today, in the same order, each with its link.
    expected = work.due_work(session=session, today=date.today(), grace_days=get_settings().actuals_grace_days,
                             person_id=frank.id)  # fmt: skip
    mine = client_with_token(app, tokens["Frank Okafor"]).get("/api/v1/me/work")
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert [item["key"] for item in body["items"]] == [item.key for item in expected]
    assert {item["kind"] for item in body["items"]} >= {"cash", "capacity", "action"}
    assert all(item["person"] == "Frank Okafor" and item["link"].startswith("/") for item in body["items"])
    assert body["total"] == len(body["items"]) and body["grace_days"] == get_settings().actuals_grace_days
    days = [item["days_overdue"] for item in body["items"]]
    assert days == sorted(days, reverse=True)

    refused = client_with_token(app, tokens["Priya Patel"]).get("/api/v1/work")
    assert refused.status_code == 403
    board = client_with_token(app, tokens["Beatrice Lund"])
    everyone = board.get("/api/v1/work").json()
    assert {item["person"] for item in everyone["items"]} >= {"Frank Okafor", "Priya Patel"}
    only_frank = board.get("/api/v1/work", params={"person_id": frank.id}).json()
    assert [item["key"] for item in only_frank["items"]] == [item["key"] for item in body["items"]]
    assert board.get("/api/v1/work", params={"initiative_id": 999_999}).json()["items"] == []
