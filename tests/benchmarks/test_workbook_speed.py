"""Workbook speed: the portfolio's cash-versus-capacity workbook against openpyxl's own write-only floor."""

import resource
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session

from benefits import migrate
from benefits.db import make_engine
from benefits.workbooks.finance_summary import Written, write_finance_workbook
from tests.benchmarks.test_finance_speed import BENEFITS, INITIATIVES, YEARS, _seed
from tests.conftest import FreshDatabase

RATIO = 1.5
PEAK_MEMORY = 300 * 1024 * 1024
TODAY = date(2026, 11, 23)


def _export(session: Session, target: Path) -> Written:
    with target.open("wb") as stream:
        return write_finance_workbook(session=session, target=stream, today=TODAY)


def _floor(cells: int, target: Path) -> None:
    """openpyxl write-only writing the same number of cells, plain numbers, no formatting."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Plain")
    width = 13
    row = [1234.5] * width
    for _ in range(cells // width):
        sheet.append(row)
    sheet.append([1.0] * (cells % width))
    book.save(target)


@pytest.mark.bench
def test_finance_workbook_speed_and_memory(fresh_databases: FreshDatabase, database_kind: str) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    work = Path(tempfile.mkdtemp(prefix="benefits-bench-"))
    with Session(engine) as session:
        started = time.perf_counter()
        written = _export(session, work / "export.xlsx")
        export = time.perf_counter() - started
        started = time.perf_counter()
        _floor(written.cells, work / "floor.xlsx")
        floor = time.perf_counter() - started
        tracemalloc.start()
        _export(session, work / "again.xlsx")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    engine.dispose()
    size = (work / "export.xlsx").stat().st_size
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        f"\n{database_kind}: cash-versus-capacity workbook of {INITIATIVES:,} initiatives, {BENEFITS:,} benefits, "
        f"{YEARS}-year profiles: {written.rows:,} detail rows, {written.cells:,} cells, {size / 1e6:.1f} MB in "
        f"{export:.2f} s; openpyxl write-only, same cells, no formatting: {floor:.2f} s; ratio {export / floor:.2f} "
        f"(target <= {RATIO}); peak Python memory {peak / 2**20:.0f} MiB (target < {PEAK_MEMORY / 2**20:.0f} MiB); "
        f"the process's peak resident size, seeding included: {resident / 1024:.0f} MiB"
    )
    assert written.rows == BENEFITS * YEARS  # every seeded benefit is financial, with ten years
    assert export / floor <= RATIO
    assert peak < PEAK_MEMORY
