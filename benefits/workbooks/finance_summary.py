"""The portfolio's cash-versus-capacity workbook for finance, written row by row in constant memory (XlsxWriter).

The detail sheet lists every financial benefit's figures by financial year, straight from the finance ledger; the
summary sheets total it with live SUMIFS formulas, so finance can filter, flex and audit the totals. Everything is
read from one snapshot of the database that holds no lock, so a long export blocks no writer and a change committed
while it runs appears in none of it.
"""

import io
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa
import xlsxwriter
from sqlmodel import Session, col, func
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from benefits import appraisal, finance, register
from benefits.columns import SCALE
from benefits.db import READ_ONLY, engine_for, reading_session, refuse_writes
from benefits.ledger import LEDGER
from benefits.models import Benefit, Initiative
from benefits.periods import Period, parse_period
from benefits.stages import STAGE_ORDER
from benefits.workbooks import export_process
from benefits.workbooks.cells import FORMULA_STARTS, HEADER_FORMAT, MONEY_FORMAT, clean_text

DETAIL = "Benefits by year"
DETAIL_COLUMNS = [
    "Initiative id", "Initiative", "Benefit id", "Benefit", "Stage", "Route", "Cost centre", "Year", "Forecast",
    "Planned", "Approved baseline", "Cash confirmed", "Cash at risk", "Capacity redeployed", "Not yet redeployed",
]  # fmt: skip
ROUTES = ("cash", "capacity", "undecided")
SHEETS = ("By year", "Cost centres", "Initiatives", "Stages", DETAIL, "Notes")  # in the order the book shows them

Progress = Callable[[int, int], None]
"""Told (detail rows written, detail rows in all) as the export goes, for a progress bar."""

PROGRESS_CALLS = 200  # about how often a progress bar is told, however long the export


@dataclass
class Written:
    """What an export wrote: rows of detail and cells in all."""

    rows: int = 0
    cells: int = 0


_SNAPSHOTS = threading.BoundedSemaphore(2)


@contextmanager
def read_snapshot(session: Session) -> Iterator[Session]:
    """A unit of work that reads one snapshot of what is committed, holding no lock: the export reads only through it.

    SQLite: a deferred transaction over the write-ahead log. PostgreSQL: REPEATABLE READ, READ ONLY, which must be
    chosen before a transaction's first statement, and the caller's (a request's, which has read its token) is
    under way: so the snapshot is a unit of work of its own over the same engine. A session bound to a connection
    (a caller's transaction already open, as in the tests) is read through as it is.
    """
    bind = session.get_bind()
    if isinstance(bind, sa.Connection):
        yield session
        return
    if bind.dialect.name == "sqlite" and bind.get_execution_options().get(READ_ONLY):
        yield session  # a reading session (a GET's): already one deferred snapshot, on the connection it holds
        return
    if bind.dialect.name == "postgresql":
        engine = bind.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        engine = bind.execution_options(**{READ_ONLY: True})
    # Each such export holds a second connection beside its caller's: a few at a time, so that exports waiting for
    # a connection can never take the whole pool from the ones under way.
    with _SNAPSHOTS, Session(engine, expire_on_commit=False) as snapshot:
        sa.event.listen(snapshot, "before_flush", refuse_writes)
        try:
            yield snapshot
        finally:
            snapshot.rollback()  # it only read: nothing to keep


class _Sheet:
    """A worksheet written top to bottom (XlsxWriter's constant memory); counts the cells it writes."""

    def __init__(self, sheet: Worksheet, formats: "_Formats", written: Written) -> None:
        self.sheet = sheet
        self.formats = formats
        self.written = written
        self.row = 0

    def header(self, titles: list[str]) -> None:
        for column, name in enumerate(titles):
            self.sheet.write_string(self.row, column, name, self.formats.header)
        self.row += 1
        self.written.cells += len(titles)

    def append(self, cells: list[Any]) -> None:
        """A row of cells: text, numbers, money (a number or a formula) or nothing (None)."""
        for column, value in enumerate(cells):
            if value is None:
                continue
            if isinstance(value, _Money):
                if isinstance(value.value, str):
                    # No cached result: every reader computes the formula (Excel and LibreOffice on opening).
                    self.sheet.write_formula(self.row, column, value.value, self.formats.money, "")
                else:
                    self.sheet.write_number(self.row, column, float(value.value), self.formats.money)
            elif isinstance(value, _Text):
                self.sheet.write_string(self.row, column, value.text, self.formats.quoted)
            elif isinstance(value, str):
                self.sheet.write_string(self.row, column, value)
            else:
                self.sheet.write_number(self.row, column, float(value))
        self.row += 1
        self.written.cells += len(cells)


