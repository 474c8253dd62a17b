"""Importing a benefits register from a workbook: everything applies, or nothing does and every bad cell is named.

Two layouts are read: the Benefits sheet of the business-case workbook this service writes (headings on row 4),
and the simpler template from `import_template` (headings on row 1). Columns are found by their headings; a row
with an Id updates that benefit of the initiative, a row without one adds a benefit at the opportunity stage.
A blank cell leaves the field (or the period) as it is. Stages are not imported: they move through their gates.
"""

import gc
import io
import posixpath
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ConfigDict, TypeAdapter, ValidationError, create_model
from python_calamine import CalamineWorkbook
from sqlmodel import Session, col, select

from benefits import audit, cause_models, cost_centres, ledger, owners, register
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import MAX_ROW_ID, Quantity, utc_now
from benefits.errors import DomainError, InvalidInput, InvalidModel, Problem
from benefits.initiatives import get_initiative
from benefits.models import AuditEvent, Benefit, BenefitCreate, BenefitUpdate, Initiative, ProfileEntry
from benefits.periods import Period, PeriodError, financial_year_of, parse_period, parse_period_for
from benefits.stages import Category, Confidence, RealisationRoute, Stage
from benefits.workbooks.cells import header_row, put_text, widths
from benefits.workbooks.import_budget import (
    MAIN,
    BudgetedReading,
    ImportBudget,
    SheetScan,
    refuse_macro_name,
    refuse_macros,
)
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, ImportResult, PeriodColumn, RegisterSheet, SheetRow

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a workbook that inflates beyond this is refused (a "zip bomb")
MAX_ROWS = 25_000
MAX_PROBLEMS = 5_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx files and old .xls ones

# Heading (lower case) -> benefit field.
FIELDS = {
    "title": "title", "description": "description", "owner": "owner", "beneficiary": "beneficiary",
    "category": "category", "quantified": "quantified", "unit": "unit", "dis-benefit": "is_disbenefit",
    "route": "route", "cost centre": "cost_centre", "redeployment": "redeployment", "model node": "model_node",
    "estimate low": "estimate_low", "estimate likely": "estimate_likely", "estimate high": "estimate_high",
    "baseline": "baseline_value", "baseline date": "baseline_date", "target": "target_value",
    "target date": "target_date", "confidence": "confidence", "evidence": "evidence",
}  # fmt: skip
TEMPLATE_COLUMNS = ["Id", "Title", "Description", "Owner", "Beneficiary", "Category", "Unit", "Dis-benefit", "Route",
                    "Cost centre", "Redeployment", "Model node", "Estimate low", "Estimate likely", "Estimate high",
                    "Baseline", "Baseline date", "Target", "Target date", "Confidence", "Evidence"]  # fmt: skip


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


def checked_archive(data: bytes) -> zipfile.ZipFile:
    """The workbook's archive, or a clear refusal: too large, not a workbook, encrypted, linked, with macros."""
    if len(data) > MAX_IMPORT_BYTES:
        raise _refuse("file_too_large", f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MiB.")
    if data.startswith(OLE_MAGIC):
        raise _refuse("workbook_encrypted", "The workbook is password-protected (or an old .xls): save it as .xlsx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise _refuse("not_a_workbook", "The file is not an Excel workbook (.xlsx).") from error
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise _refuse("file_too_large", "The workbook unpacks to more than 200 MiB.")
    if any("externallink" in member.filename.lower() for member in members):
        raise _refuse("external_links", "The workbook links to other files; break the links and save it again.")
    try:
        refuse_macros(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:  # a damaged member
        raise _refuse("not_a_workbook", "The file is not an Excel workbook (.xlsx).") from error
    return archive


def _scanned(archive: zipfile.ZipFile, reading: BudgetedReading, sheet: str | None = None) -> SheetScan | None:
    try:
        return reading.scan(archive, sheet=sheet)
    except DomainError:
        raise
    except Exception as error:  # lxml and zlib raise many kinds for damaged XML or a damaged member
        raise _refuse("not_a_workbook", "The file could not be read as an Excel workbook (.xlsx).") from error


def open_workbook(data: bytes, reading: BudgetedReading | None = None) -> Workbook:
    """The workbook in `data`, or a clear refusal: too large, not a workbook, encrypted, linked, with macros."""
    archive = checked_archive(data)
    _scanned(archive, reading or BudgetedReading())
    try:
        # Formulas as formulas: an import takes what people typed, never a formula's saved result (a what-if).
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise _refuse("not_a_workbook", "The file could not be read as an Excel workbook (.xlsx).") from error


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(str(value).replace(",", "").replace("£", "").strip())
    except InvalidOperation as error:
        raise ValueError("not a number") from error


def _cell(name: str, value: Any) -> Any:
    """A cell's value as the field expects it (validation then checks it)."""
    if name in ("is_disbenefit", "quantified"):
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "y"):
            return True
        if text in ("no", "false", "0", "n"):
            return False
        raise ValueError("write Yes or No")
    if name in ("baseline_date", "target_date"):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value).strip())
    if name in ("estimate_low", "estimate_likely", "estimate_high", "baseline_value", "target_value"):
        return _amount(value)
    if isinstance(value, bool | datetime | date):
        raise ValueError("text is wanted here")
    return _text(value)


