"""A reference list loaded from a file: columns by heading, every bad cell named, all or nothing, the same file
twice changes nothing, a listed code renamed with its audit event, demand types' avoidable column; and the same
from the command line."""

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlmodel import Session, col, select

from benefits import demand
from benefits.cli import main
from benefits.demand import ENTITY, ReferenceList
from benefits.demand_lists_import import ReferencesImported, import_reference_list
from benefits.errors import Forbidden, InvalidInput
from benefits.models import AuditEvent, Role
from benefits.models.demand import ReferenceCreate
from tests.support.factories import TESTER, actor_of, make_person

SERVICES = ReferenceList.services
GOOD = (
    "Code,Name,Notes\n"
    "council_tax,Council tax,billing and reductions\n"
    "waste,Waste and recycling,\n"
    "Parking_Permits,Parking permits,upper case codes read in lower case\n"
)


def _listed(session: Session, kind: ReferenceList = SERVICES) -> dict[str, str]:
    return {entry.code: entry.name for entry in demand.list_references(session=session, kind=kind)}


def _events(session: Session, kind: ReferenceList = SERVICES) -> list[AuditEvent]:
    found = select(AuditEvent).where(AuditEvent.entity == ENTITY[kind]).order_by(col(AuditEvent.id))
    return list(session.exec(found).all())


def _load(session: Session, text: str, kind: ReferenceList = SERVICES) -> ReferencesImported:
    return import_reference_list(session=session, kind=kind, data=text.encode(), actor=TESTER, file_name="list.csv")


def test_three_bad_rows_are_each_named_and_nothing_is_written(session: Session) -> None:
    bad = GOOD + "Council Tax!,Libraries\n,Registrars\nlicensing,\nwaste,Bins\nbins,Waste and Recycling\n"
    with pytest.raises(InvalidInput) as refused:
        _load(session, bad)
    named = [(problem.code, problem.field) for problem in refused.value.problems]
    assert named == [
        ("code_invalid", "row 5, Code"),
        ("required", "row 6, Code"),
        ("required", "row 7, Name"),
        ("code_repeated", "row 8, Code"),
        ("name_repeated", "row 9, Name"),
    ]
    details = {problem.field: problem.detail for problem in refused.value.problems}
    assert "Rows 3 and 8" in details["row 8, Code"] and "Rows 3 and 9" in details["row 9, Name"]
    assert "nothing was loaded" in refused.value.detail
    assert _listed(session) == {} and _events(session) == []


def test_a_good_file_adds_and_loading_it_again_changes_nothing(session: Session) -> None:
    first = _load(session, GOOD)
    expected = {"council_tax": "Council tax", "waste": "Waste and recycling", "parking_permits": "Parking permits"}
    assert _listed(session) == expected
    assert sorted(first.added) == sorted(expected) and first.renamed == first.unchanged == []
    assert (first.counts.added, first.counts.renamed, first.counts.unchanged) == (3, 0, 0)
    created = _events(session)
    assert [(event.action, event.after) for event in created] == [
        ("created", {"code": code, "name": name}) for code, name in expected.items()
    ]
    again = _load(session, GOOD)
    assert again.added == again.renamed == [] and sorted(again.unchanged) == sorted(expected)
    assert _listed(session) == expected and len(_events(session)) == len(created)


def test_a_changed_name_renames_the_listed_code_with_its_audit_event(session: Session) -> None:
    demand.create_reference(
        session=session, kind=SERVICES, fields=ReferenceCreate(code="waste", name="Bins"), actor=TESTER
    )
    demand.create_reference(
        session=session, kind=SERVICES, fields=ReferenceCreate(code="libraries", name="Libraries"), actor=TESTER
    )
    before = len(_events(session))
    loaded = _load(session, GOOD)
    assert loaded.renamed == ["waste"] and sorted(loaded.added) == ["council_tax", "parking_permits"]
    # An entry the file leaves out stays as it was.
    assert _listed(session)["waste"] == "Waste and recycling" and _listed(session)["libraries"] == "Libraries"
    waste = demand.get_reference(session=session, kind=SERVICES, code="waste")
    updated = [event for event in _events(session)[before:] if event.action == "updated"]
    assert [(event.entity_id, event.before, event.after) for event in updated] == [
        (waste.id, {"name": "Bins"}, {"name": "Waste and recycling"})
    ]
    assert len(_events(session)) == before + 3  # one event an entry added or renamed


def test_names_passed_between_listed_codes_and_a_name_kept_by_another_entry(session: Session) -> None:
    for code, name in (("a", "Parking"), ("b", "Permits"), ("c", "Libraries")):
        demand.create_reference(
            session=session, kind=SERVICES, fields=ReferenceCreate(code=code, name=name), actor=TESTER
        )
    swapped = _load(session, "Code,Name\na,Permits\nb,Parking\n")
    assert sorted(swapped.renamed) == ["a", "b"]
    assert _listed(session) == {"a": "Permits", "b": "Parking", "c": "Libraries"}
    with pytest.raises(InvalidInput) as refused:
        _load(session, "Code,Name\nd,libraries\n")
    assert [(problem.code, problem.field) for problem in refused.value.problems] == [("name_taken", "row 2, Name")]
    assert "c is already called" in refused.value.problems[0].detail
    assert "d" not in _listed(session)


