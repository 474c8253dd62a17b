"""What the workbook imports read and answer, as plain values: no spreadsheet library is imported here.

The routes and pages name these when they are defined, at start-up; the readers (register_import,
cost_centres_import, budgets_import) bring openpyxl, python-calamine and lxml, and load with the first workbook read.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from benefits.errors import Problem
from benefits.models.finance import BudgetIn
from benefits.periods import Period

MAX_IMPORT_BYTES = 20 * 1024 * 1024


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


@dataclass
class CentreRow:
    """One row of the sheet: its number and what it says of one cost centre (None where the cell is blank)."""

    number: int
    code: str
    name: str | None = None
    budget_holder: str | None = None
    active: bool | None = None

    def fields(self) -> dict[str, Any]:
        """The fields of the cost centre the row sets (None: left as it is)."""
        return {"name": self.name, "budget_holder": self.budget_holder, "active": self.active}


@dataclass
class CentreSheet:
    """What a cost-centre workbook says, read with no session: its rows, and every problem found in its cells."""

    rows: list[CentreRow]
    problems: list[Problem]


@dataclass
class BudgetSheet:
    """A budget workbook's lines, read with no session, and the row of the workbook each came from."""

    budgets: list[BudgetIn]
    rows: list[int]
