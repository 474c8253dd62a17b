"""The workbook routes: the right type and name, the summary's filters, problems for bad ones."""

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from benefits.example import load_example
from benefits.models import Initiative
from benefits.workbooks.finance_summary import DETAIL


def _rows(sheet: object) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))  # type: ignore[attr-defined]


def test_the_workbook_route_streams_with_the_summary_filters(session: Session, client: TestClient) -> None:
    load_example(session=session)
    session.commit()
    answer = client.get("/api/v1/finance/cash-capacity.xlsx", params={"from": "2027-28", "weighted": "true"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert 'filename="cash-capacity.xlsx"' in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["By year", "Cost centres", "Initiatives", "Stages", DETAIL, "Notes"]
    assert {row[7] for row in _rows(book[DETAIL])[1:]} == {"2027-28", "2028-29", "2029-30", "2030-31"}
    assert client.get("/api/v1/finance/cash-capacity.xlsx", params={"from": "2027"}).status_code == 422
    assert client.get("/api/v1/finance/cash-capacity.xlsx", params={"initiative_id": 999999}).status_code == 404
    example = session.exec(select(Initiative)).one()
    case = client.get(f"/api/v1/initiatives/{example.id}/business-case.xlsx")
    assert case.status_code == 200 and load_workbook(io.BytesIO(case.content)).sheetnames[0] == "Summary"
    assert client.get("/api/v1/initiatives/999999/business-case.xlsx").status_code == 404