def test_demand_types_take_their_avoidable_column(session: Session) -> None:
    kind = ReferenceList.demand_types
    with pytest.raises(InvalidInput) as missing:
        _load(session, "Code,Name\nchasing,Chasing\n", kind)
    assert missing.value.problems[0].code == "headings_missing" and "Avoidable" in missing.value.detail
    with pytest.raises(InvalidInput) as unclear:
        _load(session, "Code,Name,Avoidable\nchasing,Chasing,maybe\n", kind)
    assert [(problem.code, problem.field) for problem in unclear.value.problems] == [
        ("value_invalid", "row 2, Avoidable")
    ]
    listed = {entry.code: entry for entry in demand.list_references(session=session, kind=kind)}
    flags = {code: demand.reference_view(entry).avoidable for code, entry in listed.items()}
    text = "Code,Name,Avoidable\n" + "".join(
        f"{code},{entry.name},{'no' if code == 'misdirected' else 'yes' if flags[code] else 'no'}\n"
        for code, entry in listed.items()
    )
    loaded = _load(session, text + "chasing_payment,Chasing a payment,Yes\n", kind)
    assert loaded.renamed == ["misdirected"] and loaded.added == ["chasing_payment"]
    assert loaded.counts.unchanged == len(listed) - 1
    kept = demand.list_references(session=session, kind=kind)
    now = {entry.code: demand.reference_view(entry).avoidable for entry in kept}
    assert now == flags | {"misdirected": False, "chasing_payment": True}
    changed = [event for event in _events(session, kind) if event.action == "updated"]
    assert [(event.before, event.after) for event in changed] == [({"avoidable": True}, {"avoidable": False})]


def test_a_workbook_is_read_by_its_headings(session: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Customer segments"])
    sheet.append(["Name", "Code"])
    sheet.append(["Landlords", "landlords"])
    sheet.append(["Businesses", 101])
    sheet.append(["Residents", "=A1"])
    buffer = io.BytesIO()
    book.save(buffer)
    kind = ReferenceList.segments
    with pytest.raises(InvalidInput) as refused:
        import_reference_list(session=session, kind=kind, data=buffer.getvalue(), actor=TESTER, file_name="s.xlsx")
    assert [(problem.code, problem.field) for problem in refused.value.problems] == [("value_invalid", "row 5, Code")]
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    book.save(buffer)
    import_reference_list(session=session, kind=kind, data=buffer.getvalue(), actor=TESTER, file_name="s.xlsx")
    assert _listed(session, kind) == {"landlords": "Landlords", "101": "Businesses"}


def test_a_viewer_is_refused_before_anything_is_read_or_written(session: Session) -> None:
    viewer = actor_of(make_person(session, role=Role.viewer))
    with pytest.raises(Forbidden):
        import_reference_list(session=session, kind=SERVICES, data=GOOD.encode(), actor=viewer)
    assert _listed(session) == {} and _events(session) == []


def test_a_file_too_large_or_too_long_is_refused(session: Session) -> None:
    from benefits import demand_lists_import

    with pytest.raises(InvalidInput) as large:
        _load(session, "Code,Name\n" + "x" * demand_lists_import.MAX_LIST_BYTES)
    assert large.value.problems[0].code == "file_too_large"
    rows = "".join(f"s{number},Service {number}\n" for number in range(demand_lists_import.MAX_LIST_ROWS + 1))
    with pytest.raises(InvalidInput) as long:
        _load(session, "Code,Name\n" + rows)
    assert long.value.problems[0].code == "too_many_rows"
    assert _listed(session) == {}


def test_a_list_is_loaded_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "Council Tax!,Libraries\nlicensing,\nwaste,Bins\n")
    refused = runner.invoke(main, ["demand", "import-list", "services", str(bad)])
    assert refused.exit_code == 1
    for named in ("row 5, Code", "row 6, Name", "row 7, Code"):
        assert named in refused.output
    assert "No services yet" in runner.invoke(main, ["demand", "list", "services"]).output
    good = tmp_path / "services.csv"
    good.write_text(GOOD)
    loaded = runner.invoke(main, ["demand", "import-list", "services", str(good)])
    assert loaded.exit_code == 0, loaded.output
    assert "Added council_tax" in loaded.output and "services: 3 added, 0 renamed, 0 unchanged." in loaded.output
    good.write_text(GOOD.replace("Waste and recycling", "Bins and recycling"))
    again = runner.invoke(main, ["demand", "import-list", "services", str(good)])
    assert "Renamed waste" in again.output and "services: 0 added, 1 renamed, 2 unchanged." in again.output
    listed = runner.invoke(main, ["demand", "list", "services"]).output
    assert "waste                    Bins and recycling" in listed
    types = tmp_path / "types.csv"
    types.write_text("Code,Name\nchasing,Chasing\n")
    missing = runner.invoke(main, ["demand", "import-list", "demand-types", str(types)])
    assert missing.exit_code == 1 and "Avoidable" in missing.output
