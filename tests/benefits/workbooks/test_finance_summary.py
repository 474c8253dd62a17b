"""The cash-versus-capacity workbook: its live totals, recalculated by LibreOffice, equal the JSON summary."""

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session, select

from benefits import finance, register
from benefits.appraisal import penny
from benefits.example import load_example
from benefits.models import Initiative, ProfileEntryIn
from benefits.workbooks.finance_summary import DETAIL, PROGRESS_CALLS, write_finance_workbook
from tests.support.factories import TESTER, make_benefit, make_initiative
from tests.support.spreadsheet import recalculate

TODAY = date(2026, 11, 23)


def _rows(sheet: object) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))  # type: ignore[attr-defined]


def test_the_example_totals_equal_the_json_summary(session: Session, libreoffice: str, tmp_path: Path) -> None:
    load_example(session=session)
    other = make_initiative(session, name='=HYPERLINK("http://example.org","x")')
    odd = make_benefit(session, initiative=other, title="@SUM(1,1)", category="financial", route="cash",
                       cost_centre="CS200")  # fmt: skip
    register.replace_profile(session=session, benefit_id=odd.id or 0, expected_version=None, actor=TESTER,
                             rows=[ProfileEntryIn(period="2027-28", planned=Decimal(5))])  # fmt: skip
    written = tmp_path / "cash-capacity.xlsx"
    with written.open("wb") as target:
        counts = write_finance_workbook(session=session, target=target, today=TODAY)
    assert counts.rows > 0 and counts.cells > counts.rows * 15
    book = load_workbook(recalculate(written), data_only=True)
    summary = finance.cash_capacity_summary(session=session, today=TODAY)
    by_year = {row[0]: row[1:] for row in _rows(book["By year"])[1:-1]}
    assert by_year == {
        year.year: (
            year.cash, year.capacity, year.undecided, year.cash_confirmed, year.cash_at_risk,
            year.capacity_redeployed, year.capacity_not_redeployed,
        )
        for year in summary.years
    }  # fmt: skip
    # The example's advisers' hours for 2026-27 were confirmed as redeployed (£58,900, the year's actual) against a
    # plan of £63,675; the library's and the roll-out's are dis-benefits, which are never owed a redeployment.
    assert by_year["2026-27"][5:] == (58900, 63675 - 58900)
    centres = {(row[0], row[1]): row for row in _rows(book["Cost centres"])[1:]}
    for place in summary.by_cost_centre:
        row = centres[(place.cost_centre, place.year)]
        assert penny(Decimal(repr(row[2]))) == penny(place.portfolio_cash_planned)
        assert (row[6], row[7]) == (place.cash_confirmed, place.cash_at_risk)
        if place.budget is not None:
            assert penny(Decimal(repr(row[4]))) == penny(place.budget - place.portfolio_cash_planned)
    initiatives = {row[1]: row for row in _rows(book["Initiatives"])[1:]}
    example = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    assert initiatives[example.name][2] == sum(year.cash for year in summary.years) - 5  # the other one's 5
    # Names from users stay text, in the detail and in the totals.
    assert other.name in initiatives and initiatives[other.name][2] == 5
    assert "@SUM(1,1)" in {row[3] for row in _rows(book[DETAIL])[1:]}


def test_progress_is_told_as_the_detail_rows_are_written(session: Session, tmp_path: Path) -> None:
    initiative = make_initiative(session)
    years = [f"{start}-{(start + 1) % 100:02d}" for start in range(2026, 2036)]
    for number in range(45):
        benefit = make_benefit(session, initiative=initiative, title=f"Hours released {number}", category="financial",
                               route="capacity")  # fmt: skip
        plan = [ProfileEntryIn(period=year, planned=Decimal(number)) for year in years]
        register.replace_profile(session=session, benefit_id=benefit.id or 0, expected_version=None, actor=TESTER,
                                 rows=plan)  # fmt: skip
    told: list[tuple[int, int]] = []
    written = tmp_path / "cash-capacity.xlsx"
    with written.open("wb") as target:
        counts = write_finance_workbook(session=session, target=target, today=TODAY,
                                        progress=lambda done, total: told.append((done, total)))  # fmt: skip
    rows = len(_rows(load_workbook(written, read_only=True)[DETAIL])) - 1
    assert rows == counts.rows == 45 * len(years)
    # From nothing to every row, always forward, of one total, often enough for a bar but not once a row.
    assert told[0] == (0, rows) and told[-1] == (rows, rows)
    assert {total for _, total in told} == {rows}
    assert all(before < after for (before, _), (after, _) in pairwise(told))
    assert 100 <= len(told) <= PROGRESS_CALLS + 2
