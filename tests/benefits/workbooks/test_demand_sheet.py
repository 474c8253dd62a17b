"""The business-case workbook's Demand sheet, recalculated by LibreOffice, agrees with the demand service."""

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, select

from benefits import demand, example_demand
from benefits.appraisal import penny
from benefits.demand import DemandFilter
from benefits.example import load_example
from benefits.models import Initiative
from benefits.models.demand import DemandAssumptionIn, DemandFigure
from benefits.workbooks.business_case import business_case_workbook
from tests.support.factories import TESTER, make_initiative
from tests.support.spreadsheet import recalculate

AS_OF = date(2026, 11, 23)
FIRST, LAST = date(2025, 11, 1), date(2026, 10, 1)  # the example's last 12 counted months
COSTED = ("face_to_face", "phone", "web")  # the channels the example keeps a cost per contact for


@pytest.fixture
def example(session: Session) -> int:
    """The worked example with two assumptions bound to demand: one over the sheet's months, one before go-live."""
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    for fields in (
        DemandAssumptionIn(assumption="failure_demand_share", figure=DemandFigure.avoidable_share, channels=["phone"]),
        DemandAssumptionIn(
            assumption="phone_calls_a_year",
            figure=DemandFigure.contacts,
            channels=["phone"],
            until=example_demand.GO_LIVE,
        ),
    ):
        demand.bind_assumption(session=session, initiative_id=initiative.id, fields=fields, actor=TESTER)
    return initiative.id


def _row_of(sheet: Worksheet, heading: str) -> int:
    return next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == heading)


def _block(sheet: Worksheet, heading: str) -> list[list[Any]]:
    """The rows under a block's heading row, up to the first blank one."""
    rows = []
    row = _row_of(sheet, heading) + 1
    while sheet.cell(row, 1).value not in (None, ""):
        rows.append([sheet.cell(row, column).value for column in range(1, sheet.max_column + 1)])
        row += 1
    return rows


def test_the_demand_sheet_recalculates_to_the_services_figures(
    session: Session, example: int, libreoffice: str, tmp_path: Path
) -> None:
    written = tmp_path / "business-case.xlsx"
    written.write_bytes(business_case_workbook(session=session, initiative_id=example, as_of=AS_OF))
    stored = load_workbook(written)
    assert stored.sheetnames[-1] == "Demand"
    sheet = load_workbook(recalculate(written), data_only=True)["Demand"]

    where = DemandFilter(from_month=FIRST, to_month=LAST)
    service = demand.summary(session=session, where=where)
    costed = demand.summary(session=session, where=DemandFilter(channels=COSTED, from_month=FIRST, to_month=LAST))
    figures = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(5, 10)}
    assert figures["All contacts"] == service.contacts
    assert figures["Avoidable contacts"] == service.avoidable_contacts
    assert figures["Avoidable share"] == pytest.approx(float(service.avoidable_share or 0), abs=1e-9)
    assert 0.2 < figures["Avoidable share"] < 0.3  # three in ten before the redesign, two in ten after
    # Over every channel the service gives no cost (three have none kept); over the costed ones it does.
    assert service.cost_to_serve is None and costed.cost_to_serve is not None
    assert penny(Decimal(repr(figures["Cost to serve (GBP)"]))) == penny(costed.cost_to_serve)
    assert figures["Channels with no cost per contact kept"] == ", ".join(service.uncosted_channels)
    channels = {row[0]: row for row in _block(sheet, "Channel")}
    for channel in service.channels:
        assert channels[channel.channel][2] == channel.contacts
        assert channels[channel.channel][3] == pytest.approx(float(channel.share or 0), abs=1e-9)
        if channel.cost is not None:
            assert penny(Decimal(repr(channels[channel.channel][4]))) == penny(channel.cost)

    # The counts, against a plain sum over the generated rows of the same months.
    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for generated in example_demand.generate():
        if FIRST <= generated.month <= LAST:
            expected[(generated.service, generated.channel, generated.demand_type)] += generated.count
    heading = _row_of(sheet, "Service")
    names = [sheet.cell(heading, column).value for column in range(1, sheet.max_column + 1)]
    kinds = {
        entry.name: entry.code
        for entry in demand.list_references(session=session, kind=demand.ReferenceList.demand_types)
    }
    found: dict[tuple[str, str, str], int] = {}
    for row in _block(sheet, "Service"):
        for column, name in enumerate(names):
            if name in kinds:
                found[(row[0], row[1], kinds[name])] = row[column]
        assert row[names.index("All contacts")] == sum(
            count
            for (service_code, channel, _), count in expected.items()
            if (service_code, channel) == (row[0], row[1])
        )
    assert found == expected

    # Each bound assumption names its figure; over the sheet's months it is a formula over the counts.
    bound = {row[0]: row for row in _block(sheet, "Assumption")}
    views = {
        binding.assumption: demand.binding_view(session=session, binding=binding)
        for binding in demand.bindings(session=session, initiative_id=example)
    }
    assert set(bound) == set(views) == {"phone_calls_a_year", "failure_demand_share"}
    for name, view in views.items():
        assert bound[name][4] == pytest.approx(view.value, rel=1e-9)
        assert bound[name][5] == pytest.approx(view.value, rel=1e-9)  # the Assumptions sheet holds the same value
    phone = [(kind, count) for (_, channel, kind), count in expected.items() if channel == "phone"]
    share = Decimal(sum(count for kind, count in phone if kind != "value")) / Decimal(sum(c for _, c in phone))
    assert bound["failure_demand_share"][4] == pytest.approx(float(share), abs=1e-12)
    table = stored["Demand"]
    bound_row = _row_of(table, "failure_demand_share")
    assert table.cell(bound_row, 5).data_type == "f" and "SUMPRODUCT" in str(table.cell(bound_row, 5).value)
    assert table.cell(bound_row, 6).value == "=failure_demand_share"
    before = _row_of(table, "phone_calls_a_year")
    assert table.cell(before, 5).data_type == "n", "a span the table does not hold is the service's value"
    assert "March 2026" in str(table.cell(before, 7).value)


def test_a_workbook_without_counts_says_so(session: Session) -> None:
    initiative = make_initiative(session)
    book = load_workbook(io.BytesIO(business_case_workbook(session=session, initiative_id=initiative.id or 0)))
    assert book["Demand"]["A4"].value == "No contacts are counted yet."
