"""Cost centres are a managed list: claims and budgets name a listed, active one, matched without regard to case."""

import io
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, col, func, select

from benefits import cost_centres
from benefits.cli import main
from benefits.db import make_engine
from benefits.errors import InvalidInput
from benefits.models import AuditEvent, Budget, CostCentre, Role
from tests.conftest import client_with_token
from tests.support.factories import make_cost_centre, make_initiative, make_person, make_token

CENTRES = "/api/v1/cost-centres"


def _as(app: FastAPI, session: Session, role: Role) -> TestClient:
    return client_with_token(app, make_token(session, person=make_person(session, role=role)))


def _problems(answer: Any) -> list[tuple[str, str | None]]:
    return [(item["code"], item["field"]) for item in answer.json()["errors"]]


def _cash_benefit(client: TestClient, initiative_id: int, title: str, centre: str, planned: int) -> dict[str, Any]:
    made = client.post(
        f"/api/v1/initiatives/{initiative_id}/benefits",
        json={"title": title, "category": "financial", "route": "cash", "cost_centre": centre},
    )
    assert made.status_code == 201, made.text
    profiled = client.put(
        f"/api/v1/benefits/{made.json()['id']}/profile", json=[{"period": "2027-28", "planned": planned}]
    )
    assert profiled.status_code == 200, profiled.text
    return dict(profiled.json())


def test_a_code_typed_in_lower_case_is_the_listed_one_so_the_budget_and_double_counting_checks_see_it(
    session: Session, client: TestClient
) -> None:
    make_cost_centre(session, code="CS100", name="Contact centre")
    make_cost_centre(session, code="CS200", name="Civic centre reception")
    initiative_id = make_initiative(session).id
    session.commit()
    budgets = client.put(
        "/api/v1/finance/budgets", json=[{"cost_centre": "cs200", "year": "2027-28", "amount": 250000}]
    )
    assert budgets.status_code == 200, budgets.text
    assert budgets.json() == [{"cost_centre": "CS200", "year": "2027-28", "amount": 250000.0}]

    first = _cash_benefit(client, initiative_id or 0, "Face to face shifted", "CS200", 200000)
    second = _cash_benefit(client, initiative_id or 0, "Reception desk closed", " cs200 ", 138800)
    assert (first["cost_centre"], second["cost_centre"]) == ("CS200", "CS200")
    line = client.post(
        f"/api/v1/initiatives/{initiative_id}/costs",
        json={
            "title": "Kiosks",
            "kind": "capital",
            "cost_centre": "cs200",
            "profile": [{"period": "2027-28", "amount": 1}],
        },
    )
    assert line.status_code == 201, line.text
    assert line.json()["cost_centre"] == "CS200"

    summary = client.get("/api/v1/finance/cash-capacity", params={"initiative_id": initiative_id}).json()
    (centre,) = summary["by_cost_centre"]
    # 200,000 + 138,800 against one budget of 250,000, by two benefits: were cs200 another code, neither would show.
    assert (centre["cost_centre"], centre["year"]) == ("CS200", "2027-28")
    assert (centre["cash_planned"], centre["budget"], centre["benefits"]) == (338800.0, 250000.0, 2)
    flags = {(flag["code"], flag["cost_centre"], flag["year"]) for flag in summary["flags"]}
    assert flags == {("over_budget", "CS200", "2027-28"), ("possible_double_counting", "CS200", "2027-28")}
    over = next(flag for flag in summary["flags"] if flag["code"] == "over_budget")
    assert "338,800.00" in over["detail"] and "250,000.00" in over["detail"]

    repeated = client.put(
        "/api/v1/finance/budgets",
        json=[
            {"cost_centre": "CS200", "year": "2027-28", "amount": 1},
            {"cost_centre": "cs200", "year": "2027-28", "amount": 2},
        ],
    )
    assert repeated.status_code == 422
    assert _problems(repeated) == [("budget_repeated", "[1]")]
    assert [b.amount for b in session.exec(select(Budget)).all()] == [250000]


