"""Reading budgets from a workbook: headings Cost centre, Year and Amount on row 1, one budget a row.

The file passes the register import's checks first (size, unpacked size, passwords, links to other files, macros)
and is read under the import budget (rows, cells, seconds). Each
row sets that cost centre's budget for that financial year; budgets the workbook does not name stay as they are.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from benefits.errors import InvalidInput, Problem
from benefits.models.finance import BudgetIn
from benefits.workbooks.import_budget import BudgetedReading, ImportBudget, refuse_macro_name
from benefits.workbooks.register_import import FORMULA, MAX_ROWS, open_workbook, plain_value
from benefits.workbooks.sheets import BudgetSheet

HEADINGS = ("Cost centre", "Year", "Amount")
_FIELDS = {"Cost centre": "cost_centre", "Year": "year", "Amount": "amount"}


def read_budgets(content: bytes, *, file_name: str | None = None, budget: ImportBudget | None = None) -> BudgetSheet:
    """Every budget line of the workbook, read under the import budget, or InvalidInput naming each bad cell."""
    refuse_macro_name(file_name)
    reading = BudgetedReading(budget)
    sheet = open_workbook(content, reading).worksheets[0]
    reading.check_time()
    sheet.reset_dimensions()  # read every row, whatever range the file declares
    lines = reading.lines(sheet)
    first = next(lines, ())
    columns = {str(cell.value).strip().lower(): index for index, cell in enumerate(first) if cell.value is not None}
    missing = [heading for heading in HEADINGS if heading.lower() not in columns]
    if missing:
        detail = f"Row 1 needs the headings {', '.join(HEADINGS)}; missing: {', '.join(missing)}."
        raise InvalidInput(detail, [Problem("headings_missing", detail, "file")])
    budgets: list[BudgetIn] = []
    rows: list[int] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=2):
        if not any(getattr(cell, "value", None) not in (None, "") for cell in line):
            continue
        if len(budgets) >= MAX_ROWS:
            detail = f"At most {MAX_ROWS:,} budgets at a time."
            raise InvalidInput(detail, [Problem("too_many_rows", detail, "file")])
        values: dict[str, Any] = {}
        for heading in HEADINGS:
            index = columns[heading.lower()]
            value = plain_value(line[index]) if index < len(line) else None
            where = f"row {number}, {heading}"
            if value is FORMULA:
                problems.append(Problem("value_invalid", "a formula: write the value itself", where))
            elif value is None:
                problems.append(Problem("required", "Fill this in.", where))
            else:
                values[_FIELDS[heading]] = _amount(value, where, problems) if heading == "Amount" else str(value)
        if len(values) < len(HEADINGS) or None in values.values():
            continue
        try:
            budgets.append(BudgetIn.model_validate(values))
            rows.append(number)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                heading = next((h for h, name in _FIELDS.items() if item["loc"] and name == item["loc"][0]), "Year")
                problems.append(Problem("value_invalid", item["msg"], f"row {number}, {heading}"))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the workbook; no budget was changed.", problems)
    return BudgetSheet(budgets=budgets, rows=rows)


def _amount(value: Any, where: str, problems: list[Problem]) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        problems.append(Problem("value_invalid", "a number of pounds, such as 250,000", where))
        return None
