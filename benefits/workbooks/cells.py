"""Writing cells safely and readably: user text is always text, money looks like money, sheets print well."""

from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from benefits.text import for_xml

MONEY = '"£"#,##0.00;[Red]-"£"#,##0.00'
WHOLE = "#,##0"
NUMBER = "#,##0.####"
SHARE = "0.0%"
FACTOR = "0.0000"
HEADER_TEXT_COLOUR = "FFFFFF"
HEADER_COLOUR = "1F4E79"
HEADER_FONT = Font(bold=True, color=HEADER_TEXT_COLOUR)
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
# The same header and money looks as XlsxWriter formats, for the workbooks written with it.
HEADER_FORMAT = {"bold": True, "font_color": f"#{HEADER_TEXT_COLOUR}", "bg_color": f"#{HEADER_COLOUR}", "pattern": 1}
MONEY_FORMAT = {"num_format": MONEY}
# Text starting with one of these is taken for a formula by a spreadsheet when someone edits the cell.
FORMULA_STARTS = ("=", "+", "-", "@")
TITLE_FONT = Font(bold=True, size=14)


def clean_text(value: str) -> str:
    """Text a workbook can hold: controls, surrogates and noncharacters (which XML cannot carry) dropped."""
    # Every writer's text comes through here, so a record kept before text was checked at the edge still exports.
    return for_xml(value)


def put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Cell:
    """A value, a formula (a str starting with `=` that we wrote), or a number; returns the cell."""
    cell = sheet.cell(row=row, column=column, value=value)
    if number_format is not None:
        cell.number_format = number_format
    return cell


def put_text(sheet: Worksheet, row: int, column: int, text: str | None) -> Cell:
    """Text from a user, written as text whatever it starts with (`=`, `+`, `-`, `@`): never as a formula."""
    cell = sheet.cell(row=row, column=column)
    if text is None:
        return cell
    cell.value = clean_text(str(text))
    # openpyxl takes any string starting with '=' for a formula; a string cell is inert in every spreadsheet.
    cell.data_type = "s"
    if cell.value[:1] in FORMULA_STARTS:
        cell.quotePrefix = True  # Excel and LibreOffice show it as typed text if someone edits the cell
    return cell


def header_row(sheet: Worksheet, row: int, titles: list[str], first_column: int = 1) -> None:
    """A row of column headings, styled as a table header."""
    for offset, title in enumerate(titles):
        cell = put_text(sheet, row, first_column + offset, title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def title(sheet: Worksheet, text: str, subtitle: str | None = None) -> None:
    """The sheet's title in A1 (and a subtitle in A2)."""
    put_text(sheet, 1, 1, text).font = TITLE_FONT
    if subtitle:
        put_text(sheet, 2, 1, subtitle)


def widths(sheet: Worksheet, sizes: dict[int, float], default: float | None = None, last: int = 0) -> None:
    """Column widths by column number; `default` for the others up to `last`."""
    if default is not None:
        for column in range(1, last + 1):
            sheet.column_dimensions[get_column_letter(column)].width = default
    for column, size in sizes.items():
        sheet.column_dimensions[get_column_letter(column)].width = size


def for_print(sheet: Worksheet, title_rows: str | None = None, title_columns: str | None = None) -> None:
    """Landscape, fitted to the page width, with header rows (and first columns) repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if title_columns:
        sheet.print_title_cols = title_columns
