"""Loading a reference list (services, channels, demand types, segments) from a file: a CSV or a workbook.

Columns are found by their headings: Code and Name, and Avoidable (yes or no) for demand types. Every bad row and
cell is named and nothing is written unless every row is good. A code already listed takes the file's name (and,
for a demand type, its avoidable flag); a new code is added; so the same file loaded twice changes nothing.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlmodel import Session

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import Name
from benefits.demand import ENTITY, ONE, TABLES, ReferenceList, list_references, reference_view
from benefits.demand_import import NOT_A_VALUE, file_lines, heading_row
from benefits.errors import InvalidInput, Problem
from benefits.models.demand import DemandType, ReferenceCode

# A catalogue of services runs to a few hundred entries; these bounds leave room and keep a load one short request.
MAX_LIST_BYTES = 5 * 1_048_576
MAX_LIST_ROWS = 10_000
MAX_PROBLEMS = 1_000

HEADINGS = {"code": "code", "name": "name", "avoidable": "avoidable"}
TITLES = {"code": "Code", "name": "Name", "avoidable": "Avoidable"}
YES = {"yes", "y", "true", "1", "avoidable"}
NO = {"no", "n", "false", "0", "value"}
# Codes an entry's address cannot hold: /api/v1/demand/services/import is the upload, not a service.
RESERVED = {"import"}
CODE_RULE = "Write a code of 1 to 40 lower-case letters, digits, - or _, such as council_tax."

_CODE = TypeAdapter(ReferenceCode)
_NAME = TypeAdapter(Name)


class ListRow(NamedTuple):
    """One good row of a list file: its row number, code, name, and (demand types only) whether avoidable."""

    number: int
    code: str
    name: str
    avoidable: bool | None


@dataclass
class ListSheet:
    """A reference list as read from a file, before the database is asked anything."""

    kind: ReferenceList
    rows: list[ListRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # field -> heading as written, to name cells


class ListCounts(BaseModel):
    """How many entries a list load added, renamed and left unchanged."""

    added: int
    renamed: int
    unchanged: int


class ReferencesImported(BaseModel):
    """What a list load did, by code: entries added, renamed (or, for a demand type, made avoidable or value
    demand) and left as they were, with the counts of each."""

    kind: ReferenceList
    added: list[str]
    renamed: list[str]
    unchanged: list[str]
    counts: ListCounts


def _refuse(code: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, [Problem(code, detail, "file")])


def _wanted(kind: ReferenceList) -> tuple[str, ...]:
    return ("code", "name", "avoidable") if kind is ReferenceList.demand_types else ("code", "name")


# --- Reading ---------------------------------------------------------------------------------------------------


def read_reference_list(data: bytes, *, kind: ReferenceList, file_name: str | None = None) -> ListSheet:
    """The entries in a CSV file or a workbook, read with no session; every bad cell named in `problems`."""
    if len(data) > MAX_LIST_BYTES:
        raise _refuse("file_too_large", f"The file is larger than {MAX_LIST_BYTES >> 20} MiB: split it.")
    return _read_lines(kind, file_lines(data, file_name=file_name))


def _read_lines(kind: ReferenceList, lines: Iterable[tuple[Any, ...]]) -> ListSheet:
    sheet = ListSheet(kind=kind)
    wanted = _wanted(kind)
    iterator = iter(lines)
    listed = {heading: name for heading, name in HEADINGS.items() if name in wanted}
    number, columns, sheet.headings = heading_row(
        iterator, headings=listed, enough=lambda found: "code" in found and "name" in found
    )
    missing = [TITLES[name] for name in wanted if name not in columns]
    if missing:
        asked = "Code, Name and Avoidable (yes or no)" if kind is ReferenceList.demand_types else "Code and Name"
        raise _refuse(
            "headings_missing",
            f"No row of headings naming {', '.join(missing)} in the first ten rows: the headings wanted are {asked}.",
        )
    _read_rows(sheet, iterator, columns, start=number + 1)
    return sheet


def _read_rows(sheet: ListSheet, lines: Iterator[tuple[Any, ...]], columns: dict[str, int], start: int) -> None:
    """Each row's cells checked; each problem named by row and heading; codes and names repeated named by both rows."""
    heading, problems = sheet.headings, sheet.problems
    width = max(columns.values()) + 1
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    read = 0
    for number, line in enumerate(lines, start=start):
        if not any(value not in (None, "") for value in line):
            continue
        read += 1
        if read > MAX_LIST_ROWS:
            raise _refuse("too_many_rows", f"At most {MAX_LIST_ROWS:,} entries a file: split it.")
        if len(line) < width:
            line = (*line, *([None] * (width - len(line))))
        where = f"row {number}"
        before = len(problems)
        code = _code(line[columns["code"]], problems, f"{where}, {heading['code']}")
        name = _name(line[columns["name"]], problems, f"{where}, {heading['name']}")
        avoidable = None
        if "avoidable" in columns:
            avoidable = _yes_no(line[columns["avoidable"]], problems, f"{where}, {heading['avoidable']}")
        if code is not None:
            if code in codes:
                problems.append(
                    Problem(
                        "code_repeated",
                        f"Rows {codes[code]} and {number} both give the code {code}: keep one of the two rows.",
                        f"{where}, {heading['code']}",
                    )
                )
            else:
                codes[code] = number
        if name is not None:
            if name.lower() in names:
                problems.append(
                    Problem(
                        "name_repeated",
                        f"Rows {names[name.lower()]} and {number} both give the name {name}: "
                        "give each entry its own name.",
                        f"{where}, {heading['name']}",
                    )
                )
            else:
                names[name.lower()] = number
        if len(problems) > before:
            if len(problems) >= MAX_PROBLEMS:
                return
            continue
        assert code is not None and name is not None
        sheet.rows.append(ListRow(number, code, name, avoidable))


