"""Budgets from a workbook: the lines it names are set, the others kept; all or nothing, each bad cell named."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlmodel import Session

from benefits import finance
from benefits.errors import InvalidInput
from benefits.models.finance import BudgetIn
from benefits.workbooks.budgets_import import read_budgets
from tests.support.factories import TESTER, make_cost_centre


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Year", "Amount", "Cost centre"])  # found by heading, in any order
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _budgets(session: Session) -> dict[tuple[str, str], Decimal]:
    return {(b.cost_centre, b.year): b.amount for b in finance.list_budgets(session=session)}


def test_a_workbook_sets_the_budgets_it_names_and_keeps_the_others(session: Session) -> None:
    for code in ("CS100", "CS200"):
        make_cost_centre(session, code=code)
    kept = [
        BudgetIn(cost_centre="CS100", year="2026-27", amount=Decimal(2_400_000)),
        BudgetIn(cost_centre="CS200", year="2026-27", amount=Decimal(310_000)),
    ]
    finance.replace_budgets(session=session, budgets=kept, actor=TESTER)
    content = _workbook([["2026-27", "£320,000", "cs200"], ["2027-28", 250000, "CS200"]])
    finance.import_budgets(session=session, sheet=read_budgets(content), actor=TESTER)
    assert _budgets(session) == {
        ("CS100", "2026-27"): Decimal(2_400_000),
        ("CS200", "2026-27"): Decimal(320_000),
        ("CS200", "2027-28"): Decimal(250_000),
    }


def test_a_bad_cell_or_an_unlisted_code_changes_nothing_and_is_named_by_row(session: Session) -> None:
    make_cost_centre(session, code="CS200")
    before = _budgets(session)
    with pytest.raises(InvalidInput) as refused:  # refused as it is read, before any session is needed
        read_budgets(_workbook([["2026-27", "much", "CS200"], ["2027-2", 5, "CS200"]]))
    assert {problem.field for problem in refused.value.problems} == {"row 2, Amount", "row 3, Year"}
    # A blank row between lines is skipped, and still counted when the row of a refused line is named.
    sent = read_budgets(_workbook([["2026-27", 5, "CS200"], [None, None, None], ["2026-27", 5, "CS20"]]))
    with pytest.raises(InvalidInput) as unknown:  # only the list knows CS20 is not on it
        finance.import_budgets(session=session, sheet=sent, actor=TESTER)
    [problem] = unknown.value.problems
    assert problem.field == "row 4, Cost centre" and "CS200" in problem.detail
    assert _budgets(session) == before
