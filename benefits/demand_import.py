"""Loading contact counts in bulk: a contact centre's export (CSV or a workbook), or a list sent through the API.

Columns are found by their headings. Every bad row and cell is named and nothing is written unless every row is
good. A count's key is its period (start and grain), service, channel, demand type and segment: a batch sent again
replaces the same counts, so totals never double. Services, channels, types and segments are reference lists:
a name not on its list is refused by row, since a typing slip would otherwise start a new service of its own.
"""

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import SCALE
from benefits.demand import ONE, ReferenceList, how_to_add, lookups, month_key, month_start
from benefits.errors import Conflict, InvalidInput, Problem
from benefits.models.demand import (
    ContactCount,
    ContactIn,
    ContactMonth,
    ContactsLoaded,
    DemandChannel,
    DemandService,
    DemandType,
    Grain,
)

MAX_PROBLEMS = 1_000
MAX_ROWS = 5_000_000  # a year of a large council's daily counts is about 2 million
MAX_CSV_BYTES = 1 << 30
MAX_API_ROWS = 100_000
PROGRESS_EVERY = 50_000

# Heading (lower case, as written in exports) -> field.
HEADINGS = {
    "period": "period",
    "period start": "period",
    "date": "period",
    "day": "period",
    "week": "period",
    "month": "period",
    "grain": "grain",
    "service": "service",
    "channel": "channel",
    "type": "demand_type",
    "demand type": "demand_type",
    "segment": "segment",
    "customer segment": "segment",
    "count": "count",
    "contacts": "count",
    "handling minutes": "handling_minutes",
    "minutes": "handling_minutes",
}
REQUIRED = ("period", "service", "channel", "demand_type", "count")
TITLES = {
    "period": "Period",
    "grain": "Grain",
    "service": "Service",
    "channel": "Channel",
    "demand_type": "Type",
    "segment": "Segment",
    "count": "Count",
    "handling_minutes": "Handling minutes",
}
KINDS = {
    "service": ReferenceList.services,
    "channel": ReferenceList.channels,
    "demand_type": ReferenceList.demand_types,
    "segment": ReferenceList.segments,
}

Progress = Callable[[int, int], None]
"""Told (rows done, rows in all) as a load goes."""


