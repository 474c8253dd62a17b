"""Importing a benefits register from a workbook: all rows or none, every bad cell named, unsafe files refused."""

import io
import zipfile
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, func, select

from benefits.example import load_example
from benefits.models import Benefit, Initiative
from benefits.workbooks import register_import
from benefits.workbooks.business_case import business_case_workbook
from tests.support.factories import make_cost_centre, make_initiative, make_owner


def _upload(client: TestClient, initiative_id: int, content: bytes) -> Any:
    return client.post(
        f"/api/v1/initiatives/{initiative_id}/benefits/import", files={"file": ("register.xlsx", content)}
    )


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Benefit)).one()


def test_the_template_fills_a_register(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session, base_year="2026-27")
    make_cost_centre(session, code="CS9")
    make_owner(session, "=Head of Print")  # an owner is a person, whose name may start with an equals sign
    session.commit()
    template = client.get("/api/v1/benefits/import-template.xlsx")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book["Benefits"]
    headings = [cell.value for cell in sheet[1]]
    plan = headings.index("Plan 2026-27") + 1
    rows: list[dict[str, Any]] = [
        {"Title": "Printing stopped", "Category": "financial", "Route": "cash", "Cost centre": "CS9",
         "Owner": "=Head of Print", "Baseline date": date(2026, 3, 31)},
        {"Title": "Satisfaction", "Category": "non_financial", "Unit": "%", "Dis-benefit": "No"},
    ]  # fmt: skip
    for index, row in enumerate(rows, start=2):
        for heading, value in row.items():
            cell = sheet.cell(index, headings.index(heading) + 1, value)
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even where it starts with an equals sign
    sheet.cell(2, plan, 12000)
    answer = _upload(client, initiative.id or 0, _saved(book))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 0, "unchanged": 0}
    listed = client.get(f"/api/v1/initiatives/{initiative.id}/benefits").json()["items"]
    printing = next(item for item in listed if item["title"] == "Printing stopped")
    assert printing["owner"] == "=Head of Print" and printing["route"] == "cash"
    assert printing["profile"] == [{"period": "2026-27", "planned": 12000.0, "actual": None}]
    history = client.get(f"/api/v1/benefits/{printing['id']}/history").json()["items"]
    assert history[0]["action"] == "created" and history[0]["reason"] == "Imported from a workbook"


def test_the_exported_register_comes_back_with_changes(session: Session, client: TestClient) -> None:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    officer = make_owner(session, "Rosa Quinn")  # the printing's new owner: a person in the service
    session.commit()
    before = _count(session)
    book = load_workbook(io.BytesIO(business_case_workbook(session=session, initiative_id=initiative.id or 0)))
    sheet = book["Benefits"]
    headings = [cell.value for cell in sheet[4]]
    title, owner = headings.index("Title") + 1, headings.index("Owner") + 1
    plan = headings.index("Plan 2030-31") + 1
    printing = next(r for r in range(5, 20) if sheet.cell(r, title).value == "Printing and postage stopped")
    sheet.cell(printing, owner, "rosa  QUINN")  # found in any case, with its spaces run together
    library = next(r for r in range(5, 20) if str(sheet.cell(r, title).value).startswith("Library staff"))
    sheet.cell(library, plan, 20000)
    new_row = 5 + 10
    sheet.cell(new_row, title, "Web chat replaces some calls")
    answer = _upload(client, initiative.id or 0, _saved(book))
    assert answer.status_code == 200, answer.text
    # Formulas in the export carry no values until a spreadsheet saves them: they leave their periods alone.
    assert answer.json() == {"created": 1, "updated": 2, "unchanged": 8}
    assert _count(session) == before + 1
    printed = client.get(f"/api/v1/benefits/{sheet.cell(printing, 1).value}").json()
    assert (printed["owner"], printed["owner_id"]) == ("Rosa Quinn", officer.id)
    library_id = sheet.cell(library, 1).value
    profile = {row["period"]: row for row in client.get(f"/api/v1/benefits/{library_id}").json()["profile"]}
    assert profile["2030-31"]["planned"] == 20000 and profile["2029-30"]["planned"] == 28000


