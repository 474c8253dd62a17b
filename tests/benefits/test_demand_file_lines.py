"""Contact counts and reference lists read their files through one reader: a file neither CSV nor a workbook is
refused the same way by both, naming the file."""

import csv
import io

import pytest

from benefits.demand import ReferenceList
from benefits.demand_import import file_lines, read_contacts
from benefits.demand_lists_import import read_reference_list
from benefits.errors import InvalidInput

NOT_TEXT = "\u00e9 not UTF-8".encode("latin-1")
WITH_NUL = b"Code,Name\r\nadult,Ad\x00ult\r\n"
# One field longer than the csv module reads (131,072 characters), inside a quote left open.
TOO_LONG = b'Code,Name\r\nadult,"' + b"x" * 200_000 + b"\r\n"


@pytest.mark.parametrize(
    ("content", "said"),
    [(NOT_TEXT, "not UTF-8 text"), (WITH_NUL, "NUL characters"), (TOO_LONG, "could not be read as CSV")],
)
def test_a_file_that_is_not_csv_is_refused_alike_by_both_readers(content: bytes, said: str) -> None:
    if content is TOO_LONG:  # the csv module's own verdict
        with pytest.raises(csv.Error, match="field larger than field limit"):
            list(csv.reader(io.StringIO(content.decode(), newline="")))
    refusals = []
    for read in (
        lambda: read_contacts(content, file_name="counts.csv"),
        lambda: read_reference_list(content, kind=ReferenceList.segments, file_name="segments.csv"),
    ):
        with pytest.raises(InvalidInput) as refused:
            read()
        refusals.append(refused.value)
    for refusal in refusals:
        assert said in refusal.detail
        assert [(problem.code, problem.field) for problem in refusal.problems] == [("csv_invalid", "file")]


def test_the_reader_gives_a_csv_file_s_rows_as_tuples() -> None:
    content = 'Code,Name\r\nadult,Adults\r\nover_65,"Over 65, retired"\r\n'.encode("utf-8-sig")
    assert list(file_lines(content, file_name="segments.csv")) == [
        ("Code", "Name"),
        ("adult", "Adults"),
        ("over_65", "Over 65, retired"),
    ]
