"""Importing a benefits register from a workbook: everything applies, or nothing does and every bad cell is named.

Two layouts are read: the Benefits sheet of the business-case workbook this service writes (headings on row 4),
and the simpler template from `import_template` (headings on row 1). Columns are found by their headings; a row
with an Id updates that benefit of the initiative, a row without one adds a benefit at the opportunity stage.
A blank cell leaves the field (or the period) as it is. Stages are not imported: they move through their gates.
"""

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from benefits import audit, cause_models, cost_centres, ledger, register
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import MAX_ROW_ID, Quantity, utc_now
from benefits.errors import DomainError, InvalidInput, InvalidModel, Problem
from benefits.initiatives import get_initiative
from benefits.models import Benefit, BenefitCreate, BenefitUpdate, Initiative, ProfileEntry
from benefits.periods import Period, PeriodError, financial_year_of, parse_period, parse_period_for
from benefits.stages import Category, Confidence, RealisationRoute, Stage
from benefits.workbooks.cells import header_row, put_text, widths
from benefits.workbooks.import_budget import BudgetedReading, ImportBudget, refuse_macro_name, refuse_macros

MAX_IMPORT_BYTES = 20 * 1024 * 1024
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


class ImportResult(BaseModel):
    """What an import did."""

    created: int
    updated: int
    unchanged: int


@dataclass
class SheetRow:
    """One row of the sheet: its number, its Id, its fields and its periods' plan and actual."""

    number: int
    benefit_id: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


def open_workbook(data: bytes, reading: BudgetedReading | None = None) -> Workbook:
    """The workbook in `data`, or a clear refusal: too large, not a workbook, encrypted, linked, with macros."""
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
    try:
        (reading or BudgetedReading()).scan(archive)
    except DomainError:
        raise
    except Exception as error:  # lxml and zlib raise many kinds for damaged XML or a damaged member
        raise _refuse("not_a_workbook", "The file could not be read as an Excel workbook (.xlsx).") from error
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


@dataclass
class PeriodColumn:
    """A Plan or Actual column: its letter, its period as written, and the period that names."""

    letter: str
    written: str
    period: Period


@dataclass
class RegisterSheet:
    """A benefits register as read from a workbook, before the database is asked anything."""

    rows: list[SheetRow]
    periods: list[PeriodColumn]
    problems: list[Problem]


def read_register(data: bytes, *, file_name: str | None = None, budget: ImportBudget | None = None) -> RegisterSheet:
    """The register in a workbook, read as a stream under the import budget; no session, so no transaction held."""
    refuse_macro_name(file_name)
    reading = BudgetedReading(budget)
    book = open_workbook(data, reading)
    reading.check_time()
    # Worksheets only (a chartsheet has no rows); a damaged sheet is refused like any file that is no workbook.
    sheets = {sheet.title: sheet for sheet in book.worksheets}
    sheet = sheets.get("Benefits") or next(iter(sheets.values()), None)
    if sheet is None:
        raise _refuse("not_a_workbook", "The workbook has no worksheet.")
    try:
        sheet.reset_dimensions()  # read every row and column, whatever range the file declares
        return _read(reading.lines(sheet))
    except DomainError:
        raise
    except Exception as error:  # openpyxl and the XML parser raise many kinds for a damaged sheet
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.") from error


def _read(lines: Iterator[tuple[Any, ...]]) -> RegisterSheet:
    headings: list[str] = []
    written: list[str] = []
    number = 0
    for number, line in enumerate(lines, start=1):
        first = _text(getattr(line[0], "value", None)) if line else None
        if first is not None and first.lower() == "id":
            written = [_text(getattr(cell, "value", None)) or "" for cell in line]
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
        if not any(getattr(cell, "value", None) not in (None, "") for cell in line):
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse("too_many_rows", f"At most {MAX_ROWS:,} benefits at a time: split the workbook.")
        rows.append(_row(row_number, line, written, columns, periods, problems))
    return RegisterSheet(rows=rows, periods=period_columns, problems=problems)


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
        try:
            return plain_value(line[index]) if index < len(line) else None
        except ValueError as error:
            problems.append(Problem("value_invalid", str(error), f"{where}, {named}"))
            return None

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