@dataclass(frozen=True)
class _Money:
    value: Decimal | float | int | str  # a str is a formula


@dataclass(frozen=True)
class _Text:
    text: str  # user text that looks like a formula: written as text, and kept as typed if someone edits it


@dataclass(frozen=True)
class _Formats:
    header: Format
    money: Format
    quoted: Format


def _text(value: str | None) -> str | _Text | None:
    """User text as text, never as a formula."""
    if not value:
        return None
    value = clean_text(value)
    return _Text(value) if value[:1] in FORMULA_STARTS else value


def _detail_statement(
    *, initiative_id: int | None, first: int | None, last: int | None, today: date, weights: dict[str, Decimal] | None,
    segment_ids: Sequence[int] = (),
) -> sa.Select[Any]:  # fmt: skip
    """Each financial benefit's figures by year from the ledger, in pounds (weighted by stage when `weights` are);
    with `segment_ids`, only the benefits tagged with any of those customer segments."""
    entry = LEDGER.c
    # One row a benefit and year: what it is grouped by is what it shows.
    keys = (entry.initiative_id, col(Initiative.name), entry.benefit_id, col(Benefit.title), entry.stage,
            entry.route, entry.cost_centre, entry.year)  # fmt: skip
    # The same keys, the whole numbers first in the order the rows are sorted: the databases then compare texts only
    # within a benefit's year, and need not sort the groups a second time.
    grouping = (entry.initiative_id, entry.benefit_id, entry.year, col(Initiative.name), col(Benefit.title),
                entry.stage, entry.route, entry.cost_centre)  # fmt: skip
    # Amounts are stored as whole ten-thousandths. The database turns each sum into a double in pounds, as Python
    # would (float(sum) * weight / 10**SCALE: the same IEEE operations, so the same figures), and hands the writer
    # floats, not the Decimals PostgreSQL sums to. A double holds any amount to the penny.
    whole = 10**SCALE
    share: Any = sa.literal(1 / whole, sa.Float)
    if weights:
        share = sa.case(*((entry.stage == stage, float(weight) / whole) for stage, weight in weights.items()),
                        else_=1 / whole)  # fmt: skip

    def pounds(total: Any, by: Any = share) -> Any:
        return sa.cast(total, sa.Float) * by

    statement = (
        sa.select(
            *keys,
            pounds(func.sum(entry.value)),
            pounds(func.sum(entry.planned)),
            pounds(func.sum(func.coalesce(entry.approved, 0))),
            sa.cast(func.sum(finance.cash_confirmed()), sa.Float) / float(whole),  # confirmed money is never weighted
            pounds(func.sum(finance.cash_at_risk(today))),
            sa.cast(func.sum(finance.capacity_redeployed()), sa.Float) / float(whole),
            pounds(func.sum(finance.capacity_not_redeployed(today))),
        )
        .select_from(LEDGER)
        .join(Benefit, col(Benefit.id) == entry.benefit_id)
        .join(Initiative, col(Initiative.id) == entry.initiative_id)
        .group_by(*grouping)
    )
    if initiative_id is not None:
        statement = statement.where(entry.initiative_id == initiative_id)
    if segment_ids:
        statement = statement.where(register.reaches(entry.benefit_id, segment_ids))
    if first is not None:
        statement = statement.where(entry.year >= first)
    if last is not None:
        statement = statement.where(entry.year <= last)
    return statement