def _code(value: Any, problems: list[Problem], where: str) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a workbook keeps a code such as 101 as a number
    if value is NOT_A_VALUE or not isinstance(value, str | None):
        problems.append(Problem("value_invalid", "Write the code as text here, not a formula.", where))
        return None
    if value is None or not value.strip():
        problems.append(Problem("required", f"Fill in the code. {CODE_RULE}", where))
        return None
    try:
        code = _CODE.validate_python(value.strip().lower())  # an entry's code is matched in any case elsewhere too
    except ValidationError:
        problems.append(Problem("code_invalid", f"'{value.strip()[:40]}' is not a code. {CODE_RULE}", where))
        return None
    if code in RESERVED:
        problems.append(Problem("code_invalid", f"The code {code} names the list's upload: choose another.", where))
        return None
    return code


def _name(value: Any, problems: list[Problem], where: str) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is NOT_A_VALUE or not isinstance(value, str | None):
        problems.append(Problem("value_invalid", "Write the name as text here, not a formula.", where))
        return None
    if not (value or "").strip():
        problems.append(Problem("required", "Fill in the name people read, such as Council tax.", where))
        return None
    try:
        return _NAME.validate_python(value)
    except ValidationError as error:
        said = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        problems.append(Problem("name_invalid", f"Write a name of 1 to 200 characters on one line ({said}).", where))
        return None