def test_an_unknown_code_is_refused_naming_the_field_and_the_nearest_codes(
    session: Session, client: TestClient
) -> None:
    for code in ("CS100", "CS200", "ICT400"):
        make_cost_centre(session, code=code)
    initiative_id = make_initiative(session).id
    session.commit()

    benefit = client.post(
        f"/api/v1/initiatives/{initiative_id}/benefits",
        json={"title": "Cash", "category": "financial", "route": "cash", "cost_centre": "CS20"},
    )
    assert benefit.status_code == 422, benefit.text
    assert _problems(benefit) == [("cost_centre_unknown", "cost_centre")]
    detail = benefit.json()["errors"][0]["detail"]
    assert "CS20 is not on the list" in detail and "did you mean CS200" in detail and "ICT400" not in detail

    line = client.post(
        f"/api/v1/initiatives/{initiative_id}/costs", json={"title": "T", "kind": "revenue", "cost_centre": "cs20"}
    )
    assert line.status_code == 422
    assert _problems(line) == [("cost_centre_unknown", "cost_centre")]
    assert "CS200" in line.json()["errors"][0]["detail"]

    budgets = client.put(
        "/api/v1/finance/budgets",
        json=[
            {"cost_centre": "CS100", "year": "2026-27", "amount": 5},
            {"cost_centre": "ZQX", "year": "2026-27", "amount": 5},
        ],
    )
    assert budgets.status_code == 422
    assert _problems(budgets) == [("cost_centre_unknown", "[1].cost_centre")]
    # Nothing near: the answer says how to put a code on the list instead.
    assert "did you mean" not in budgets.json()["errors"][0]["detail"]
    assert "/api/v1/cost-centres" in budgets.json()["errors"][0]["detail"]
    assert session.exec(select(func.count()).select_from(Budget)).one() == 0

    with pytest.raises(InvalidInput) as refused:
        cost_centres.canonical_code(session=session, code="cs2000", field="rows[3].centre")
    assert [(p.code, p.field) for p in refused.value.problems] == [("cost_centre_unknown", "rows[3].centre")]
    assert cost_centres.canonical_code(session=session, code="  ") is None
    assert cost_centres.canonical_code(session=session, code=" ict400 ") == "ICT400"


def test_an_inactive_code_is_refused_for_new_claims_but_kept_where_already_named(
    session: Session, client: TestClient
) -> None:
    make_cost_centre(session, code="CS100")
    make_cost_centre(session, code="CS200")
    initiative_id = make_initiative(session).id
    session.commit()
    line = client.post(
        f"/api/v1/initiatives/{initiative_id}/costs", json={"title": "T", "kind": "revenue", "cost_centre": "CS200"}
    )
    assert line.status_code == 201
    budget = [{"cost_centre": "CS200", "year": "2026-27", "amount": 100}]
    assert client.put("/api/v1/finance/budgets", json=budget).status_code == 200

    closed = client.patch(f"{CENTRES}/cs200", json={"active": False})
    assert closed.status_code == 200 and closed.json()["active"] is False

    other = client.post(
        f"/api/v1/initiatives/{initiative_id}/costs", json={"title": "U", "kind": "revenue", "cost_centre": "cs200"}
    )
    assert other.status_code == 422
    assert _problems(other) == [("cost_centre_inactive", "cost_centre")]
    assert "active again" in other.json()["errors"][0]["detail"]
    benefit = client.post(
        f"/api/v1/initiatives/{initiative_id}/benefits",
        json={"title": "Cash", "category": "financial", "route": "cash", "cost_centre": "CS200"},
    )
    assert benefit.status_code == 422
    assert _problems(benefit) == [("cost_centre_inactive", "cost_centre")]

    # What already names it may be saved again unchanged; moving to another listed code works; back does not.
    cost_url = f"/api/v1/costs/{line.json()['id']}"
    assert client.patch(cost_url, json={"title": "Renamed", "cost_centre": "cs200"}).status_code == 200
    assert client.put("/api/v1/finance/budgets", json=budget).status_code == 200
    changed = client.put("/api/v1/finance/budgets", json=[budget[0] | {"amount": 101}])
    assert changed.status_code == 422
    assert _problems(changed) == [("cost_centre_inactive", "[0].cost_centre")]
    moved = client.patch(cost_url, json={"cost_centre": "cs100"})
    assert moved.status_code == 200 and moved.json()["cost_centre"] == "CS100"
    back = client.patch(cost_url, json={"cost_centre": "CS200"})
    assert back.status_code == 422
    assert _problems(back) == [("cost_centre_inactive", "cost_centre")]


