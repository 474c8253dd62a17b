"""Refusing the empty-rows workbook costs about what reading a small valid register does: the floor beside it."""

from pathlib import Path

import pytest

from tests.benefits.workbooks.test_import_budget import (
    EMPTY_ROWS,
    HEADINGS,
    _workbook,
    empty_rows_workbook,
    measured_read,
)

SMALL_ROWS = 100


@pytest.mark.bench
def test_refusing_the_empty_rows_workbook_beside_reading_a_small_one(tmp_path: Path) -> None:
    small = tmp_path / "small.xlsx"
    small.write_bytes(_workbook([HEADINGS["register"], *([None, f"Benefit {n}"] for n in range(SMALL_ROWS))]))
    bomb = tmp_path / "empty-rows.xlsx"
    bomb.write_bytes(empty_rows_workbook(EMPTY_ROWS))
    # The best of three runs of each, each in a fresh interpreter (so its peak memory is its own).
    floor = min((measured_read(small) for _ in range(3)), key=lambda run: run["wall"])
    refused = min((measured_read(bomb) for _ in range(3)), key=lambda run: run["wall"])
    print(
        f"\nread a {small.stat().st_size / 1e3:.0f} KB register of {SMALL_ROWS} rows: {floor['wall']:.2f} s, "
        f"{floor['cpu']:.2f} s of processor, peak {floor['peak_mb']:.0f} MB"
        f"\nrefused a {bomb.stat().st_size / 1e3:.0f} KB workbook of {EMPTY_ROWS:,} empty rows: "
        f"{refused['wall']:.2f} s, {refused['cpu']:.2f} s of processor, peak {refused['peak_mb']:.0f} MB "
        f"({refused['wall'] / max(floor['wall'], 1e-6):.1f} times the floor's time, "
        f"{refused['peak_mb'] - floor['peak_mb']:+.0f} MB beside its memory)"
    )
    assert floor["code"] is None and refused["code"] == "too_many_rows"
    assert refused["wall"] < 2.0 and refused["peak_mb"] < 200
