"""Every workbook import reads under a budget of rows, cells and seconds, and refuses macros by content."""

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from benefits.errors import InvalidInput
from benefits.workbooks.budgets_import import read_budgets
from benefits.workbooks.cost_centres_import import read_cost_centres
from benefits.workbooks.import_budget import DEFAULT_MAX_ROWS, ImportBudget
from benefits.workbooks.register_import import MAX_UNPACKED_BYTES, read_register

SHEET = "xl/worksheets/sheet1.xml"
MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
EMPTY_ROWS = 30_000_000  # 180 MB of <row/>: under the unpacked-size limit, zipped to a few hundred KB
ROOT = Path(__file__).resolve().parents[3]

READERS: dict[str, Callable[..., Any]] = {
    "register": read_register,
    "cost centres": read_cost_centres,
    "budgets": read_budgets,
}
HEADINGS = {"register": ["Id", "Title"], "cost centres": ["Code", "Name"], "budgets": ["Cost centre", "Year", "Amount"]}


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_xml_head(headings: list[str], dimension: str | None) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + index)}1" t="inlineStr"><is><t>{text}</t></is></c>' for index, text in enumerate(headings)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{declared}'
        f'<sheetData><row r="1">{cells}</row>'
    ).encode()


def empty_rows_workbook(
    rows: int, *, headings: list[str] | None = None, dimension: str | None = None, tail: bytes = b""
) -> bytes:
    """A valid workbook whose one sheet holds a row of headings and then `rows` empty `<row/>` elements."""
    headings = headings or HEADINGS["register"]
    book = Workbook()
    assert book.active is not None
    book.active.title = "Benefits"
    plain = _saved(book)
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item.filename))
                continue
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(_sheet_xml_head(headings, dimension))
                block = b"<row/>" * 1_000_000
                for _ in range(rows // 1_000_000):
                    sheet.write(block)
                sheet.write(b"<row/>" * (rows % 1_000_000) + tail + b"</sheetData></worksheet>")
    return packed.getvalue()


def _rewritten(content: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, change(item.filename, source.read(item.filename)))
        for name, body in (extra or {}).items():
            target.writestr(name, body)
    return packed.getvalue()


def _workbook(lines: list[list[Any]]) -> bytes:
    book = Workbook()
    assert book.active is not None
    for line in lines:
        book.active.append(line)
    return _saved(book)


def _refusal(read: Callable[..., Any], content: bytes, **options: Any) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as refused:
        read(content, **options)
    problem = refused.value.problems[0]
    assert problem.field == "file"
    return problem.code, problem.detail


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The empty-rows workbook, built once: millions of `<row/>`, a few hundred KB zipped."""
    content = empty_rows_workbook(EMPTY_ROWS)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(item.file_size for item in archive.infolist())
    assert len(content) < 1_000_000 and 170 * 2**20 < unpacked < MAX_UNPACKED_BYTES
    path = tmp_path_factory.mktemp("bomb") / "empty-rows.xlsx"
    path.write_bytes(content)
    return path


MEASURE = """
import json, sys, time
from benefits.errors import InvalidInput
from benefits.workbooks.register_import import read_register
content = open(sys.argv[1], "rb").read()
wall, cpu = time.perf_counter(), time.process_time()
try:
    read_register(content)
    code = None
except InvalidInput as error:
    code = error.problems[0].code
# VmHWM is this program's own peak: ru_maxrss would also hold the parent's size at the fork.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "peak_mb": int(peak.split()[1]) / 1024}))
"""


def measured_read(path: Path) -> dict[str, Any]:
    """Read the workbook in a fresh interpreter (its peak memory is the read's own); never longer than a minute."""
    # An address-space cap keeps a read that does balloon from taking the machine down with it.
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))\n"
    done = subprocess.run(
        [sys.executable, "-c", limit + MEASURE, str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("dimension", [None, "A1:B1"], ids=["size not declared", "size declared"])
def test_the_empty_rows_workbook_is_refused_in_under_2_s_and_200_mb(
    bomb: Path, dimension: str | None, tmp_path: Path
) -> None:
    path = bomb
    if dimension:
        path = tmp_path / "declared.xlsx"
        path.write_bytes(empty_rows_workbook(EMPTY_ROWS, dimension=dimension))
    found = measured_read(path)
    print(f"\nrefused {path.stat().st_size / 1e3:.0f} KB of {EMPTY_ROWS:,} empty rows: {found}")
    assert found["code"] == "too_many_rows"
    # Processor time, not wall time: the machine is shared, and waiting for it is not the read's cost.
    assert found["cpu"] < 2.0
    assert found["wall"] < 10.0  # bounded: it once took three minutes
    assert found["peak_mb"] < 200


@pytest.mark.parametrize("kind", READERS)
def test_every_reader_counts_empty_rows_against_the_budget(kind: str) -> None:
    content = empty_rows_workbook(5_000, headings=HEADINGS[kind])
    code, detail = _refusal(READERS[kind], content, budget=ImportBudget(rows=1_000))
    assert code == "too_many_rows"
    assert "1,000 rows" in detail and "split" in detail
    # Under the budget, the same rows are read (and are no rows of data at all).
    READERS[kind](empty_rows_workbook(900, headings=HEADINGS[kind]), budget=ImportBudget(rows=1_000))


@pytest.mark.parametrize("dimension", [None, "A1:B1048576"])
def test_a_row_far_below_the_data_counts_every_row_in_between(dimension: str | None) -> None:
    content = empty_rows_workbook(0, dimension=dimension, tail=b'<row r="1048576"/>')
    code, detail = _refusal(read_register, content)
    assert code == "too_many_rows" and f"{DEFAULT_MAX_ROWS:,} rows" in detail


@pytest.mark.parametrize("kind", READERS)
def test_cells_are_counted_against_the_budget_far_right_ones_too(kind: str) -> None:
    headings = HEADINGS[kind]
    lines: list[list[Any]] = [headings, *([f"value {row}", *range(20)] for row in range(10))]
    content = _workbook(lines)
    cells = sum(max(len(line), len(headings)) for line in lines)
    with pytest.raises(InvalidInput) as refused:
        READERS[kind](content, budget=ImportBudget(cells=cells - 1))
    assert refused.value.problems[0].code == "too_many_cells"
    assert f"{cells - 1:,} cells" in refused.value.problems[0].detail
    # One cell at the last column makes its row 16,384 cells wide, as far as reading it goes.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    sheet["XFD2"] = "far right"
    code, _ = _refusal(READERS[kind], _saved(book), budget=ImportBudget(cells=10_000))
    assert code == "too_many_cells"


def test_the_seconds_are_counted_from_the_start_of_the_read() -> None:
    content = _workbook([["Id", "Title"], [None, "Printing stopped"]])
    code, detail = _refusal(read_register, content, budget=ImportBudget(seconds=0))
    assert code == "too_slow_to_read" and "split" in detail
    sheet = read_register(content, budget=ImportBudget(seconds=60))
    assert [row.fields for row in sheet.rows] == [{"title": "Printing stopped"}]


def test_a_row_wider_than_any_spreadsheet_is_refused_before_it_is_loaded() -> None:
    cells = b"".join(b"<c/>" for _ in range(16_385))
    content = empty_rows_workbook(0, tail=b"<row>" + cells + b"</row>")
    code, _ = _refusal(read_register, content)
    assert code == "not_a_workbook"


def test_shared_strings_are_counted_against_the_cell_budget() -> None:
    strings = b"".join(b"<si><t>Benefit %d</t></si>" % number for number in range(100))
    table = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="100" uniqueCount="100">'
        + strings
        + b"</sst>"
    )
    content = _rewritten(_workbook([["Id", "Title"]]), lambda _name, body: body, {"xl/sharedStrings.xml": table})
    read_register(content, budget=ImportBudget(cells=100))
    code, detail = _refusal(read_register, content, budget=ImportBudget(cells=99))
    assert code == "too_many_cells" and "99 cells" in detail


def _macro_enabled(content: bytes) -> bytes:
    return _rewritten(
        content, lambda name, body: body.replace(MAIN_TYPE, MACRO_TYPE) if name == "[Content_Types].xml" else body
    )


@pytest.mark.parametrize("kind", READERS)
def test_macro_enabled_workbooks_are_refused_by_content_and_by_name(kind: str) -> None:
    plain = _workbook([HEADINGS[kind]])
    READERS[kind](plain, file_name="plain.xlsx")
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert MAIN_TYPE in archive.read("[Content_Types].xml")
    declared = _macro_enabled(plain)
    with_project = _rewritten(plain, lambda _name, body: body, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros"})
    for content, name in (
        (declared, "book.xlsx"),
        (with_project, "book.xlsx"),
        (plain, "book.xlsm"),
        (plain, "B.XLSM"),
    ):
        code, detail = _refusal(READERS[kind], content, file_name=name)
        assert code == "macros_refused", name
        assert ".xlsx" in detail and "without macros" in detail