def test_finance_and_admins_keep_the_list_and_others_only_read_it(
    session: Session, app: FastAPI, client: TestClient
) -> None:
    make_cost_centre(session, code="CS100")
    manager, board = _as(app, session, Role.programme_manager), _as(app, session, Role.board)
    finance, viewer = _as(app, session, Role.finance), _as(app, session, Role.viewer)
    for refused in (manager, board):
        answer = refused.post(CENTRES, json={"code": "CS300", "name": "Libraries"})
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
        assert refused.patch(f"{CENTRES}/CS100", json={"name": "Renamed"}).status_code == 403
        assert (
            refused.post(f"{CENTRES}/import", files={"file": ("c.xlsx", _workbook([["Code", "Name"]]))}).status_code
            == 403
        )
    assert viewer.get(CENTRES).json()["total"] == 1

    made = finance.post(CENTRES, json={"code": " cs300 ", "name": "Libraries", "budget_holder": "Head of Libraries"})
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"{CENTRES}/CS300" and made.headers["ETag"] == '"v1"'
    assert {k: made.json()[k] for k in ("code", "name", "budget_holder", "active", "version")} == {
        "code": "CS300", "name": "Libraries", "budget_holder": "Head of Libraries", "active": True, "version": 1,
    }  # fmt: skip
    by_admin = client.post(CENTRES, json={"code": "ICT400", "name": "ICT"})
    assert by_admin.status_code == 201
    taken = client.post(CENTRES, json={"code": "cs300", "name": "Again"})
    assert taken.status_code == 409
    assert _problems(taken) == [("cost_centre_exists", "code")]
    bad = client.post(CENTRES, json={"code": "CS 300", "name": "Spaced", "colour": "red"})
    assert bad.status_code == 422
    assert {field for _, field in _problems(bad)} == {"code", "colour"}
    assert viewer.get(CENTRES).json()["total"] == 3
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "cost_centre").order_by(col(AuditEvent.id))
    ).all()
    assert [(e.action, (e.after or {}).get("code")) for e in events][-2:] == [
        ("created", "CS300"),
        ("created", "ICT400"),
    ]