def write_finance_workbook(
    *,
    session: Session,
    target: IO[bytes],
    initiative_id: int | None = None,
    from_year: str | None = None,
    to_year: str | None = None,
    weighted: bool = False,
    segments: Sequence[str] = (),
    today: date | None = None,
    progress: Progress | None = None,
) -> Written:
    """Write the cash-versus-capacity workbook (the JSON summary's filters) to `target`, from one read snapshot.

    `progress`, when given, is told (detail rows written, detail rows in all) as the rows are written.
    """
    with read_snapshot(session) as snapshot:
        return _write(
            session=snapshot, target=target, initiative_id=initiative_id, from_year=from_year, to_year=to_year,
            weighted=weighted, segments=segments, day=today or date.today(), progress=progress,
        )  # fmt: skip


def _write(
    *,
    session: Session,
    target: IO[bytes],
    initiative_id: int | None,
    from_year: str | None,
    to_year: str | None,
    weighted: bool,
    segments: Sequence[str],
    day: date,
    progress: Progress | None,
) -> Written:
    summary = finance.cash_capacity_summary_checked(
        session=session, initiative_id=initiative_id, from_year=from_year, to_year=to_year, weighted=weighted,
        segments=segments,
    )  # fmt: skip
    segment_ids = register.segment_ids(session=session, codes=segments) if segments else []
    settings, _ = appraisal.appraisal_settings(session=session)
    weights = {stage: Decimal(str(w)) for stage, w in settings.stage_weights.model_dump().items()}
    first = parse_period(from_year).start_year if from_year else None
    last = parse_period(to_year).start_year if to_year else None
    statement = _detail_statement(
        initiative_id=initiative_id, first=first, last=last, today=day, weights=weights if weighted else None,
        segment_ids=segment_ids,
    )  # fmt: skip
    total = session.execute(sa.select(func.count()).select_from(statement.subquery())).scalar_one() if progress else 0
    # Rows go to disk as they are written (constant memory); user text is written only as text, never as a formula.
    book = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                 "strings_to_urls": False},
    )  # fmt: skip
    formats = _Formats(
        header=book.add_format(HEADER_FORMAT), money=book.add_format(MONEY_FORMAT),
        quoted=book.add_format({"quote_prefix": True}),
    )  # fmt: skip
    written = Written()
    sheets = {name: _Sheet(book.add_worksheet(name), formats, written) for name in SHEETS}
    # The summaries come first in the book, but their formulas name the detail's last row: the detail is written
    # first (each sheet is its own stream, written top to bottom).
    ordered = statement.order_by(LEDGER.c.initiative_id, LEDGER.c.benefit_id, LEDGER.c.year)
    # Plain rows through the session's connection: the ORM's row handling would cost more than writing them.
    rows = session.connection().execute(ordered.execution_options(yield_per=5000))
    detail_rows = _write_detail(sheets[DETAIL], rows, total, progress)
    end = 1 + max(detail_rows, 1)
    years = [row.year for row in summary.years]
    initiatives = _initiatives_in_detail(session=session, initiative_id=initiative_id, segment_ids=segment_ids)
    _write_by_year(sheets["By year"], years, end)
    _write_by_centre(sheets["Cost centres"], summary, end)
    _write_by_initiative(sheets["Initiatives"], initiatives, end)
    _write_by_stage(sheets["Stages"], years, end)
    notes = sheets["Notes"]
    scope = f"initiative {initiative_id}" if initiative_id is not None else "the whole portfolio"
    if segments:
        scope += f", the benefits that reach {', '.join(sorted({code.strip().lower() for code in segments}))}"
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
        notes.append([_text(text) for text in line])
    book.close()
    return written


