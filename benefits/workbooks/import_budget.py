"""The budget every workbook import is read under: rows (empty ones too), cells and seconds; and macros refused.

A workbook is a zip: a few hundred kilobytes can unpack to millions of empty rows. Reading it as a stream and
stopping at the first limit passed keeps an import's time and memory bounded whatever the file declares, and the
refusal says which limit was passed and how to get under it (split the file).
"""

import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from benefits.errors import InvalidInput, Problem
from benefits.settings import get_settings

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_CELLS = 2_000_000
DEFAULT_MAX_SECONDS = 60.0

MAX_COLUMNS = 16_384  # Excel's widest row, A to XFD: no row a spreadsheet saves has more cells
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# What the scan counts (rows, cells, shared strings) and where it may stop (a declared size, the end of the data).
_SCANNED = tuple(MAIN + name for name in ("dimension", "sheetData", "row", "c", "si"))

MACRO_NAMES = (".xlsm", ".xltm", ".xlam")
MACRO_CONTENT = b"macroenabled"  # in the content type of every macro-enabled main part (.main+xml)
_SAVE_WITHOUT_MACROS = (
    "The workbook holds macros: save it as an Excel Workbook (.xlsx), without macros, and upload that."
)


@dataclass(frozen=True)
class ImportBudget:
    """How much of a workbook one import reads before refusing it: rows, cells and seconds."""

    rows: int = DEFAULT_MAX_ROWS
    cells: int = DEFAULT_MAX_CELLS
    seconds: float = DEFAULT_MAX_SECONDS


def import_budget() -> ImportBudget:
    """The budget in force: BENEFITS_IMPORT_MAX_ROWS, _CELLS and _SECONDS."""
    settings = get_settings()
    return ImportBudget(
        rows=settings.import_max_rows, cells=settings.import_max_cells, seconds=settings.import_max_seconds
    )


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


def refuse_macro_name(file_name: str | None) -> None:
    """Refuse a file named as macro-enabled (.xlsm, .xltm, .xlam), before anything is read."""
    if file_name and file_name.strip().lower().endswith(MACRO_NAMES):
        raise _refuse("macros_refused", _SAVE_WITHOUT_MACROS)


def refuse_macros(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook holding macros, whatever its name: a VBA project, or a macro-enabled content type."""
    members = archive.infolist()
    if any(member.filename.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for member in members):
        raise _refuse("macros_refused", _SAVE_WITHOUT_MACROS)
    declared = next((member for member in members if member.filename == "[Content_Types].xml"), None)
    if declared is None:
        return
    # Read in pieces, overlapping by the needle's length, so a padded declaration costs no memory.
    tail = b""
    with archive.open(declared) as source:
        while piece := source.read(1 << 20):
            window = tail + piece.lower()
            if MACRO_CONTENT in window:
                raise _refuse("macros_refused", _SAVE_WITHOUT_MACROS)
            tail = window[-len(MACRO_CONTENT) :]


class BudgetedReading:
    """One workbook read under a budget: the clock starts when the reading does, and every row counts."""

    def __init__(self, budget: ImportBudget | None = None) -> None:
        self.budget = budget or import_budget()
        self.started = time.monotonic()
        self.rows = 0
        self.cells = 0

    def scan(self, archive: zipfile.ZipFile) -> None:
        """Count the rows, cells and shared strings of every part before the workbook is loaded.

        Loading a worksheet that declares no size makes openpyxl read all of its rows to find one, keeping each
        (emptied) row in memory, and it keeps every shared string too; a file is refused here before that begins.
        """
        counts = {"row": 0, "c": 0, "si": 0}
        for member in archive.infolist():
            if member.filename.lower().endswith(".xml"):
                with archive.open(member) as source:
                    self._scan_part(source, counts)

    def _scan_part(self, source: Any, counts: dict[str, int]) -> None:
        budget = self.budget
        parsed = etree.iterparse(
            source, events=("end",), tag=_SCANNED, resolve_entities=False, no_network=True, recover=False
        )
        width = 0  # cells in the row being read
        for _, element in parsed:
            name = element.tag[len(MAIN) :]
            if name == "c":
                # Cells stay in their row until it ends (a row is at most MAX_COLUMNS wide): counting is enough.
                counts["c"] += 1
                width += 1
                if counts["c"] > budget.cells:
                    raise self._too_many_cells()
                if width > MAX_COLUMNS:
                    raise _refuse(
                        "not_a_workbook", f"A row has more than {MAX_COLUMNS:,} cells: save it again as .xlsx."
                    )
                continue
            if name in ("dimension", "sheetData"):
                return  # the size is declared (openpyxl reads no further when it loads the sheet), or all is read
            counts[name] += 1
            width = 0
            if counts["row"] > budget.rows:
                raise self._too_many_rows()
            if counts["si"] > budget.cells:
                raise self._too_many_cells()
            # Keep nothing that was counted: drop the row (or string) and those before it, so memory stays flat.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            if (counts["row"] + counts["si"]) % 1024 == 0:
                self.check_time()

    def _too_many_rows(self) -> InvalidInput:
        rows = self.budget.rows
        return _refuse(
            "too_many_rows",
            f"The worksheet has more than {rows:,} rows (empty rows count too): delete the empty rows below the "
            f"data, or split it into workbooks of at most {rows:,} rows, and import each.",
        )

    def _too_many_cells(self) -> InvalidInput:
        return _refuse(
            "too_many_cells",
            f"The workbook has more than {self.budget.cells:,} cells: delete unused columns and sheets, or split it "
            "into workbooks with fewer rows, and import each.",
        )

    def check_time(self) -> None:
        """Refuse once the reading has taken longer than the budget allows."""
        if time.monotonic() - self.started > self.budget.seconds:
            raise _refuse(
                "too_slow_to_read",
                f"The workbook took more than {self.budget.seconds:g} seconds to read: split it into smaller "
                "workbooks (fewer rows and columns each) and import them one after another.",
            )

    def lines(self, sheet: Any) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows, empty ones included, as a stream that stops at the first limit passed."""
        budget = self.budget
        for line in sheet.iter_rows():
            self.rows += 1
            if self.rows > budget.rows:
                raise self._too_many_rows()
            # A row is as wide as its last cell: one far-right cell makes a wide row, and costs as much to read.
            self.cells += len(line)
            if self.cells > budget.cells:
                raise self._too_many_cells()
            if self.rows % 512 == 0:
                self.check_time()
            yield line
        self.check_time()