def import_benefits(*, session: Session, initiative_id: int, data: bytes, actor: Actor) -> ImportResult:
    """Create and update the initiative's benefits from a workbook: all rows, or none and every problem named."""
    get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return apply_register(session=session, initiative_id=initiative_id, sheet=read_register(data), actor=actor)


def apply_register(*, session: Session, initiative_id: int, sheet: RegisterSheet, actor: Actor) -> ImportResult:
    """Apply a register already read (see `read_register`): all rows, or none and every problem named."""
    initiative = get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    rows, problems = sheet.rows, list(sheet.problems)
    _fit_periods(sheet, initiative.granularity, problems)
    existing = _existing(session=session, initiative=initiative, rows=rows, problems=problems)
    valuations = _valuations(session=session, initiative_id=initiative_id, rows=rows, problems=problems)
    created: list[tuple[Benefit, SheetRow]] = []
    changed: list[tuple[Benefit, dict[str, Any], SheetRow]] = []
    unchanged = 0
    centres = cost_centres.CodeChecker(session=session)
    for row in rows:
        where = f"row {row.number}"
        if not _listed_cost_centre(row, centres, existing.get(row.benefit_id or 0), problems, where):
            continue
        if row.benefit_id is None:
            benefit = _new_benefit(row, initiative, valuations, problems, where)
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


def _new_benefit(
    row: SheetRow,
    initiative: Initiative,
    valuations: dict[str, tuple[Decimal, Decimal, Decimal]],
    problems: list[Problem],
    where: str,
) -> Benefit | None:
    try:
        fields = BenefitCreate.model_validate(row.fields)
    except ValidationError as error:
        problems.extend(_validation_problems(error, where))
        return None
    benefit = Benefit.model_validate(fields, update={"initiative_id": initiative.id, "stage": Stage.opportunity})
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
    row: SheetRow, centres: cost_centres.CodeChecker, current: Benefit | None, problems: list[Problem], where: str
) -> bool:
    """Write the row's cost centre as listed (any case matches); False, with the problem, if it is not listed."""
    code = row.fields.get("cost_centre")
    if not code:
        return True
    problem = centres.problem(
        str(code), field=f"{where}, {HEADINGS['cost_centre']}", allow_inactive=current.cost_centre if current else None
    )
    if problem is not None:
        problems.append(problem)
        return False
    row.fields["cost_centre"] = cost_centres.normalised(str(code))
    return True


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


def _insert_benefits(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the new benefits in bulk and return their ids, in order."""
    if not rows:
        return []
    table = Benefit.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        # Ids drawn from the sequence first, then one plain batched insert: much faster there than RETURNING.
        drawn = session.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence('benefit', 'id')) FROM generate_series(1, :count)"),
            {"count": len(rows)},
        ).scalars()
        ids = [int(found) for found in drawn]
        session.execute(sa.insert(table), [row | {"id": found} for row, found in zip(rows, ids, strict=True)])
        return ids
    inserted = session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(found) for found in inserted.scalars()]


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
    new_ids = _insert_benefits(session, [benefit.model_dump(exclude={"id"}) for benefit, _ in created])

    def key(label: str) -> int:
        return _sort_key(parse_period_for(label, initiative.granularity))

    entries = [
        {"benefit_id": benefit_id, "period": label, "sort_key": key(label), "planned": plan, "actual": actual}
        for benefit_id, (_, row) in zip(new_ids, created, strict=True)
        for label, (plan, actual) in row.profile.items()
    ]  # fmt: skip
    if entries:
        session.execute(sa.insert(ProfileEntry.__table__), entries)  # type: ignore[attr-defined]
    audit.record_many(
        session=session, actor=actor, action="created", entity="benefit", initiative_id=initiative.id, reason=reason,
        changes=[
            (benefit_id, None, register.snapshot(benefit) | {"profile": {
                label: {"planned": plan, "actual": actual} for label, (plan, actual) in row.profile.items()}})
            for benefit_id, (benefit, row) in zip(new_ids, created, strict=True)
        ],
    )  # fmt: skip
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