def test_bad_rows_are_all_named_and_nothing_is_written(session: Session, client: TestClient) -> None:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    other = make_initiative(session, name="Elsewhere")
    session.commit()
    stranger = session.exec(select(Benefit)).first()
    assert stranger is not None
    initiative_id, other_id = initiative.id or 0, other.id or 0
    before = _count(session)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Benefits"
    sheet.append(["Id", "Title", "Category", "Unit", "Estimate likely", "Baseline date", "Dis-benefit", "Plan 2026-27"])
    sheet.append([None, "Fine", "financial", None, 10, None, "No", 5])
    sheet.append([None, "Bad category", "lots", None, None, None, None, None])
    sheet.append([None, "Hours as money", "financial", "hours", None, None, None, None])
    sheet.append([None, "Bad numbers", None, None, "ten", "someday", "maybe", "x"])
    sheet.append([999999, "Unknown id", None, None, None, None, None, None])
    sheet.append([stranger.id, "Once", None, None, None, None, None, None])
    sheet.append([stranger.id, "Twice", None, None, None, None, None, None])
    answer = _upload(client, initiative_id, _saved(book))
    assert answer.status_code == 422
    fields = {(e["code"], e["field"]) for e in answer.json()["errors"]}
    assert {
        ("enum", "row 3, Category"),
        ("unit_not_money", "row 4, Unit"),
        ("value_invalid", "row 5, Estimate likely"),
        ("value_invalid", "row 5, Baseline date"),
        ("value_invalid", "row 5, Dis-benefit"),
        ("value_invalid", "row 5, Plan 2026-27"),
        ("unknown_benefit", "row 6, Id"),
        ("id_repeated", "row 8, Id"),
    } <= fields
    assert _count(session) == before
    # The same rows against another initiative: the example's benefit is not one of its own.
    elsewhere = _upload(client, other_id, _saved(book))
    assert ("unknown_benefit", "row 7, Id") in {(e["code"], e["field"]) for e in elsewhere.json()["errors"]}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"Title,Owner\nPrinting,Someone\n", "not_a_workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "workbook_encrypted"),
        (b"PK\x03\x04 not really a zip", "not_a_workbook"),
    ],
)
def test_files_that_are_not_plain_workbooks_are_refused(
    session: Session, client: TestClient, content: bytes, code: str
) -> None:
    initiative = make_initiative(session)
    session.commit()
    answer = _upload(client, initiative.id or 0, content)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["code"] == code


def test_links_size_and_row_limits_are_refused(
    session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    initiative_id = make_initiative(session).id or 0
    session.commit()
    book = Workbook()
    assert book.active is not None
    book.active.append(["Id", "Title"])
    for number in range(4):
        book.active.append([None, f"Benefit {number}"])
    plain = _saved(book)
    linked = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, zipfile.ZipFile(linked, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/externalLinks/externalLink1.xml", "<externalLink/>")
    refused = _upload(client, initiative_id, linked.getvalue())
    assert refused.json()["errors"][0]["code"] == "external_links"
    monkeypatch.setattr(register_import, "MAX_ROWS", 3)
    assert _upload(client, initiative_id, plain).json()["errors"][0]["code"] == "too_many_rows"
    monkeypatch.setattr(register_import, "MAX_IMPORT_BYTES", 1000)
    assert _upload(client, initiative_id, plain).json()["errors"][0]["code"] == "file_too_large"


def test_an_unedited_export_changes_nothing(session: Session, client: TestClient) -> None:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    session.commit()
    content = business_case_workbook(session=session, initiative_id=initiative.id or 0)
    answer = _upload(client, initiative.id or 0, content)
    assert answer.json() == {"created": 0, "updated": 0, "unchanged": 10}


def test_awkward_cells_are_named_or_left_alone(session: Session, client: TestClient) -> None:
    initiative = make_initiative(session)
    session.commit()
    initiative_id = initiative.id or 0
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Id", "Title", "Owner", "Plan 2026-27", "Plan 2027-28", "Plan 2028-29", "Title"])
    sheet.append([3.5, "Half an id", None, "NaN", "Infinity", 1e13, None])
    sheet.append([None, "Formula plan", "   ", "=1+1", True, None, None])
    answer = _upload(client, initiative_id, _saved(book))
    assert answer.status_code == 422
    found = {(e["code"], e["field"]) for e in answer.json()["errors"]}
    assert {
        ("heading_repeated", "column G"),
        ("id_invalid", "row 2, Id"),
        ("value_invalid", "row 2, Plan 2026-27"),
        ("value_invalid", "row 2, Plan 2027-28"),
        ("value_invalid", "row 2, Plan 2028-29"),
        ("value_invalid", "row 3, Plan 2027-28"),
    } == found
    # Fixed, the formula and the blank owner are left alone: the row imports without them.
    sheet.delete_cols(7)
    sheet.delete_rows(2)
    sheet["E2"] = None
    answer = _upload(client, initiative_id, _saved(book))
    assert answer.status_code == 200, answer.text
    (benefit,) = client.get(f"/api/v1/initiatives/{initiative_id}/benefits").json()["items"]
    assert benefit["owner"] is None and benefit["profile"] == []