def _write_detail(sheet: _Sheet, rows: Iterable[Any], total: int, progress: Progress | None) -> int:
    # The 200,000-row case is most of an export's time, so the loop does little beyond handing XlsxWriter its
    # typed cells: amounts arrive as floats in pounds, and each benefit's texts are cleaned once, not once a year.
    out = sheet.sheet
    out.freeze_panes(1, 2)
    sheet.header(DETAIL_COLUMNS)
    # XlsxWriter's typed writers without the wrapper that also accepts "A1" addresses (a tenth of the export's
    # time at 200,000 rows); the public ones if a release renames them.
    number = getattr(out, "_write_number", out.write_number)
    string = getattr(out, "_write_string", out.write_string)
    quoted = sheet.formats.quoted
    labels: dict[int, str] = {}
    cleaned: dict[str, tuple[str, Format | None]] = {}

    def text(row: int, column: int, raw: str | None) -> None:
        if not raw:
            return
        found = cleaned.get(raw)
        if found is None:
            if len(cleaned) > 10_000:  # rows come benefit by benefit: only the recent texts come round again
                cleaned.clear()
            value = clean_text(raw)
            found = cleaned[raw] = (value, quoted if value[:1] in FORMULA_STARTS else None)
        string(row, column, *found)

    step = max(1, -(-total // PROGRESS_CALLS))  # rounded up: at most PROGRESS_CALLS calls on the way
    if progress is not None:
        progress(0, total)
    r = 0
    for r, row in enumerate(rows, start=1):
        (initiative_id, name, benefit_id, title, stage, route, centre, start,
         forecast, planned, approved, confirmed, risk, redeployed, idle) = row  # fmt: skip
        number(r, 0, initiative_id)
        text(r, 1, name)
        number(r, 2, benefit_id)
        text(r, 3, title)
        string(r, 4, stage)
        string(r, 5, route)
        text(r, 6, centre)
        string(r, 7, labels.get(start) or labels.setdefault(start, Period(start).label))
        number(r, 8, forecast)
        number(r, 9, planned)
        number(r, 10, approved)
        number(r, 11, confirmed)
        number(r, 12, risk)
        number(r, 13, redeployed)
        number(r, 14, idle)
        if progress is not None and r % step == 0:
            progress(r, total)
    count = r
    if progress is not None and count % step:
        progress(count, total)
    sheet.row = count + 1
    sheet.written.rows = count
    sheet.written.cells += count * len(DETAIL_COLUMNS)
    out.autofilter(0, 0, max(count, 1), len(DETAIL_COLUMNS) - 1)
    return count


def _column(name: str, end: int) -> str:
    letter = xl_col_to_name(DETAIL_COLUMNS.index(name))
    return f"'{DETAIL}'!${letter}$2:${letter}${end}"


def _write_by_year(sheet: _Sheet, years: list[str], end: int) -> None:
    sheet.header(["Year", "Cash-releasing", "Capacity", "Undecided", "Cash confirmed", "Cash at risk",
                  "Capacity redeployed", "Not yet redeployed"])  # fmt: skip
    year, route, forecast = _column("Year", end), _column("Route", end), _column("Forecast", end)
    for index, label in enumerate(years):
        r = index + 2
        cells: list[Any] = [label]
        cells += [_Money(f'=SUMIFS({forecast},{year},$A{r},{route},"{name}")') for name in ROUTES]
        cells.append(_Money(f"=SUMIFS({_column('Cash confirmed', end)},{year},$A{r})"))
        cells.append(_Money(f"=SUMIFS({_column('Cash at risk', end)},{year},$A{r})"))
        cells.append(_Money(f"=SUMIFS({_column('Capacity redeployed', end)},{year},$A{r})"))
        cells.append(_Money(f"=SUMIFS({_column('Not yet redeployed', end)},{year},$A{r})"))
        sheet.append(cells)
    total = len(years) + 2
    sheet.append(["Total", *[_Money(f"=SUM({c}2:{c}{total - 1})") for c in "BCDEFGH"]])


def _write_by_centre(sheet: _Sheet, summary: Any, end: int) -> None:
    sheet.header(["Cost centre", "Year", "Cash claimed (portfolio)", "Budget", "Budget left", "Cash claimed here",
                  "Cash confirmed", "Cash at risk", "Benefits (portfolio)"])  # fmt: skip
    centre, year = _column("Cost centre", end), _column("Year", end)
    route = _column("Route", end)
    for index, row in enumerate(summary.by_cost_centre):
        r = index + 2
        sheet.append([
            _text(row.cost_centre), row.year, _Money(row.portfolio_cash_planned),
            _Money(row.budget) if row.budget is not None else None,
            _Money(f'=IF(D{r}="","",D{r}-C{r})'),
            _Money(f'=SUMIFS({_column("Planned", end)},{centre},$A{r},{year},$B{r},{route},"cash")'),
            _Money(f"=SUMIFS({_column('Cash confirmed', end)},{centre},$A{r},{year},$B{r})"),
            _Money(f"=SUMIFS({_column('Cash at risk', end)},{centre},$A{r},{year},$B{r})"),
            row.benefits,
        ])  # fmt: skip


def _initiatives_in_detail(
    *, session: Session, initiative_id: int | None, segment_ids: Sequence[int]
) -> list[tuple[int, str]]:
    statement = sa.select(col(Initiative.id), col(Initiative.name)).order_by(col(Initiative.id))
    if initiative_id is not None:
        statement = statement.where(col(Initiative.id) == initiative_id)
    if segment_ids:  # the initiatives with a benefit that reaches the segments: the others' rows would be nothing
        tagged = sa.select(col(Benefit.id)).where(
            col(Benefit.initiative_id) == col(Initiative.id),
            col(Benefit.withdrawn).is_(False),
            register.reaches(col(Benefit.id), segment_ids),
        )
        statement = statement.where(tagged.exists())
    return [(int(found), str(name)) for found, name in session.execute(statement)]


def _write_by_initiative(sheet: _Sheet, initiatives: list[tuple[int, str]], end: int) -> None:
    sheet.header(["Initiative id", "Initiative", "Cash-releasing", "Capacity", "Undecided", "Cash confirmed",
                  "Cash at risk"])  # fmt: skip
    key, route, forecast = _column("Initiative id", end), _column("Route", end), _column("Forecast", end)
    for index, (initiative_id, name) in enumerate(initiatives):
        r = index + 2
        cells: list[Any] = [initiative_id, _text(name)]
        cells += [_Money(f'=SUMIFS({forecast},{key},$A{r},{route},"{kind}")') for kind in ROUTES]
        cells.append(_Money(f"=SUMIFS({_column('Cash confirmed', end)},{key},$A{r})"))
        cells.append(_Money(f"=SUMIFS({_column('Cash at risk', end)},{key},$A{r})"))
        sheet.append(cells)


def _write_by_stage(sheet: _Sheet, years: list[str], end: int) -> None:
    sheet.header(["Year", "Stage", "Cash-releasing", "Capacity", "Undecided"])
    year, stage = _column("Year", end), _column("Stage", end)
    route, forecast = _column("Route", end), _column("Forecast", end)
    r = 2
    for label in years:
        for step in STAGE_ORDER:
            cells: list[Any] = [label, step.value]
            cells += [_Money(f'=SUMIFS({forecast},{year},$A{r},{stage},$B{r},{route},"{kind}")') for kind in ROUTES]
            sheet.append(cells)
            r += 1


SPOOL_IN_MEMORY = 16 * 1024 * 1024  # larger workbooks go to a temporary file, not memory


def spooled_finance_workbook(*, session: Session, **filters: Any) -> IO[bytes]:
    """The workbook written whole to a temporary file (the caller streams it, then closes it).

    It is written in an export process (`export_process`) where one can read the session's database, so a
    server's requests do not wait on it; in this process where a progress bar is to be told, or where no other
    process can see what the session sees.
    """
    url = export_process.database_url(session=session)
    if url is None or filters.get("progress") is not None:
        return _spooled_here(session=session, **filters)
    path = export_process.export_file()
    try:
        export_process.run_export(_write_to_file, url, str(path), filters)
        return path.open("rb")  # the caller closes it
    finally:
        path.unlink()  # gone from the folder at once; the open file lives until the caller closes it


def _write_to_file(url: str, path: str, filters: dict[str, Any]) -> Written:
    """In an export process: the workbook written to the file at `path` from the database at `url`."""
    with reading_session(engine_for(url)) as session, open(path, "wb") as target:
        return write_finance_workbook(session=session, target=target, **filters)


def _spooled_here(*, session: Session, **filters: Any) -> IO[bytes]:
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
