"""The fast reader takes only what people typed: formulas (even with a saved result) and errors are told apart by the
scan, and a sheet is loaded only when its whole grid is within the cell budget."""

import io
import zipfile
from pathlib import Path

import pytest

from benefits.errors import InvalidInput
from benefits.workbooks.import_budget import ImportBudget
from benefits.workbooks.register_import import read_register
from tests.benefits.workbooks.test_import_budget import SHEET, _workbook, measured_read

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _with_sheet_data(rows: str) -> bytes:
    """A valid workbook whose Benefits sheet holds exactly this `<sheetData>` content, as a spreadsheet saves it."""
    plain = _workbook([["Id"]])
    packed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == SHEET:
                body = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
            target.writestr(item, body)
    return packed.getvalue()


def _text(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADINGS = (
    '<row r="1">' + _text("A1", "Id") + _text("B1", "Title") + _text("C1", "Plan 2026-27") + _text("D1", "Owner")
    + _text("E1", "Plan 2027-28") + "</row>"
)  # fmt: skip


def test_a_formula_with_its_saved_result_is_left_alone_and_an_error_is_named() -> None:
    # As Excel saves them: the formula with the result it last computed, and an error with the text it shows.
    content = _with_sheet_data(
        HEADINGS
        + '<row r="2">' + _text("B2", "Formula plan") + '<c r="C2"><f>1+1</f><v>2</v></c>'
        + '<c r="D2" t="str"><f>"Head"&amp;" of Print"</f><v>Head of Print</v></c><c r="E2"><v>7</v></c></row>'
        + '<row r="3">' + _text("B3", "Error plan") + '<c r="C3" t="e"><v>#DIV/0!</v></c></row>'
    )  # fmt: skip
    sheet = read_register(content)
    formula, error = sheet.rows
    assert formula.fields == {"title": "Formula plan"}  # neither the saved 2 nor the saved owner is imported
    assert set(formula.profile) == {"2027-28"}
    assert error.fields == {"title": "Error plan"} and error.profile == {}
    assert [(p.code, p.field, p.detail) for p in sheet.problems] == [
        ("value_invalid", "row 3, Plan 2026-27", "a spreadsheet error (#DIV/0!), not a value")
    ]


def test_cells_that_do_not_say_where_they_are_stand_after_the_one_before() -> None:
    content = _with_sheet_data(
        HEADINGS + "<row>" + "<c/>" + '<c t="inlineStr"><is><t>Unplaced</t></is></c>' + "<c><f>1+1</f><v>2</v></c>"
        + "<c/>" + "<c><v>5</v></c></row>"
    )  # fmt: skip
    (row,) = read_register(content).rows
    assert row.number == 2
    assert row.fields == {"title": "Unplaced"}
    assert {label: plan for label, (plan, _) in row.profile.items()} == {"2027-28": 5}


def test_a_sparse_sheet_whose_grid_passes_the_cell_budget_is_refused_before_it_is_loaded(tmp_path: Path) -> None:
    # Three cells, but a reader that loads the sheet whole holds 200 rows of 16,384 columns.
    far = _with_sheet_data(HEADINGS + '<row r="200">' + _text("XFD200", "far right") + "</row>")
    with pytest.raises(InvalidInput) as refused:
        read_register(far)
    assert refused.value.problems[0].code == "too_many_cells"
    path = tmp_path / "far.xlsx"
    path.write_bytes(far)
    found = measured_read(path)
    assert found["code"] == "too_many_cells" and found["peak_mb"] < 200
    # Within the budget, the same sheet is read: the grid is what counts.
    assert read_register(far, budget=ImportBudget(cells=200 * 16_384)).rows[0].number == 200


def test_a_cell_that_names_a_row_far_below_its_own_counts_that_row() -> None:
    content = _with_sheet_data(HEADINGS + '<row r="2">' + _text("B1048576", "misplaced") + "</row>")
    with pytest.raises(InvalidInput) as refused:
        read_register(content)
    assert refused.value.problems[0].code == "too_many_rows"
