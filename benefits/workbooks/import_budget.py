"""The budget every workbook import is read under: rows (empty ones too), cells and seconds; and macros refused.

A workbook is a zip: a few hundred kilobytes can unpack to millions of empty rows. Reading it as a stream and
stopping at the first limit passed keeps an import's time and memory bounded whatever the file declares, and the
refusal says which limit was passed and how to get under it (split the file).
"""

import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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
# The sheet to be read is scanned to its end, whatever it declares, noting where its cells reach and which hold
# formulas (an `f` inside the cell) or errors: the fast reader returns only values, so these are told apart here.
_DIGITS = "0123456789"
_NAMES = {"m": MAIN[1:-1]}
_REFERENCES = etree.XPath("m:c/@r", namespaces=_NAMES)
_MARKED = etree.XPath("m:c[m:f or @t='e']", namespaces=_NAMES)

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


@dataclass
class SheetScan:
    """What the scan found in the sheet to be read: its extent, and the cells holding formulas or errors.

    `marks` maps a cell's (row, column), both from 1, to None for a formula or to the error it shows.
    """

    rows: int = 0
    columns: int = 0
    marks: dict[tuple[int, int], str | None] = field(default_factory=dict)


def column_number(letters: str) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27: a column's number from its letters."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class BudgetedReading:
    """One workbook read under a budget: the clock starts when the reading does, and every row counts."""

    def __init__(self, budget: ImportBudget | None = None) -> None:
        self.budget = budget or import_budget()
        self.started = time.monotonic()
        self.rows = 0
        self.cells = 0

    def scan(self, archive: zipfile.ZipFile, *, sheet: str | None = None) -> SheetScan | None:
        """Count the rows, cells and shared strings of every part before the workbook is loaded.

        Loading a worksheet that declares no size makes openpyxl read all of its rows to find one, keeping each
        (emptied) row in memory, and it keeps every shared string too; a file is refused here before that begins.
        The part named `sheet` is read to its end: a reader that loads it whole holds every row up to its last
        cell and every column up to its widest, so that grid is counted too; what was found in it is returned.
        """
        counts = {"row": 0, "c": 0, "si": 0}
        found = None
        for member in archive.infolist():
            if member.filename == sheet:
                with archive.open(member) as source:
                    found = self._scan_sheet(source, counts)
            elif member.filename.lower().endswith(".xml"):
                with archive.open(member) as source:
                    self._scan_part(source, counts)
        return found

    def _scan_sheet(self, source: Any, counts: dict[str, int]) -> SheetScan:
        budget = self.budget
        found = SheetScan()
        parsed = etree.iterparse(
            source, events=("end",), tag=MAIN + "row", resolve_entities=False, no_network=True, recover=False
        )
        columns: dict[str, int] = {}  # letters -> number, for the few distinct letters a sheet uses
        row = 0  # the row being read, from 1
        for _, element in parsed:
            declared = element.get("r")
            row = int(declared) if declared and declared.isdigit() else row + 1
            counts["row"] += 1
            # A row holds only cells (and at most an extension list, counted as one more): no query for an empty one.
            cells = len(element)
            counts["c"] += cells
            if counts["c"] > budget.cells:
                raise self._too_many_cells()
            if cells > MAX_COLUMNS:
                raise _refuse("not_a_workbook", f"A row has more than {MAX_COLUMNS:,} cells: save it again as .xlsx.")
            found.rows = max(found.rows, row)
            if cells:
                self._place_row(element, row, columns, found)
            if found.rows > budget.rows:
                raise self._too_many_rows()
            if found.columns > MAX_COLUMNS:
                raise _refuse("not_a_workbook", f"A row reaches past column {MAX_COLUMNS:,}: save it again as .xlsx.")
            if found.rows * found.columns > budget.cells:
                raise self._too_many_cells()
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            if counts["row"] % 1024 == 0:
                self.check_time()
        return found

    def _place_row(self, element: Any, row: int, columns: dict[str, int], found: SheetScan) -> None:
        """Stretch the extent to the row's cells, and note those holding formulas or errors."""
        # Whole rows at a time, by XPath: far cheaper than an event per cell.
        references = _REFERENCES(element)
        if len(references) == len(element):
            written = str(row)
            for reference in references:
                letters = reference.rstrip(_DIGITS)
                number = columns.get(letters)
                if number is None:
                    number = columns[letters] = column_number(letters)
                found.columns = max(found.columns, number)
                if reference[len(letters) :] != written:  # a cell naming another row than its own: rare
                    found.rows = max(found.rows, self._place(reference, row, columns)[0])
        else:  # some cells do not say where they are: each stands after the one before it
            for place in self._walk(element, row, columns):
                found.rows = max(found.rows, place[0])
                found.columns = max(found.columns, place[1])
        for cell in _MARKED(element):
            reference = cell.get("r")
            if reference:
                place = self._place(reference, row, columns)
            else:
                place = list(self._walk(element, row, columns))[element.index(cell)]
            formula = cell.find(MAIN + "f") is not None
            found.marks[place] = None if formula else cell.findtext(MAIN + "v") or "#N/A"

    @staticmethod
    def _place(reference: str, row: int, columns: dict[str, int]) -> tuple[int, int]:
        """A cell's (row, column) from its reference; a cell names its own row, and a reader puts it there."""
        letters = reference.rstrip(_DIGITS)
        number = columns.get(letters)
        if number is None:
            number = columns[letters] = column_number(letters)
        digits = reference[len(letters) :]
        return (int(digits) if digits.isdigit() else row), number

    def _walk(self, element: Any, row: int, columns: dict[str, int]) -> Iterator[tuple[int, int]]:
        """Every child's place in a row where some cells do not name theirs."""
        column = 0
        for cell in element:
            reference = cell.get("r")
            place = self._place(reference, row, columns) if reference else (row, column + 1)
            column = place[1]
            yield place

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