def _yes_no(value: Any, problems: list[Problem], where: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    written = str(value).strip().lower() if isinstance(value, str | int) and value is not NOT_A_VALUE else None
    if written in YES:
        return True
    if written in NO:
        return False
    problems.append(Problem("value_invalid", "Write yes (avoidable, failure demand) or no (value demand).", where))
    return None


# --- Applying --------------------------------------------------------------------------------------------------


def load_reference_list(*, session: Session, sheet: ListSheet, actor: Actor) -> ReferencesImported:
    """Apply a list read from a file: every row, or none and every problem named; a listed code takes the file's
    name (and avoidable flag), a new code is added, and an entry already as the file gives it is left alone."""
    require(session=session, actor=actor, action=Action.manage_demand)
    kind = sheet.kind
    problems = list(sheet.problems)
    listed = {entry.code: entry for entry in list_references(session=session, kind=kind)}
    in_file = {row.code for row in sheet.rows}
    # Names kept by entries the file does not give: a row may not take one (the file's own repeats are named already).
    others = {entry.name.lower(): entry.code for code, entry in listed.items() if code not in in_file}
    for row in sheet.rows:
        holder = others.get(row.name.lower())
        if holder is not None:
            problems.append(
                Problem(
                    "name_taken",
                    f"The {ONE[kind]} {holder} is already called {row.name}: give this row another name, or add a "
                    f"row renaming {holder} too.",
                    f"row {row.number}, {sheet.headings['name']}",
                )
            )
    if problems:
        raise InvalidInput(
            f"{len(problems):,} problem(s) in the list of {kind.value.replace('-', ' ')}; nothing was loaded.",
            problems[:MAX_PROBLEMS],
        )
    added: list[Any] = []
    changed: list[tuple[Any, dict[str, Any]]] = []
    unchanged: list[str] = []
    for row in sheet.rows:
        entry = listed.get(row.code)
        if entry is None:
            values: dict[str, Any] = {"code": row.code, "name": row.name}
            if kind is ReferenceList.demand_types:
                values["avoidable"] = bool(row.avoidable)
            added.append(TABLES[kind](**values))
            continue
        same_flag = not isinstance(entry, DemandType) or row.avoidable is None or entry.avoidable == row.avoidable
        if entry.name == row.name and same_flag:
            unchanged.append(entry.code)
            continue
        changed.append((entry, _snapshot(entry)))
    _rename(session=session, changed=changed, rows={row.code: row for row in sheet.rows})
    session.add_all(added)
    session.flush()
    updates = []
    for entry, before in changed:
        old, new = audit.changed_fields(before, _snapshot(entry))
        updates.append((entry.id or 0, old, new))
    # One event an entry, as adding or changing it one at a time records it.
    audit.record_many(
        session=session,
        actor=actor,
        action="created",
        entity=ENTITY[kind],
        initiative_id=None,
        changes=[(entry.id or 0, None, _snapshot(entry)) for entry in added],
    )
    audit.record_many(
        session=session, actor=actor, action="updated", entity=ENTITY[kind], initiative_id=None, changes=updates
    )
    counts = ListCounts(added=len(added), renamed=len(changed), unchanged=len(unchanged))
    return ReferencesImported(
        kind=kind,
        added=[entry.code for entry in added],
        renamed=[entry.code for entry, _ in changed],
        unchanged=unchanged,
        counts=counts,
    )


def _snapshot(entry: Any) -> dict[str, Any]:
    return reference_view(entry).model_dump(exclude={"id"}, exclude_none=True)


def _rename(*, session: Session, changed: list[tuple[Any, dict[str, Any]]], rows: dict[str, ListRow]) -> None:
    """Give each changed entry its row's name and flag; names passed between entries (A's to B, B's to A) go
    through a stand-in first, since no two entries may hold one name even for a moment."""
    renamed = [(entry, rows[entry.code]) for entry, _ in changed if entry.name != rows[entry.code].name]
    current = {entry.name for entry, _ in changed}
    if any(row.name in current for _, row in renamed):
        for entry, _ in renamed:
            entry.name = f"(renaming {entry.code})"
        session.flush()
    for entry, _ in changed:
        row = rows[entry.code]
        entry.name = row.name
        if isinstance(entry, DemandType) and row.avoidable is not None:
            entry.avoidable = row.avoidable
    session.flush()


def import_reference_list(
    *, session: Session, kind: ReferenceList, data: bytes, actor: Actor, file_name: str | None = None
) -> ReferencesImported:
    """Read a reference list from a file and load it: every row, or none and every problem named."""
    require(session=session, actor=actor, action=Action.manage_demand)
    sheet = read_reference_list(data, kind=kind, file_name=file_name)
    return load_reference_list(session=session, sheet=sheet, actor=actor)
