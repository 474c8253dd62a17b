"""Reading the list of cost centres from a workbook: headings Code, Name, Budget holder and Active on row 1.

Columns are found by their headings, in any order and case. A blank cell leaves that field of a listed cost centre
as it is. The file passes the register import's checks first (size, unpacked size, passwords, links to other files,
macros) and is read under the import budget (rows, cells, seconds).
"""

from collections.abc import Iterator
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import TypeAdapter, ValidationError

from benefits.columns import Name, ShortText
from benefits.errors import DomainError, InvalidInput, Problem
from benefits.models.finance import CentreCode
from benefits.workbooks import register_import
from benefits.workbooks.import_budget import BudgetedReading, ImportBudget, refuse_macro_name
from benefits.workbooks.register_import import FORMULA, open_workbook, plain_value
from benefits.workbooks.sheets import CentreRow, CentreSheet

SHEET = "Cost centres"
HEADINGS = ("Code", "Name", "Budget holder", "Active")
REQUIRED = ("Code", "Name")
YES = ("yes", "y", "true", "1", "active")
NO = ("no", "n", "false", "0", "inactive")

_CODE = TypeAdapter(CentreCode)
_NAME = TypeAdapter(Name)
_HOLDER = TypeAdapter(ShortText)


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


def read_cost_centres(
    content: bytes, *, file_name: str | None = None, budget: ImportBudget | None = None
) -> CentreSheet:
    """A cost-centre workbook's rows, read under the import budget, and every problem in its cells (no session).

    The file itself (too big, macros, no headings, unreadable) is refused here; problems in cells are returned, to be
    named with those only the list can find (a new code without a name) when the rows are applied.
    """
    refuse_macro_name(file_name)
    reading = BudgetedReading(budget)
    book = open_workbook(content, reading)
    reading.check_time()
    sheets = {sheet.title.lower(): sheet for sheet in book.worksheets}
    sheet = sheets.get(SHEET.lower()) or next(iter(sheets.values()), None)
    if sheet is None:
        raise _refuse("not_a_workbook", "The workbook has no worksheet.")
    try:
        sheet.reset_dimensions()  # read every row and column, whatever range the file declares
        return _read(reading.lines(sheet))
    except DomainError:
        raise
    except Exception as error:  # openpyxl and the XML parser raise many kinds for a damaged sheet
        raise _refuse("not_a_workbook", "The worksheet could not be read; save it again as .xlsx.") from error


def _columns(line: tuple[Any, ...]) -> tuple[dict[str, int], list[Problem]]:
    """Which column holds each heading; a heading written twice is a problem."""
    wanted = {heading.lower(): heading for heading in HEADINGS}
    found: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(line):
        value = getattr(cell, "value", None)
        heading = wanted.get(str(value).strip().lower()) if value is not None else None
        if heading is None:
            continue
        if heading in found:
            letter = get_column_letter(found[heading] + 1)
            where = f"column {get_column_letter(index + 1)}"
            problems.append(Problem("heading_repeated", f"'{heading}' is also column {letter}.", where))
            continue
        found[heading] = index
    missing = [heading for heading in REQUIRED if heading not in found]
    if missing:
        detail = f"Row 1 needs the headings {', '.join(HEADINGS)} (at least {' and '.join(REQUIRED)})."
        raise _refuse("headings_missing", detail)
    return found, problems


def _read(lines: Iterator[tuple[Any, ...]]) -> CentreSheet:
    first = next(lines, None)
    if first is None:
        raise _refuse("headings_missing", f"Row 1 needs the headings {', '.join(HEADINGS)}.")
    columns, problems = _columns(first)
    rows: list[CentreRow] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=2):
        if not any(getattr(cell, "value", None) not in (None, "") for cell in line):
            continue
        if len(rows) >= register_import.MAX_ROWS:
            raise _refuse("too_many_rows", f"At most {register_import.MAX_ROWS:,} cost centres at a time.")
        row = _row(number, line, columns, problems)
        if row is None:
            continue
        if row.code in seen:
            detail = f"{row.code} is also row {seen[row.code]} (codes are matched without regard to case)."
            problems.append(Problem("code_repeated", detail, f"row {number}, Code"))
            continue
        seen[row.code] = number
        rows.append(row)
    return CentreSheet(rows=rows, problems=problems)


def _row(number: int, line: tuple[Any, ...], columns: dict[str, int], problems: list[Problem]) -> CentreRow | None:
    """The row, or None when a cell of it is named in `problems` (once each: a bad row is not judged further)."""
    already = len(problems)
    values: dict[str, Any] = {}
    for heading, index in columns.items():
        where = f"row {number}, {heading}"
        try:
            value = plain_value(line[index]) if index < len(line) else None
        except ValueError as error:
            problems.append(Problem("value_invalid", str(error), where))
            continue
        if value is FORMULA:
            problems.append(Problem("value_invalid", "a formula: write the value itself", where))
            continue
        if value is None:
            continue
        try:
            values[heading] = _value(heading, value)
        except (ValueError, ValidationError) as error:
            problems.append(Problem("value_invalid", _message(error), where))
    if len(problems) > already:
        return None
    if "Code" not in values:
        problems.append(Problem("required", "Every row names a cost centre's code.", f"row {number}, Code"))
        return None
    return CentreRow(
        number=number,
        code=values["Code"],
        name=values.get("Name"),
        budget_holder=values.get("Budget holder"),
        active=values.get("Active"),
    )


def _value(heading: str, value: Any) -> Any:
    if heading == "Active":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError("write Yes or No")
    if not isinstance(value, str | int):
        raise ValueError("text is wanted here")
    text = str(value)
    if heading == "Code":
        return _CODE.validate_python(text)
    if heading == "Name":
        return _NAME.validate_python(text)
    return _HOLDER.validate_python(text) or None


def _message(error: ValueError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        item = error.errors(include_url=False)[0]
        if item["type"] == "string_pattern_mismatch":
            return "a code is letters, digits and - _ . / only"
        return str(item["msg"])
    return str(error)