@dataclass
class ContactSheet:
    """Contact counts as read from a file or a request, before the database is asked anything.

    Each row is (row number, period start, grain, service, channel, type, segment or None, count, minutes in
    ten-thousandths or None); references are as written, matched against the lists when applied.
    """

    rows: list[tuple[int, dt.date, Grain, str, str, str, str | None, int, int | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # field -> heading as written, to name cells


class _NotAValue(str):
    """A cell holding a formula or a spreadsheet error: never read as a value."""


NOT_A_VALUE = _NotAValue("a formula or a spreadsheet error")


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


# --- Reading ---------------------------------------------------------------------------------------------------


def read_contacts(data: bytes, *, file_name: str | None = None) -> ContactSheet:
    """The counts in a CSV file or a workbook, read with no session; every bad cell named in `problems`."""
    if not is_workbook(data, file_name=file_name) and len(data) > MAX_CSV_BYTES:
        raise _refuse("file_too_large", f"The file is larger than {MAX_CSV_BYTES >> 20} MiB: split it.")
    return _read_lines(file_lines(data, file_name=file_name))


def is_workbook(data: bytes, *, file_name: str | None) -> bool:
    """Whether an uploaded file is a workbook (by its zip signature or its name) rather than CSV text."""
    return data.startswith(b"PK\x03\x04") or (file_name or "").lower().endswith((".xlsx", ".xlsm", ".xltm", ".xlam"))


def file_lines(data: bytes, *, file_name: str | None) -> Iterator[tuple[Any, ...]]:
    """The rows of a CSV file, or of a workbook's first sheet, as tuples of cells; a file that is neither is refused
    (naming the field `file`) as its rows are read."""
    if is_workbook(data, file_name=file_name):
        yield from _workbook_lines(data, file_name)
        return
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse(
            "csv_invalid", "The file is not UTF-8 text or an Excel workbook: save it as CSV UTF-8."
        ) from error
    if "\x00" in text:
        raise _refuse("csv_invalid", "The file holds NUL characters: save it as CSV UTF-8 or as an .xlsx workbook.")
    try:
        yield from (tuple(row) for row in csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise _refuse(
            "csv_invalid", f"The file could not be read as CSV ({error}): save it again as CSV UTF-8."
        ) from error


def _workbook_lines(data: bytes, file_name: str | None) -> Iterator[tuple[Any, ...]]:
    """The first worksheet's rows, read as the register import reads (its budget, and its refusals of hostile files)."""
    # Imported here: the workbook readers load with the first workbook read, not with the service.
    from python_calamine import CalamineWorkbook

    from benefits.workbooks.import_budget import BudgetedReading, refuse_macro_name
    from benefits.workbooks.register_import import CellError, _lines, _scanned, checked_archive, register_sheet

    refuse_macro_name(file_name)
    reading = BudgetedReading()
    archive: zipfile.ZipFile = checked_archive(data)
    name, part = register_sheet(archive)
    scan = _scanned(archive, reading, part)
    reading.check_time()
    if scan is None:
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.")
    try:
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:  # the reader raises many kinds for a damaged sheet
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.") from error
    for line in _lines(grid, scan, reading):
        if line is None:
            yield ()
            continue
        # A formula is never imported (its saved result may be a what-if), nor an error: each is a cell to fix.
        yield tuple(
            NOT_A_VALUE
            if isinstance(value, CellError) or not isinstance(value, str | int | float | dt.date | None)
            else value
            for value in line
        )


class Headings(NamedTuple):
    """A file's row of headings: its number, the column of each field it names, and each heading as written."""

    number: int
    columns: dict[str, int]
    written: dict[str, str]


def heading_row(
    lines: Iterator[tuple[Any, ...]], *, headings: dict[str, str], enough: Callable[[dict[str, int]], bool]
) -> Headings:
    """The row of headings among a file's first ten, read from `lines` (which go on from the row after it).

    `headings` maps each heading (in lower case) to the field it names; the row is the first whose fields are
    `enough`. None such: no columns, and the number of the last row read. A heading written twice is refused.
    """
    number = 0
    for number, line in enumerate(lines, start=1):
        written = [str(value).strip() if value is not None else "" for value in line]
        found = {headings[cell.lower()]: index for index, cell in enumerate(written) if cell.lower() in headings}
        if enough(found):
            repeated = [cell for cell in written if cell and written.count(cell) > 1]
            if repeated:
                raise _refuse("heading_repeated", f"The heading '{repeated[0]}' is written twice: keep one.")
            return Headings(number, found, {name: written[index] for name, index in found.items()})
        if number >= 10:
            break
    return Headings(number, {}, {})


def _read_lines(lines: Iterable[tuple[Any, ...]]) -> ContactSheet:
    sheet = ContactSheet()
    iterator = iter(lines)
    number, columns, sheet.headings = heading_row(iterator, headings=HEADINGS, enough=lambda found: len(found) >= 3)
    missing = [TITLES[name] for name in REQUIRED if name not in columns]
    if missing:
        raise _refuse(
            "headings_missing",
            f"No row of headings naming {', '.join(missing)} in the first ten rows: the headings wanted are Period, "
            "Service, Channel, Type and Count, with Grain (day, week or month), Segment and Handling minutes if known.",
        )
    _read_rows(sheet, iterator, columns, start=number + 1)
    return sheet


def _read_rows(sheet: ContactSheet, lines: Iterator[tuple[Any, ...]], columns: dict[str, int], start: int) -> None:
    """Each row's cells checked and kept; each problem named by row and heading."""
    heading = sheet.headings
    problems = sheet.problems
    days: dict[Any, dt.date | None] = {}  # a file repeats a few hundred dates millions of times
    grains = {grain.value: grain for grain in Grain}
    at = {name: columns.get(name) for name in TITLES}
    period_at, service_at, channel_at, type_at = at["period"], at["service"], at["channel"], at["demand_type"]
    count_at, grain_at, segment_at, minutes_at = at["count"], at["grain"], at["segment"], at["handling_minutes"]
    width = max(columns.values()) + 1
    rows = sheet.rows
    for number, line in enumerate(lines, start=start):
        if not any(value not in (None, "") for value in line):
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse("too_many_rows", f"At most {MAX_ROWS:,} rows at a time: split the file.")
        if len(line) < width:
            line = (*line, *([None] * (width - len(line))))
        before = len(problems)
        where = f"row {number}"
        written = line[period_at]  # type: ignore[index]
        day = days.get(written, False) if isinstance(written, str | dt.date) else False
        if day is False:
            day = _day(written)
            if isinstance(written, str | dt.date):
                days[written] = day
        if day is None:
            problems.append(
                Problem(
                    "date_invalid",
                    "Write the day the period starts, such as 2026-04-01.",
                    f"{where}, {heading['period']}",
                )
            )
        grain = Grain.month
        if grain_at is not None:
            text = str(line[grain_at] or "month").strip().lower()
            found_grain = grains.get(text)
            if found_grain is None:
                problems.append(Problem("value_invalid", "Write day, week or month.", f"{where}, {heading['grain']}"))
            else:
                grain = found_grain
        if isinstance(day, dt.date) and not _starts(day, grain):
            problems.append(
                Problem(
                    "date_invalid",
                    f"A {grain.value} starts on "
                    f"{'a Monday' if grain is Grain.week else 'its first day'}: write that day.",
                    f"{where}, {heading['period']}",
                )
            )
        names: list[str | None] = []
        for name, index in (
            ("service", service_at),
            ("channel", channel_at),
            ("demand_type", type_at),
            ("segment", segment_at),
        ):
            value = line[index] if index is not None else None
            named: str | None = value.strip() if isinstance(value, str) else None if value is None else str(value)
            if isinstance(value, _NotAValue) or not isinstance(value, str | None):
                problems.append(
                    Problem(
                        "value_invalid",
                        "Write the name or code here, not a formula or a number.",
                        f"{where}, {heading[name]}",
                    )
                )
                named = None
            elif not named and name != "segment":
                problems.append(
                    Problem("value_invalid", f"Name the {TITLES[name].lower()}.", f"{where}, {heading[name]}")
                )
            names.append(named or None)
        count = _whole(line[count_at])  # type: ignore[index]
        if count is None:
            problems.append(
                Problem(
                    "value_invalid",
                    "Write the number of contacts, a whole number from 0.",
                    f"{where}, {heading['count']}",
                )
            )
        minutes = None
        if minutes_at is not None and line[minutes_at] not in (None, ""):
            minutes = _minutes(line[minutes_at])
            if minutes is None:
                problems.append(
                    Problem(
                        "value_invalid",
                        "Write the minutes spent on these contacts in all, a number from 0, or leave it blank.",
                        f"{where}, {heading['handling_minutes']}",
                    )
                )
        if len(problems) > before:
            if len(problems) >= MAX_PROBLEMS:
                return
            continue
        assert isinstance(day, dt.date) and count is not None
        rows.append((number, day, grain, names[0] or "", names[1] or "", names[2] or "", names[3], count, minutes))


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10]) if len(value.strip()) in (10, 19) else None
    except ValueError:
        return None


def period_start(day: dt.date, grain: Grain) -> dt.date:
    """The first day of the period of `grain` that `day` falls in."""
    if grain is Grain.month:
        return day.replace(day=1)
    if grain is Grain.week:
        return day - dt.timedelta(days=day.weekday())
    return day


def _starts(day: dt.date, grain: Grain) -> bool:
    if grain is Grain.month:
        return day.day == 1
    if grain is Grain.week:
        return day.weekday() == 0
    return True


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 10**12 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value <= 10**12 else None
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if text.isdigit() and len(text) <= 13:
            whole = int(text)
            return whole if whole <= 10**12 else None
    return None


def _minutes(value: Any) -> int | None:
    """Minutes as whole ten-thousandths (as `ScaledDecimal` keeps them); None when not a number from 0."""
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > 10**12:
        return None
    return int((amount * 10**SCALE).to_integral_value(ROUND_HALF_UP))


def sheet_of(rows: Sequence[ContactIn]) -> ContactSheet:
    """Counts sent through the API as a sheet, each numbered by its place in the list from 0."""
    sheet = ContactSheet(headings={name: name for name in TITLES})
    if len(rows) > MAX_API_ROWS:
        raise InvalidInput(
            f"At most {MAX_API_ROWS:,} counts a request: send the rest in another, or upload a file.",
            [Problem("too_many_rows", f"{len(rows):,} rows sent.", "body")],
        )
    for index, row in enumerate(rows):
        # The schema bounds the minutes; a day is kept as its period's first (the month's first, the week's Monday).
        minutes = None if row.handling_minutes is None else _minutes(row.handling_minutes)
        fields = (row.service, row.channel, row.demand_type, row.segment)
        sheet.rows.append((index, period_start(row.period_start, row.grain), row.grain, *fields, row.count, minutes))
    return sheet


# --- Applying --------------------------------------------------------------------------------------------------


def load_contacts(
    *, session: Session, sheet: ContactSheet, actor: Actor, progress: Progress | None = None, api: bool = False
) -> ContactsLoaded:
    """Write the counts read: every row, or none and every problem named; the same keys again replace the counts."""
    require(session=session, actor=actor, action=Action.manage_demand)
    problems = list(sheet.problems)
    total = len(sheet.rows)
    found = lookups(session=session)
    resolved: dict[tuple[str, str], int | None] = {}  # (field, as written) -> id: a file repeats few names

    def where(number: int, name: str) -> str:
        return f"[{number}].{name}" if api else f"row {number}, {sheet.headings[name]}"

    stored: list[tuple[Any, ...]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for done, (number, day, grain, *names, count, minutes) in enumerate(sheet.rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        ids: list[int | None] = []
        bad = False
        for name, written in zip(("service", "channel", "demand_type", "segment"), names, strict=True):
            if written is None:
                ids.append(None)
                continue
            key = (name, written)
            if key not in resolved:
                resolved[key] = found[KINDS[name]].find(written)
            if resolved[key] is None:
                kind = KINDS[name]
                problems.append(
                    Problem(
                        f"unknown_{name}",
                        f"No {ONE[kind]} '{written}' on the list: {how_to_add(kind)}, or correct the name.",
                        where(number, name),
                    )
                )
                bad = True
            ids.append(resolved[key])
        if bad:
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        identity = (day, grain, *ids)
        if identity in seen:
            problems.append(
                Problem(
                    "period_repeated",
                    f"The same period, service, channel, type and segment as row "
                    f"{seen[identity]}: add them up into one row.",
                    where(number, "count"),
                )
            )
            continue
        seen[identity] = number
        stored.append((day.isoformat(), grain.value, month_key(day), *ids, count, minutes))
    del seen
    if problems:
        detail = f"{len(problems):,} problem(s) in the contact counts; nothing was loaded."
        # Names not on a list are refused by what is stored: alone, that is a conflict, as elsewhere in the API.
        if all(problem.code.startswith("unknown_") for problem in problems):
            raise Conflict(detail, problems[:MAX_PROBLEMS])
        raise InvalidInput(detail, problems[:MAX_PROBLEMS])
    if progress is not None:
        progress(total, total)
    return _store(session=session, rows=stored, actor=actor)


COLUMNS = (
    "period_start",
    "grain",
    "month",
    "service_id",
    "channel_id",
    "demand_type_id",
    "segment_id",
    "count",
    "handling_minutes",
)


def _store(*, session: Session, rows: list[tuple[Any, ...]], actor: Actor) -> ContactsLoaded:
    """Replace the counts already kept under the rows' keys, insert the rows, and sum the months they touch."""
    if not rows:
        return ContactsLoaded(added=0, replaced=0, months=0)
    connection = session.connection()
    table = ContactCount.__table__  # type: ignore[attr-defined]
    months = sorted({row[2] for row in rows})
    first, last = dt.date.fromisoformat(min(row[0] for row in rows)), dt.date.fromisoformat(max(row[0] for row in rows))
    kept = connection.execute(
        sa.select(sa.func.count()).select_from(table).where(table.c.period_start.between(first, last))
    ).scalar_one()
    replaced = _delete_keys(connection, rows) if kept else 0
    write_counts(connection, rows)
    _refuse_mixed_grains(connection, month_start(months[0]), month_start(months[-1] + 1) - dt.timedelta(days=1))
    _sum_months(connection, months[0], months[-1])
    audit.record(
        session=session,
        actor=actor,
        action="contacts_loaded",
        entity="contact_count",
        entity_id=0,
        context={"rows": len(rows), "replaced": replaced, "from": first, "to": last},
    )
    return ContactsLoaded(added=len(rows) - replaced, replaced=replaced, months=len(months))


_DELETE_KEYS_SQLITE = (
    "DELETE FROM contact_count WHERE period_start = ? AND grain = ? AND service_id = ? AND channel_id = ? "
    "AND demand_type_id = ? AND segment_id IS ?"
)
# On PostgreSQL the keys are copied into a table of this transaction and deleted in one statement: one DELETE a
# key would cost a round trip each.
_KEYS_TABLE = (
    "CREATE TEMPORARY TABLE contact_keys (period_start date, grain text, service_id integer, channel_id integer, "
    "demand_type_id integer, segment_id integer) ON COMMIT DROP"
)
_DELETE_KEYS_POSTGRESQL = (
    "DELETE FROM contact_count AS c USING contact_keys AS k WHERE c.period_start = k.period_start "
    "AND c.grain = k.grain AND c.service_id = k.service_id AND c.channel_id = k.channel_id "
    "AND c.demand_type_id = k.demand_type_id AND c.segment_id IS NOT DISTINCT FROM k.segment_id"
)


def _delete_keys(connection: sa.Connection, rows: list[tuple[Any, ...]]) -> int:
    """Delete the counts kept under the rows' keys; how many there were."""
    raw: Any = connection.connection.driver_connection
    keys = [(row[0], row[1], row[3], row[4], row[5], row[6]) for row in rows]
    if connection.dialect.name == "sqlite":
        return int(raw.executemany(_DELETE_KEYS_SQLITE, keys).rowcount)
    with raw.cursor() as cursor:
        cursor.execute(_KEYS_TABLE)
        with cursor.copy("COPY contact_keys FROM STDIN") as copy:
            for key in keys:
                copy.write_row(key)
        cursor.execute(_DELETE_KEYS_POSTGRESQL)
        deleted = int(cursor.rowcount)
        cursor.execute("DROP TABLE contact_keys")
        return deleted


def _refuse_mixed_grains(connection: sa.Connection, first: dt.date, last: dt.date) -> None:
    """Refuse counts of one month, service, channel, type and segment kept at two grains (days and the month's
    total, say): the month would count them twice."""
    table = ContactCount.__table__  # type: ignore[attr-defined]
    within = table.c.period_start.between(first, last)
    grains = connection.execute(sa.select(table.c.grain).where(within).distinct().limit(2)).all()
    if len(grains) < 2:
        return
    keys = [table.c.month, table.c.service_id, table.c.channel_id, table.c.demand_type_id, table.c.segment_id]
    mixed = connection.execute(
        sa.select(*keys).where(within).group_by(*keys).having(sa.func.count(sa.distinct(table.c.grain)) > 1).limit(1)
    ).first()
    if mixed is None:
        return
    month, service, channel, kind = mixed[0], mixed[1], mixed[2], mixed[3]
    names = {}
    for listed, value in (("service", service), ("channel", channel), ("type", kind)):
        table_of: Any = {"service": DemandService, "channel": DemandChannel, "type": DemandType}[listed]
        names[listed] = connection.execute(sa.select(table_of.code).where(table_of.id == value)).scalar_one()
    detail = (
        f"{month_start(month):%B %Y} would hold counts of {names['service']}, {names['channel']}, "
        f"{names['type']} at two grains (a day, a week or a month), counting them twice: send them at the "
        "grain already kept, or load them again at one grain. Nothing was loaded."
    )
    raise Conflict(detail, [Problem("grains_mixed", detail, "file")])


def write_counts(connection: sa.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert the rows (in COLUMNS order, as the driver binds them) in one statement: COPY on PostgreSQL, one
    batched insert elsewhere; as the register import writes its rows."""
    dialect = connection.dialect
    raw: Any = connection.connection.driver_connection
    names = ", ".join(COLUMNS)
    try:
        if dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY contact_count ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(COLUMNS))
        raw.executemany(f"INSERT INTO contact_count ({names}) VALUES ({marks})", rows)  # noqa: S608 (constants)
    except dialect.loaded_dbapi.Error as error:
        # Past SQLAlchemy, so its wrapping is done here: a lock or a lost server is answered as any statement's.
        raise sa.exc.DBAPIError.instance(
            "INSERT INTO contact_count", None, error, dialect.loaded_dbapi.Error
        ) from error


def _sum_months(connection: sa.Connection, first: int, last: int) -> None:
    """Sum the counts of the months from `first` to `last` afresh into `contact_month`."""
    months = ContactMonth.__table__  # type: ignore[attr-defined]
    counts = ContactCount.__table__  # type: ignore[attr-defined]
    connection.execute(sa.delete(months).where(months.c.month.between(first, last)))
    # By the period's start, which leads the key's index, rather than by month, which has none.
    within = counts.c.period_start.between(month_start(first), month_start(last + 1) - dt.timedelta(days=1))
    keys = [counts.c.month, counts.c.service_id, counts.c.channel_id, counts.c.demand_type_id, counts.c.segment_id]
    summed = (
        sa.select(
            *keys,
            sa.func.sum(counts.c.count),
            sa.func.coalesce(sa.func.sum(counts.c.handling_minutes), 0),
            sa.func.sum(sa.case((counts.c.handling_minutes.is_(None), 0), else_=counts.c.count)),
        )
        .where(within)
        .group_by(*keys)
    )
    connection.execute(
        sa.insert(months).from_select(
            [
                "month",
                "service_id",
                "channel_id",
                "demand_type_id",
                "segment_id",
                "contacts",
                "handling_minutes",
                "timed_contacts",
            ],
            summed,
        )
    )


def import_contacts(
    *, session: Session, data: bytes, actor: Actor, file_name: str | None = None, progress: Progress | None = None
) -> ContactsLoaded:
    """Read a contact export and load it: every row, or none and every problem named."""
    require(session=session, actor=actor, action=Action.manage_demand)
    return load_contacts(
        session=session, sheet=read_contacts(data, file_name=file_name), actor=actor, progress=progress
    )