FORMULA = object()  # a cell holding a formula: its saved result is never imported, the field is left as it is


def plain_value(cell: Any) -> Any:
    """A cell's value for the import: None when blank (spaces too), FORMULA for a formula, else the value."""
    value = getattr(cell, "value", None)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return FORMULA
    if kind == "e":
        raise ValueError(f"a spreadsheet error ({value}), not a value")
    return value


PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_XML = etree.XMLParser(resolve_entities=False, no_network=True)


def _relations(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, the target's part name)."""
    folder, name = posixpath.split(part)
    listed = etree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")), _XML)
    found = {}
    for relation in listed.iter(PACKAGE):
        target = relation.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[relation.get("Id", "")] = (relation.get("Type", ""), path)
    return found


def register_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The sheet a register is read from, by name and part: the worksheet named Benefits, else the first one."""
    try:
        book = next(path for kind, path in _relations(archive, "").values() if kind.endswith("/officeDocument"))
        relations = _relations(archive, book)
        sheets = [
            (sheet.get("name", ""), relations.get(sheet.get(RELATION, ""), ("", ""))) for sheet in
            etree.fromstring(archive.read(book), _XML).iter(f"{MAIN}sheet")
        ]  # fmt: skip
    except Exception as error:  # a missing part, damaged XML: lxml and zipfile raise many kinds
        raise _refuse("not_a_workbook", "The file could not be read as an Excel workbook (.xlsx).") from error
    # Worksheets only (a chartsheet has no rows).
    worksheets = [(name, path) for name, (kind, path) in sheets if kind.endswith("/worksheet")]
    if not worksheets:
        raise _refuse("not_a_workbook", "The workbook has no worksheet.")
    return next((sheet for sheet in worksheets if sheet[0] == "Benefits"), worksheets[0])


class CellError(str):
    """A cell showing a spreadsheet error (#DIV/0!, #REF! ...): never a value."""


_PAUSED = {"imports": 0, "was_enabled": False}  # imports under way in this process, and the collector's state before
_PAUSING = threading.Lock()


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while an import reads, checks and writes its rows, then as it was.

    A large register keeps a million small objects alive at once (cells, rows, checked fields, audit snapshots), few
    of them in cycles: each full collection walks them all, and a 20,000-row import spent a quarter of its processor
    time there. Reference counting still frees them; any cycles are collected once the last import ends.
    """
    with _PAUSING:
        if _PAUSED["imports"] == 0:
            _PAUSED["was_enabled"] = gc.isenabled()
            gc.disable()
        _PAUSED["imports"] += 1
    try:
        yield
    finally:
        with _PAUSING:
            _PAUSED["imports"] -= 1
            if _PAUSED["imports"] == 0 and _PAUSED["was_enabled"]:
                gc.enable()


@_cycle_collection_paused()
def read_register(data: bytes, *, file_name: str | None = None, budget: ImportBudget | None = None) -> RegisterSheet:
    """The register in a workbook, read under the import budget; no session, so no transaction held.

    The sheet is scanned as a stream first (its size, and which cells hold formulas or errors), and only a sheet
    within the budget is loaded, by a fast reader that returns the cells' values.
    """
    refuse_macro_name(file_name)
    reading = BudgetedReading(budget)
    archive = checked_archive(data)
    name, part = register_sheet(archive)
    scan = _scanned(archive, reading, part)
    reading.check_time()
    if scan is None:  # the workbook names a sheet it does not hold
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.")
    try:
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:  # the reader raises many kinds for a damaged sheet
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.") from error
    reading.check_time()
    return _read(_lines(grid, scan, reading))


def _lines(grid: list[list[Any]], scan: SheetScan, reading: BudgetedReading) -> Iterator[tuple[Any, ...] | None]:
    """The sheet's rows as import values (None for blank, FORMULA, a CellError, or the value); None for an empty row.

    The reader gives every cell's value, a formula's saved result too: the scan says which cells are formulas.
    """
    marks = scan.marks
    for number, cells in enumerate(grid, start=1):
        if number % 512 == 0:
            reading.check_time()
        line = []
        filled = False
        for column, value in enumerate(cells, start=1):
            if marks and (number, column) in marks:
                mark = marks[(number, column)]
                line.append(FORMULA if mark is None else CellError(mark))
                filled = True
                continue
            if value == "":
                line.append(None)
                continue
            filled = True  # text of spaces only fills the row, though the cell reads as blank
            if isinstance(value, str):
                line.append(value if value.strip() else None)
            elif isinstance(value, float) and value.is_integer():
                line.append(int(value))  # a spreadsheet keeps numbers as doubles: 42 is written 42
            else:
                line.append(value)
        yield tuple(line) if filled else None
    reading.check_time()


def _read(lines: Iterator[tuple[Any, ...] | None]) -> RegisterSheet:
    headings: list[str] = []
    written: list[str] = []
    number = 0
    for number, line in enumerate(lines, start=1):
        first = _heading(line[0]) if line else ""
        if first.lower() == "id":
            written = [_heading(value) for value in line or ()]
            headings = [heading.lower() for heading in written]
            break
        if number >= 10:
            break
    if not headings:
        raise _refuse("headings_missing", "No row of headings starting with 'Id' in the first ten rows.")
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    periods: dict[int, tuple[str, str]] = {}
    period_columns: list[PeriodColumn] = []
    seen: dict[str, int] = {}
    for index, heading in enumerate(headings):
        letter = get_column_letter(index + 1)
        if heading and heading in seen:
            problems.append(Problem("heading_repeated", f"'{written[index]}' is also column "
                                    f"{get_column_letter(seen[heading] + 1)}.", f"column {letter}"))  # fmt: skip
            continue
        seen[heading] = index
        if heading in FIELDS:
            columns[index] = FIELDS[heading]
        elif heading.startswith(("plan ", "actual ")):
            kind, _, label = written[index].partition(" ")
            label = label.strip().replace(" q", " Q")
            try:
                # Whether a year or a quarter is wanted depends on the initiative: checked when applied.
                period = parse_period(label)
            except PeriodError as error:
                problems.append(Problem("period_invalid", str(error), f"column {letter}"))
                continue
            periods[index] = (kind.lower(), period.label)
            period_columns.append(PeriodColumn(letter=letter, written=label, period=period))
    rows: list[SheetRow] = []
    for row_number, line in enumerate(lines, start=number + 1):
        if line is None:
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse("too_many_rows", f"At most {MAX_ROWS:,} benefits at a time: split the workbook.")
        rows.append(_row(row_number, line, written, columns, periods, problems))
    return RegisterSheet(rows=rows, periods=period_columns, problems=problems)


def _heading(value: Any) -> str:
    """A heading as written; a formula's saved text is not read, so such a heading names nothing."""
    return "" if value is FORMULA else _text(value) or ""


def _fit_periods(sheet: RegisterSheet, granularity: Any, problems: list[Problem]) -> None:
    """Drop, and name, the Plan and Actual columns of years where the initiative profiles by quarter (or back)."""
    refused: set[str] = set()
    for column in sheet.periods:
        try:
            parse_period_for(column.written, granularity)
        except PeriodError as error:
            problems.append(Problem("period_invalid", str(error), f"column {column.letter}"))
            refused.add(column.period.label)
    for row in sheet.rows if refused else []:
        for label in refused:
            row.profile.pop(label, None)


_AMOUNT = TypeAdapter(Quantity)


def _amount(value: Any) -> Decimal:
    """An amount as the register keeps it: a finite number within bounds, rounded to the stored precision."""
    try:
        return _AMOUNT.validate_python(_number(value))
    except (ValidationError, ArithmeticError) as error:
        raise ValueError("not a number within +/- 1e12") from error


def _row(
    number: int,
    line: tuple[Any, ...],
    headings: list[str],
    columns: dict[int, str],
    periods: dict[int, tuple[str, str]],
    problems: list[Problem],
) -> SheetRow:
    where = f"row {number}"

    def cell(index: int, named: str) -> Any:
        value = line[index] if index < len(line) else None
        if isinstance(value, CellError):
            problems.append(
                Problem("value_invalid", f"a spreadsheet error ({value}), not a value", f"{where}, {named}")
            )
            return None
        return value

    benefit_id = None
    raw_id = cell(0, "Id")
    if raw_id is not None and raw_id is not FORMULA:
        try:
            whole = _number(raw_id)
            if whole != whole.to_integral_value() or not 1 <= whole <= MAX_ROW_ID:
                raise ValueError("not a whole number in range")
            benefit_id = int(whole)
        except (ValueError, ArithmeticError):
            problems.append(
                Problem("id_invalid", "The Id is a benefit's number, or blank for a new one.", f"{where}, Id")
            )
    row = SheetRow(number=number, benefit_id=benefit_id)
    for index, name in columns.items():
        value = cell(index, headings[index])
        if value is None or value is FORMULA:
            continue
        try:
            row.fields[name] = _cell(name, value)
        except (ValueError, ArithmeticError) as error:
            problems.append(Problem("value_invalid", str(error), f"{where}, {headings[index]}"))
    for index, (kind, label) in periods.items():
        value = cell(index, headings[index])
        if value is None or value is FORMULA:
            continue
        try:
            amount = _amount(value)
        except ValueError as error:
            problems.append(Problem("value_invalid", str(error), f"{where}, {headings[index]}"))
            continue
        plan, actual = row.profile.get(label, (None, None))
        row.profile[label] = (amount, actual) if kind == "plan" else (plan, amount)
    return row


def _validation_problems(error: ValidationError, where: str) -> list[Problem]:
    return [
        Problem(item["type"], item["msg"], f"{where}, {HEADINGS.get(str(item['loc'][0]), item['loc'][0])}")
        if item["loc"]
        else Problem(item["type"], item["msg"], where)
        for item in error.errors(include_url=False)
    ]


Progress = Callable[[int, int], None]
"""Told (rows done, rows in all) as an import goes; rows in all is 0 while not yet known."""

PROGRESS_EVERY = 1_000  # rows between two reports of progress


@_cycle_collection_paused()
def import_benefits(
    *, session: Session, initiative_id: int, data: bytes, actor: Actor, progress: Progress | None = None
) -> ImportResult:
    """Create and update the initiative's benefits from a workbook: all rows, or none and every problem named."""
    get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    if progress is not None:
        progress(0, 0)
    sheet = read_register(data)
    return apply_register(session=session, initiative_id=initiative_id, sheet=sheet, actor=actor, progress=progress)


@_cycle_collection_paused()
def apply_register(
    *, session: Session, initiative_id: int, sheet: RegisterSheet, actor: Actor, progress: Progress | None = None
) -> ImportResult:
    """Apply a register already read (see `read_register`): all rows, or none and every problem named.

    `progress`, if given, is told (rows checked, rows in all) as the rows are checked, and (all, all) once written.
    """
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    rows, problems = sheet.rows, list(sheet.problems)
    total = len(rows)
    _fit_periods(sheet, initiative.granularity, problems)
    existing = _existing(session=session, initiative=initiative, rows=rows, problems=problems)
    valuations = _valuations(session=session, initiative_id=initiative_id, rows=rows, problems=problems)
    created: list[tuple[Benefit, SheetRow]] = []
    changed: list[tuple[Benefit, dict[str, Any], SheetRow]] = []
    unchanged = 0
    centres = cost_centres.CodeChecker(session=session)
    # Each row's cost centre first (it is written as listed), so that the new rows are validated in one call.
    refused: dict[int, list[Problem]] = {}  # rows whose cost centre or owner names nothing listed
    listed: set[tuple[str, str | None]] = set()
    directory = owners.Directory(session=session, typed=(str(row.fields.get("owner") or "") for row in rows))
    for row in rows:
        found: list[Problem] = []
        _listed_cost_centre(row, centres, existing.get(row.benefit_id or 0), found, f"row {row.number}", listed)
        _named_owner(row, directory, found, f"row {row.number}")
        if found:
            refused[row.number] = found
    validated = _validated([row for row in rows if row.benefit_id is None and row.number not in refused])
    defaults = _new_defaults(initiative)
    for done, row in enumerate(rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        where = f"row {row.number}"
        if row.number in refused:
            problems.extend(refused[row.number])
            continue
        if row.benefit_id is None:
            benefit = _new_benefit(validated[row.number], defaults, row, valuations, problems, where)
            if benefit is not None:
                created.append((benefit, row))
            continue
        current = existing.get(row.benefit_id)
        if current is None:
            continue  # already reported
        before = register.snapshot(current) | {"profile": _profile_of(current)}
        try:
            # The same rules as the API: past planned the route is finance's, and confirmed money stays put.
            sent = {name: row.fields[name] for name in register.ROUTE_FIELDS if name in row.fields}
            register.refuse_route_change(session=session, benefit=current, sent=sent, actor=actor)
        except DomainError as error:
            problems.extend(_located(error, where))
            continue
        if _update_benefit(current, before, row, valuations, problems, where):
            changed.append((current, before, row))
        else:
            unchanged += 1
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise InvalidInput(
            f"{len(problems):,} problem(s) in the workbook; nothing was imported.", problems[:MAX_PROBLEMS]
        )
    _save(session=session, initiative=initiative, created=created, changed=changed, actor=actor)
    if progress is not None:
        progress(total, total)
    return ImportResult(created=len(created), updated=len(changed), unchanged=unchanged)


def _existing(
    *, session: Session, initiative: Initiative, rows: list[SheetRow], problems: list[Problem]
) -> dict[int, Benefit]:
    wanted: dict[int, int] = {}
    for row in rows:
        if row.benefit_id is None:
            continue
        if row.benefit_id in wanted:
            problems.append(Problem("id_repeated", f"Benefit {row.benefit_id} is also row {wanted[row.benefit_id]}.",
                                    f"row {row.number}, Id"))  # fmt: skip
        wanted.setdefault(row.benefit_id, row.number)
    found: dict[int, Benefit] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 1000):
        batch = session.exec(
            select(Benefit)
            .where(col(Benefit.id).in_(ids[start : start + 1000]), Benefit.initiative_id == initiative.id)
            .options(*register.loaded_relations())
            .with_for_update(of=Benefit)
        ).all()
        found.update({benefit.id or 0: benefit for benefit in batch})
    for benefit_id, number in wanted.items():
        if benefit_id not in found:
            problems.append(
                Problem("unknown_benefit", f"No benefit {benefit_id} in this initiative.", f"row {number}, Id")
            )
        elif found[benefit_id].withdrawn:
            problems.append(Problem("benefit_withdrawn", "A withdrawn benefit no longer changes.", f"row {number}, Id"))
    return found


def _valuations(
    *, session: Session, initiative_id: int, rows: list[SheetRow], problems: list[Problem]
) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """P10/P50/P90 of every node the sheet names, from one simulation, as `register` values benefits."""
    nodes = sorted({str(row.fields["model_node"]) for row in rows if row.fields.get("model_node")})
    if not nodes:
        return {}
    stored = cause_models.get_model(session=session, initiative_id=initiative_id)
    try:
        checked = cause_models.checked_model(stored)
        known = [node for node in nodes if node in checked.nodes and checked.nodes[node].kind.quantitative]
        return cause_models.valuations_of(checked, known)
    except InvalidModel as error:
        problems.extend(error.problems)
        return {}


def _profile_of(benefit: Benefit) -> dict[str, Any]:
    return {entry.period: {"planned": entry.planned, "actual": entry.actual} for entry in benefit.profile}


def _value(benefit: Benefit, row: SheetRow, valuations: dict[str, tuple[Decimal, Decimal, Decimal]],
           problems: list[Problem], where: str) -> None:  # fmt: skip
    node = row.fields.get("model_node")
    if node is None:
        return
    if node not in valuations:
        problems.append(
            Problem("unknown_node", f"{node} is not a node with a value in the model.", f"{where}, Model node")
        )
        return
    benefit.estimate_low, benefit.estimate_likely, benefit.estimate_high = valuations[node]


# BenefitCreate's fields and rules as a plain pydantic model: validating many rows at once skips SQLModel's own
# initialisation of each, and refuses exactly what BenefitCreate refuses.
_BenefitRow = create_model(
    "BenefitRow",
    __config__=ConfigDict(extra="forbid"),
    **{name: (info.annotation, info) for name, info in BenefitCreate.model_fields.items()},  # type: ignore[call-overload]
)
_NEW_BENEFITS = TypeAdapter(list[_BenefitRow])
_BENEFIT_STATE = sa.orm.instrumentation.manager_of_class(Benefit)
_STORED = [name for name in Benefit.model_fields if name != "id"]  # what a new benefit's row is written with


def _validated(rows: list[SheetRow]) -> dict[int, dict[str, Any] | ValidationError]:
    """The new rows' fields validated in one call, by row number; a row that fails keeps its own error."""
    try:
        checked = _NEW_BENEFITS.validate_python([row.fields for row in rows])
        return {row.number: dict(fields.__dict__) for row, fields in zip(rows, checked, strict=True)}
    except ValidationError:
        pass
    found: dict[int, dict[str, Any] | ValidationError] = {}
    for row in rows:  # some row fails: validate each, so each row's problems are its own
        try:
            found[row.number] = dict(_BenefitRow.model_validate(row.fields).__dict__)
        except ValidationError as error:
            found[row.number] = error
    return found


def _new_defaults(initiative: Initiative) -> dict[str, Any]:
    """What a new benefit holds beyond the fields sent: its initiative, stage, version and times (one for all)."""
    now = utc_now()
    stored = {name: info.get_default(call_default_factory=False) for name, info in Benefit.model_fields.items()
              if name not in BenefitCreate.model_fields}  # fmt: skip
    return stored | {"initiative_id": initiative.id, "stage": Stage.opportunity, "created_at": now, "updated_at": now}


def _new_benefit(
    fields: dict[str, Any] | ValidationError,
    defaults: dict[str, Any],
    row: SheetRow,
    valuations: dict[str, tuple[Decimal, Decimal, Decimal]],
    problems: list[Problem],
    where: str,
) -> Benefit | None:
    if isinstance(fields, ValidationError):
        problems.extend(_validation_problems(fields, where))
        return None
    # Built from values already validated, as a benefit in no session: the rules below read it, the save dumps it.
    benefit = Benefit.model_construct(**defaults, **fields)
    _BENEFIT_STATE.setup_instance(benefit)
    if _typed_over_model(benefit, set(row.fields), problems, where):
        return None
    _value(benefit, row, valuations, problems, where)
    try:
        register.check_benefit(benefit, stage_bar=False)
    except DomainError as error:
        problems.extend(_located(error, where))
        return None
    return benefit


def _update_benefit(
    benefit: Benefit,
    before: dict[str, Any],
    row: SheetRow,
    valuations: dict[str, tuple[Decimal, Decimal, Decimal]],
    problems: list[Problem],
    where: str,
) -> bool:
    """Apply the row to the benefit; whether anything changed."""
    try:
        changes = BenefitUpdate.model_validate(row.fields).model_dump(exclude_unset=True)
    except ValidationError as error:
        problems.extend(_validation_problems(error, where))
        return False
    # Only what differs counts as sent: an export carries every column, changed or not.
    changes = {name: value for name, value in changes.items() if getattr(benefit, name) != value}
    for name, value in changes.items():
        setattr(benefit, name, value)
    if _typed_over_model(benefit, set(changes), problems, where):
        return False
    if "model_node" in changes:
        _value(benefit, row, valuations, problems, where)
    _apply_profile(benefit, row)
    after = register.snapshot(benefit) | {"profile": _profile_of(benefit)}
    if audit.jsonable(after) == audit.jsonable(before):
        return False
    try:
        register.check_benefit(benefit, check_unit=bool({"unit", "category"} & set(changes)))
        register.keep_money_where_confirmed(benefit, before)
    except DomainError as error:
        problems.extend(_located(error, where))
    return True


def _listed_cost_centre(
    row: SheetRow,
    centres: cost_centres.CodeChecker,
    current: Benefit | None,
    problems: list[Problem],
    where: str,
    centres_listed: set[tuple[str, str | None]],
) -> bool:
    """Write the row's cost centre as listed (any case matches); False, with the problem, if it is not listed.

    `centres_listed` holds the (code, code the benefit named before) pairs already found listed.
    """
    code = row.fields.get("cost_centre")
    if not code:
        return True
    allowed = current.cost_centre if current else None
    if (str(code), allowed) not in centres_listed:  # a department's register names few codes, many times each
        problem = centres.problem(str(code), field=f"{where}, {HEADINGS['cost_centre']}", allow_inactive=allowed)
        if problem is not None:
            problems.append(problem)
            return False
        centres_listed.add((str(code), allowed))
    row.fields["cost_centre"] = cost_centres.normalised(str(code))
    return True


def _named_owner(row: SheetRow, directory: owners.Directory, problems: list[Problem], where: str) -> None:
    """Write the row's owner as the person it names (by name or e-mail, any case), with their id; or the problem."""
    if "owner" not in row.fields:
        return
    typed = row.fields["owner"]
    if typed is None or not owners.plain(str(typed)):
        row.fields["owner"] = row.fields["owner_id"] = None
        return
    found = directory.pair(str(typed))
    if found is None:
        problems.append(owners.unknown(str(typed), f"{where}, {HEADINGS['owner']}"))
        return
    row.fields["owner"], row.fields["owner_id"] = found


ESTIMATES = ("estimate_low", "estimate_likely", "estimate_high")


def _typed_over_model(benefit: Benefit, sent: set[str], problems: list[Problem], where: str) -> bool:
    """A benefit valued by a model node takes its estimates from the model, as the API insists."""
    typed = [name for name in ESTIMATES if name in sent]
    if benefit.model_node is None or not typed:
        return False
    for name in typed:
        problems.append(Problem("estimate_from_model", f"The estimate comes from {benefit.model_node}.",
                                f"{where}, {HEADINGS[name]}"))  # fmt: skip
    return True


def _apply_profile(benefit: Benefit, row: SheetRow) -> None:
    entries = {entry.period: entry for entry in benefit.profile}
    for label, (plan, actual) in row.profile.items():
        entry = entries.get(label)
        if entry is None:
            period = parse_period_for(label, benefit.initiative.granularity)
            entry = ProfileEntry(benefit_id=benefit.id or 0, period=label, sort_key=_sort_key(period))
            benefit.profile.append(entry)
        if plan is not None:
            entry.planned = plan
        if actual is not None:
            entry.actual = actual


def _sort_key(period: Period) -> int:
    return period.start_year * 10 + (period.quarter or 0)


HEADINGS = {name: heading.capitalize() for heading, name in FIELDS.items()}


def _located(error: DomainError, where: str) -> list[Problem]:
    """A domain refusal of one row, its fields named by the sheet's headings."""
    located = [
        Problem(p.code, p.detail, f"{where}, {HEADINGS.get(p.field, p.field)}" if p.field else where, p.node)
        for p in error.problems
    ]
    return located or [Problem(error.code, error.detail, where)]


def _write_rows(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert the rows in one statement: COPY on PostgreSQL, one batched insert elsewhere."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    insert = sa.insert(table).compile(dialect=dialect, column_keys=names)
    if dialect.name != "postgresql":
        names = list(insert.positiontup or names)  # the order the driver's placeholders stand in
    # Each value as the column's type binds it (scaled decimals, enums as text, JSON, times), so the driver is
    # handed what an INSERT through SQLAlchemy would hand it, without its work per row.
    binders = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names}
    bound = [(index, binder) for index, binder in enumerate(binders.values()) if binder is not None]

    take = itemgetter(*names)

    def values(row: dict[str, Any]) -> list[Any]:
        line = list(take(row)) if len(names) > 1 else [row[names[0]]]
        for index, binder in bound:
            line[index] = binder(line[index])
        return line

    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    raw: Any = connection.connection.driver_connection
    statement = f"COPY {table.name} ({quoted}) FROM STDIN" if dialect.name == "postgresql" else str(insert)
    try:
        if dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        raw.executemany(statement, [values(row) for row in rows])
    except dialect.loaded_dbapi.Error as error:
        # Past SQLAlchemy, so its wrapping is done here: a lock or a lost server is then answered as any other
        # statement's would be (503, 409), not as an unexpected error.
        raise sa.exc.DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error


def _insert_benefits(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the new benefits in bulk and return their ids, in order."""
    if not rows:
        return []
    table = Benefit.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        # Ids drawn from the sequence first, then one COPY: much faster there than an INSERT returning them.
        drawn = session.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence('benefit', 'id')) FROM generate_series(1, :count)"),
            {"count": len(rows)},
        ).scalars()
        ids = [int(found) for found in drawn]
        _write_rows(session, table, [{"id": found} | row for row, found in zip(rows, ids, strict=True)])
        return ids
    # SQLite returns ids one statement per row; one insert of them all takes the write lock with its first row, so
    # no other writer comes between them, and AUTOINCREMENT gives them the ids after the last one ever used.
    _write_rows(session, table, rows)
    # On the connection, not the session: a session would flush the changed rows first, and its inserts would move
    # the last id.
    connection = session.connection()
    last = int(connection.execute(sa.text("SELECT last_insert_rowid()")).scalar_one())
    ids = list(range(last - len(rows) + 1, last + 1))
    initiative_id = rows[0]["initiative_id"]
    mine = connection.execute(
        sa.select(sa.func.count()).where(table.c.id.between(ids[0], last), table.c.initiative_id == initiative_id)
    ).scalar_one()
    if mine != len(rows):  # never seen: the ids are not one run, so they cannot be told apart; write nothing
        raise RuntimeError("The new benefits' ids are not one run; nothing was imported.")
    return ids


def _save(
    *,
    session: Session,
    initiative: Initiative,
    created: list[tuple[Benefit, SheetRow]],
    changed: list[tuple[Benefit, dict[str, Any], SheetRow]],
    actor: Actor,
) -> None:
    """Write the rows: new benefits, their profiles and their events in bulk statements; changes through the ORM.

    Bulk statements skip the ORM's flush, so the finance ledger of the new benefits is rebuilt here.
    """
    reason = "Imported from a workbook"
    # Each new benefit's columns as it stands after the checks (which may fill its route and estimates).
    stored = [{name: vars(benefit)[name] for name in _STORED} for benefit, _ in created]
    new_ids = _insert_benefits(session, stored)
    keys: dict[str, int] = {}

    def key(label: str) -> int:
        if label not in keys:
            keys[label] = _sort_key(parse_period_for(label, initiative.granularity))
        return keys[label]

    entries = [
        {"benefit_id": benefit_id, "period": label, "sort_key": key(label), "planned": plan, "actual": actual}
        for benefit_id, (_, row) in zip(new_ids, created, strict=True)
        for label, (plan, actual) in row.profile.items()
    ]  # fmt: skip
    _write_rows(session, ProfileEntry.__table__, entries)  # type: ignore[attr-defined]
    _write_rows(session, AuditEvent.__table__, audit.event_rows(  # type: ignore[attr-defined]
        actor=actor, action="created", entity="benefit", initiative_id=initiative.id, reason=reason,
        changes=[
            (benefit_id, None, {name: values[name] for name in register.EDITABLE} | {"profile": {
                label: {"planned": plan, "actual": actual} for label, (plan, actual) in row.profile.items()}})
            for benefit_id, values, (_, row) in zip(new_ids, stored, created, strict=True)
        ],
    ))  # fmt: skip
    ledger.refresh(connection=session.connection(), benefit_ids=new_ids)
    events: list[tuple[int, dict[str, Any] | None, dict[str, Any] | None]] = []
    for benefit, before, _ in changed:
        old, new = audit.changed_fields(
            audit.jsonable(before), audit.jsonable(register.snapshot(benefit) | {"profile": _profile_of(benefit)})
        )
        benefit.updated_at = utc_now()
        events.append((benefit.id or 0, old, new))
    session.flush()
    audit.record_many(session=session, actor=actor, action="updated", entity="benefit", initiative_id=initiative.id,
                      changes=events, reason=reason)  # fmt: skip


def import_template() -> bytes:
    """The simpler import template: one row of headings, lists for the coded columns, and notes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Benefits"
    this_year = financial_year_of(date.today()).start_year
    years = [Period(this_year + offset).label for offset in range(5)]
    headings = [*TEMPLATE_COLUMNS, *(f"Plan {label}" for label in years), *(f"Actual {label}" for label in years)]
    header_row(sheet, 1, headings)
    for heading, options in (
        ("Category", [c.value for c in Category]),
        ("Route", [r.value for r in RealisationRoute]),
        ("Confidence", [c.value for c in Confidence]),
        ("Dis-benefit", ["Yes", "No"]),
    ):
        letter = get_column_letter(1 + headings.index(heading))
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "C2"
    widths(sheet, {2: 40, 3: 40}, default=14, last=len(headings))
    notes = book.create_sheet("Notes")
    lines = [
        "Fill one row per benefit. Leave Id blank to add a benefit; write a benefit's Id to change it.",
        "A blank cell leaves that field or period as it is.",
        "Stages are not imported: benefits move through their gates.",
        "Plan and Actual columns are by financial year (or quarter, 'Plan 2026-27 Q1', for initiatives by quarter).",
        "Everything applies, or nothing does: the answer names every row and column that needs fixing.",
        f"At most {MAX_ROWS:,} rows and {MAX_IMPORT_BYTES // 2**20} MiB; no password, no links to other files.",
    ]
    for index, line in enumerate(lines, start=1):
        put_text(notes, index, 1, line)
    widths(notes, {1: 120})
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