def test_a_change_made_from_a_stale_read_is_refused(session: Session, client: TestClient) -> None:
    make_cost_centre(session, code="CS100", name="Contact centre")
    read = client.get(f"{CENTRES}/cs100")
    assert read.status_code == 200 and read.headers["ETag"] == '"v1"'
    changed = client.patch(f"{CENTRES}/CS100", json={"budget_holder": "Ana Ortiz"}, headers={"If-Match": '"v1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"v2"' and changed.json()["budget_holder"] == "Ana Ortiz"
    stale = client.patch(f"{CENTRES}/CS100", json={"name": "Lost edit"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert client.get(f"{CENTRES}/CS100").json()["name"] == "Contact centre"
    same = client.patch(f"{CENTRES}/CS100", json={"budget_holder": "Ana Ortiz"}, headers={"If-Match": '"v2"'})
    assert same.status_code == 200 and same.headers["ETag"] == '"v2"'  # nothing changed, so no new version
    assert client.patch(f"{CENTRES}/CS100", json={"code": "CS101"}).status_code == 422
    assert client.patch(f"{CENTRES}/CS100", json={"name": None}).status_code == 422
    assert client.get(f"{CENTRES}/CS999").status_code == 404
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity == "cost_centre", AuditEvent.action == "updated")
    ).all()
    assert [(e.before, e.after) for e in events] == [
        ({"budget_holder": "Budget Holder"}, {"budget_holder": "Ana Ortiz"})
    ]


def test_the_list_filters_and_pages(session: Session, client: TestClient) -> None:
    make_cost_centre(session, code="CS100", name="Contact centre")
    make_cost_centre(session, code="CS200", name="Civic centre reception", active=False)
    make_cost_centre(session, code="CORP/310", name="Print and post")
    codes = lambda answer: [item["code"] for item in answer.json()["items"]]  # noqa: E731
    assert codes(client.get(CENTRES)) == ["CORP/310", "CS100", "CS200"]
    assert codes(client.get(CENTRES, params={"active": "false"})) == ["CS200"]
    assert codes(client.get(CENTRES, params={"active": "true", "q": "CENTRE"})) == ["CS100"]
    assert codes(client.get(CENTRES, params={"q": "corp"})) == ["CORP/310"]
    page = client.get(CENTRES, params={"limit": 1, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], [i["code"] for i in page["items"]]) == (3, 1, 1, ["CS100"])
    assert client.get(CENTRES, params={"limit": 501}).status_code == 422
    # A code with a slash is one path segment's worth of code.
    assert client.get(f"{CENTRES}/corp/310").json()["name"] == "Print and post"


def _workbook(rows: list[Any], title: str = "Cost centres") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: TestClient, content: bytes) -> Any:
    return client.post(f"{CENTRES}/import", files={"file": ("centres.xlsx", content)})


def _listed(session: Session) -> dict[str, tuple[str, str | None, bool]]:
    session.expire_all()
    return {c.code: (c.name, c.budget_holder, c.active) for c in session.exec(select(CostCentre)).all()}


def test_a_workbook_adds_and_changes_cost_centres_all_or_nothing(session: Session, app: FastAPI) -> None:
    make_cost_centre(session, code="CS100", name="Contact centre")
    make_cost_centre(session, code="CS200", name="Reception")
    finance = _as(app, session, Role.finance)
    rows = [
        ["active", "CODE", "Budget Holder", "name"],
        ["No", "cs100", None, "Contact centre (closed)"],
        [None, "CS200", None, None],
        [True, "lib/500", "Head of Libraries", "Libraries"],
        [None, None, None, None],
        ["yes", "ict400", None, "ICT"],
    ]
    answer = _upload(finance, _workbook(rows))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 1, "unchanged": 1}
    assert _listed(session) == {
        "CS100": ("Contact centre (closed)", "Budget Holder", False),
        "CS200": ("Reception", "Budget Holder", True),
        "LIB/500": ("Libraries", "Head of Libraries", True),
        "ICT400": ("ICT", None, True),
    }
    again = _upload(finance, _workbook(rows))
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 4}

    bad = [
        ["Code", "Name", "Active"],
        ["CS900", "Fine on its own", "Yes"],
        ["CS 9", "Spaced code", None],
        ["CS901", None, None],
        ["cs900", "Repeated", None],
        ["CS200", None, "maybe"],
        [None, "No code", None],
        ["CS902", '=CONCAT("A","B")', None],
    ]
    refused = _upload(finance, _workbook(bad, title="Sheet1"))
    assert refused.status_code == 422
    assert _problems(refused) == [
        ("value_invalid", "row 3, Code"),
        ("code_repeated", "row 5, Code"),
        ("value_invalid", "row 6, Active"),
        ("required", "row 7, Code"),
        ("value_invalid", "row 8, Name"),
        ("required", "row 4, Name"),
    ]
    assert "nothing was imported" in refused.json()["detail"]
    assert "CS900" not in _listed(session) and _listed(session)["CS200"][2] is True

    no_headings = _upload(finance, _workbook([["Cost centre", "Title"], ["CS1", "X"]]))
    assert no_headings.status_code == 422 and _problems(no_headings) == [("headings_missing", "file")]
    not_a_workbook = _upload(finance, b"Code,Name\nCS1,X\n")
    assert not_a_workbook.status_code == 422 and _problems(not_a_workbook) == [("not_a_workbook", "file")]


def test_the_command_line_adds_lists_and_imports_cost_centres(database_url: str, tmp_path: Any) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(
        main, ["cost-centres", "add", "cs100", "Contact centre", "--holder", "Head of Customer Services"]
    )
    assert added.exit_code == 0, added.output
    assert "Added CS100 (Contact centre)" in added.output
    again = runner.invoke(main, ["cost-centres", "add", "CS100", "Again"])
    assert again.exit_code == 1 and "already on the list" in again.output
    spaced = runner.invoke(main, ["cost-centres", "add", "CS 1", "Spaced"])
    assert spaced.exit_code == 1 and "code" in spaced.output

    file = tmp_path / "centres.xlsx"
    file.write_bytes(_workbook([["Code", "Name", "Active"], ["CS100", None, "No"], ["ICT400", "ICT", None]]))
    imported = runner.invoke(main, ["cost-centres", "import", str(file)])
    assert imported.exit_code == 0, imported.output
    assert "1 added, 1 changed, 0 unchanged" in imported.output
    file.write_bytes(_workbook([["Code", "Name"], ["CS300", None]]))
    refused = runner.invoke(main, ["cost-centres", "import", str(file)])
    assert refused.exit_code == 1 and "row 2, Name" in refused.output

    listed = runner.invoke(main, ["cost-centres", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["CS100", "ICT400"]
    assert "Head of Customer Services" in lines[0] and "(inactive)" in lines[0] and "(inactive)" not in lines[1]
    engine = make_engine(database_url)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "cost_centre")).all()
        assert sorted((e.action, e.actor.startswith("command line")) for e in events) == [
            ("created", True), ("created", True), ("updated", True),
        ]  # fmt: skip
    engine.dispose()
