"""The portfolio's cash-versus-capacity workbook for finance, streamed row by row (openpyxl write-only).

The detail sheet lists every financial benefit's figures by financial year, straight from the finance ledger; the
summary sheets total it with live SUMIFS formulas, so finance can filter, flex and audit the totals.
"""

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlmodel import Session, col, func

from benefits import appraisal, finance
from benefits.columns import SCALE
from benefits.ledger import LEDGER
from benefits.models import Benefit, Initiative
from benefits.periods import Period, parse_period
from benefits.stages import STAGE_ORDER
from benefits.workbooks.cells import HEADER_FILL, HEADER_FONT, MONEY, clean_text

DETAIL = "Benefits by year"
DETAIL_COLUMNS = [
    "Initiative id", "Initiative", "Benefit id", "Benefit", "Stage", "Route", "Cost centre", "Year", "Forecast",
    "Planned", "Approved baseline", "Cash confirmed", "Cash at risk", "Capacity redeployed", "Not yet redeployed",
]  # fmt: skip
ROUTES = ("cash", "capacity", "undecided")


@dataclass
class Written:
    """What an export wrote: rows of detail and cells in all."""

    rows: int = 0
    cells: int = 0


class _Sheet:
    """A write-only sheet with the helpers this export needs; counts the cells it writes."""

    def __init__(self, sheet: WriteOnlyWorksheet, written: Written) -> None:
        self.sheet = sheet
        self.written = written

    def text(self, value: str | None) -> Any:
        """User text as text. openpyxl takes only a leading '=' for a formula, so only then is a cell needed."""
        if not value:
            return None
        value = clean_text(value)
        if not value.startswith("="):
            return value  # the fast path: a plain string is written as a string
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def money(self, value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell.number_format = MONEY
        return cell

    def header(self, titles: list[str]) -> None:
        cells = []
        for name in titles:
            cell = WriteOnlyCell(self.sheet, value=name)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cells.append(cell)
        self.append(cells)

    def append(self, row: list[Any]) -> None:
        self.sheet.append(row)
        self.written.cells += len(row)


def _money(raw: Any) -> Decimal:
    return Decimal(int(raw or 0)).scaleb(-SCALE)


def _detail_rows(
    *, session: Session, initiative_id: int | None, first: int | None, last: int | None, today: date
) -> Iterator[Any]:
    """Each financial benefit's figures by year, from the ledger, streamed in initiative and benefit order."""
    entry = LEDGER.c
    # One row a benefit and year: what it is grouped by is what it shows.
    keys = (entry.initiative_id, col(Initiative.name), entry.benefit_id, col(Benefit.title), entry.stage,
            entry.route, entry.cost_centre, entry.year)  # fmt: skip
    statement = (
        sa.select(
            *keys,
            func.sum(entry.value),
            func.sum(entry.planned),
            func.sum(func.coalesce(entry.approved, 0)),
            func.sum(finance.cash_confirmed()),
            func.sum(finance.cash_at_risk(today)),
            func.sum(finance.capacity_redeployed()),
            func.sum(finance.capacity_not_redeployed(today)),
        )
        .select_from(LEDGER)
        .join(Benefit, col(Benefit.id) == entry.benefit_id)
        .join(Initiative, col(Initiative.id) == entry.initiative_id)
        .group_by(*keys)
        .order_by(entry.initiative_id, entry.benefit_id, entry.year)
    )
    if initiative_id is not None:
        statement = statement.where(entry.initiative_id == initiative_id)
    if first is not None:
        statement = statement.where(entry.year >= first)
    if last is not None:
        statement = statement.where(entry.year <= last)
    yield from session.execute(statement.execution_options(yield_per=5000))


def write_finance_workbook(
    *,
    session: Session,
    target: IO[bytes],
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
    today: date | None = None,
) -> Written:
    """Write the cash-versus-capacity workbook (the JSON summary's filters) to `target`, streaming the detail."""
    summary = finance.cash_capacity_summary_checked(
        session=session, initiative_id=initiative_id, from_year=from_year, to_year=to_year, weighted=weighted
    )
    day = today or date.today()
    settings, _ = appraisal.appraisal_settings(session=session)
    weights = {stage: Decimal(str(w)) for stage, w in settings.stage_weights.model_dump().items()}
    first = parse_period(from_year).start_year if from_year else None
    last = parse_period(to_year).start_year if to_year else None
    book = Workbook(write_only=True)
    written = Written()
    # The summaries come first in the book; their formulas only name the detail sheet's columns.
    detail_rows = _write_detail(
        _Sheet(book.create_sheet(DETAIL), written),
        _detail_rows(session=session, initiative_id=initiative_id, first=first, last=last, today=day),
        weights if weighted else None,
    )
    end = 1 + max(detail_rows, 1)
    years = [row.year for row in summary.years]
    initiatives = _initiatives_in_detail(session=session, initiative_id=initiative_id)
    _write_by_year(_Sheet(book.create_sheet("By year", 0), written), years, end)
    _write_by_centre(_Sheet(book.create_sheet("Cost centres", 1), written), summary, end)
    _write_by_initiative(_Sheet(book.create_sheet("Initiatives", 2), written), initiatives, end)
    _write_by_stage(_Sheet(book.create_sheet("Stages", 3), written), years, end)
    notes = _Sheet(book.create_sheet("Notes"), written)
    scope = f"initiative {initiative_id}" if initiative_id is not None else "the whole portfolio"
    for line in (
        ["Cash versus capacity", f"for {scope}, years {from_year or 'all'} to {to_year or 'all'}, as of {day}"],
        ["Weighted", "yes: each figure is weighted by its stage" if weighted else "no"],
        [DETAIL, "Each financial benefit's forecast (actuals where recorded, plan otherwise), plan, approved "
                 "baseline, cash confirmed and at risk, and capacity redeployed and not yet redeployed (planned "
                 "capacity of started years not confirmed as redeployed) by financial year; dis-benefits negative."],
        ["By year, Initiatives, Stages", "Live SUMIFS over the detail sheet."],
        ["Cost centres", "Cash claimed against each budget across the whole portfolio (values), the budget "
                         "finance entered, what is left (a formula), and this selection's cash confirmed and at risk."],
    ):  # fmt: skip
        notes.append([notes.text(text) for text in line])
    book.save(target)
    return written


def _write_detail(sheet: _Sheet, rows: Iterator[Any], weights: dict[str, Decimal] | None) -> int:
    # Plain values only, so openpyxl takes its fast path for the 200,000-row case: amounts are written as numbers
    # in pounds (a double holds any amount to the penny); the summary sheets carry the currency formats.
    sheet.sheet.freeze_panes = "C2"
    sheet.header(DETAIL_COLUMNS)
    count = 0
    labels: dict[int, str] = {}
    shares = {stage: float(weight) for stage, weight in (weights or {}).items()}
    for row in rows:
        initiative_id, name, benefit_id, title, stage, route, centre, start = row[:8]
        value, planned, approved, confirmed, risk, redeployed, idle = row[8:]
        share = shares.get(stage, 1.0) / 10**SCALE
        label = labels.get(start) or labels.setdefault(start, Period(start).label)
        sheet.append([
            initiative_id, sheet.text(name), benefit_id, sheet.text(title), stage, route, sheet.text(centre), label,
            # PostgreSQL sums whole numbers as numeric (Decimal), SQLite as int: float() takes either.
            float(value) * share, float(planned) * share, float(approved) * share, float(confirmed) / 10**SCALE,
            float(risk) * share, float(redeployed) / 10**SCALE, float(idle) * share,
        ])  # fmt: skip
        count += 1
    sheet.written.rows = count
    sheet.sheet.auto_filter.ref = f"A1:{get_column_letter(len(DETAIL_COLUMNS))}{1 + max(count, 1)}"
    return count


def _column(name: str, end: int) -> str:
    letter = get_column_letter(1 + DETAIL_COLUMNS.index(name))
    return f"'{DETAIL}'!${letter}$2:${letter}${end}"


def _write_by_year(sheet: _Sheet, years: list[str], end: int) -> None:
    sheet.header(["Year", "Cash-releasing", "Capacity", "Undecided", "Cash confirmed", "Cash at risk",
                  "Capacity redeployed", "Not yet redeployed"])  # fmt: skip
    year, route, forecast = _column("Year", end), _column("Route", end), _column("Forecast", end)
    for index, label in enumerate(years):
        r = index + 2
        cells: list[Any] = [label]
        cells += [sheet.money(f'=SUMIFS({forecast},{year},$A{r},{route},"{name}")') for name in ROUTES]
        cells.append(sheet.money(f"=SUMIFS({_column('Cash confirmed', end)},{year},$A{r})"))
        cells.append(sheet.money(f"=SUMIFS({_column('Cash at risk', end)},{year},$A{r})"))
        cells.append(sheet.money(f"=SUMIFS({_column('Capacity redeployed', end)},{year},$A{r})"))
        cells.append(sheet.money(f"=SUMIFS({_column('Not yet redeployed', end)},{year},$A{r})"))
        sheet.append(cells)
    total = len(years) + 2
    sheet.append(["Total", *[sheet.money(f"=SUM({c}2:{c}{total - 1})") for c in "BCDEFGH"]])


def _write_by_centre(sheet: _Sheet, summary: Any, end: int) -> None:
    sheet.header(["Cost centre", "Year", "Cash claimed (portfolio)", "Budget", "Budget left", "Cash claimed here",
                  "Cash confirmed", "Cash at risk", "Benefits (portfolio)"])  # fmt: skip
    centre, year = _column("Cost centre", end), _column("Year", end)
    route = _column("Route", end)
    for index, row in enumerate(summary.by_cost_centre):
        r = index + 2
        sheet.append([
            sheet.text(row.cost_centre), row.year, sheet.money(row.portfolio_cash_planned),
            sheet.money(row.budget) if row.budget is not None else None,
            sheet.money(f'=IF(D{r}="","",D{r}-C{r})'),
            sheet.money(f'=SUMIFS({_column("Planned", end)},{centre},$A{r},{year},$B{r},{route},"cash")'),
            sheet.money(f"=SUMIFS({_column('Cash confirmed', end)},{centre},$A{r},{year},$B{r})"),
            sheet.money(f"=SUMIFS({_column('Cash at risk', end)},{centre},$A{r},{year},$B{r})"),
            row.benefits,
        ])  # fmt: skip


def _initiatives_in_detail(*, session: Session, initiative_id: int | None) -> list[tuple[int, str]]:
    statement = sa.select(col(Initiative.id), col(Initiative.name)).order_by(col(Initiative.id))
    if initiative_id is not None:
        statement = statement.where(col(Initiative.id) == initiative_id)
    return [(int(found), str(name)) for found, name in session.execute(statement)]


def _write_by_initiative(sheet: _Sheet, initiatives: list[tuple[int, str]], end: int) -> None:
    sheet.header(["Initiative id", "Initiative", "Cash-releasing", "Capacity", "Undecided", "Cash confirmed",
                  "Cash at risk"])  # fmt: skip
    key, route, forecast = _column("Initiative id", end), _column("Route", end), _column("Forecast", end)
    for index, (initiative_id, name) in enumerate(initiatives):
        r = index + 2
        cells: list[Any] = [initiative_id, sheet.text(name)]
        cells += [sheet.money(f'=SUMIFS({forecast},{key},$A{r},{route},"{kind}")') for kind in ROUTES]
        cells.append(sheet.money(f"=SUMIFS({_column('Cash confirmed', end)},{key},$A{r})"))
        cells.append(sheet.money(f"=SUMIFS({_column('Cash at risk', end)},{key},$A{r})"))
        sheet.append(cells)


def _write_by_stage(sheet: _Sheet, years: list[str], end: int) -> None:
    sheet.header(["Year", "Stage", "Cash-releasing", "Capacity", "Undecided"])
    year, stage = _column("Year", end), _column("Stage", end)
    route, forecast = _column("Route", end), _column("Forecast", end)
    r = 2
    for label in years:
        for step in STAGE_ORDER:
            cells: list[Any] = [label, step.value]
            cells += [
                sheet.money(f'=SUMIFS({forecast},{year},$A{r},{stage},$B{r},{route},"{kind}")') for kind in ROUTES
            ]
            sheet.append(cells)
            r += 1


SPOOL_IN_MEMORY = 16 * 1024 * 1024  # larger workbooks go to a temporary file, not memory


def spooled_finance_workbook(*, session: Session, **filters: Any) -> IO[bytes]:
    """The workbook written whole to a spooled temporary file (the caller streams it, then closes it)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
    try:
        write_finance_workbook(session=session, target=spooled, **filters)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


def byte_count(spooled: IO[bytes]) -> int:
    """How many bytes the spooled workbook holds (its Content-Length, so a browser can show download progress)."""
    size = spooled.seek(0, io.SEEK_END)
    spooled.seek(0)
    return size


def chunks(spooled: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    """A file's bytes in chunks, closing it at the end: the body of a streamed response."""
    with spooled:
        while chunk := spooled.read(size):
            yield chunk
