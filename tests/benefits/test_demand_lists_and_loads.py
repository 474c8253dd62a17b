"""Demand's reference lists, and contact counts loaded in bulk: all or nothing, every bad cell named, idempotent."""

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlmodel import Session, func, select

from benefits import demand
from benefits.demand import ReferenceList
from benefits.demand_import import import_contacts, load_contacts, read_contacts, sheet_of
from benefits.errors import Conflict, InvalidInput
from benefits.models import ContactCount, ContactMonth
from benefits.models.demand import ContactIn, DemandTypeUpdate, ReferenceCreate, ReferenceUpdate
from tests.support.factories import TESTER


def _services(session: Session, *codes: str) -> None:
    for code in codes:
        demand.create_reference(
            session=session,
            kind=ReferenceList.services,
            fields=ReferenceCreate(code=code, name=code.replace("_", " ").title()),
            actor=TESTER,
        )


def _rows(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ContactCount)).one()


def _total(session: Session) -> int:
    return int(session.exec(select(func.coalesce(func.sum(ContactCount.count), 0))).one())


def test_the_default_channels_and_demand_types_are_there_from_the_migration(session: Session) -> None:
    channels = {
        entry.code: entry.name for entry in demand.list_references(session=session, kind=ReferenceList.channels)
    }
    assert channels == {
        "face_to_face": "Face to face",
        "phone": "Phone",
        "web": "Web",
        "email": "E-mail",
        "post": "Post",
        "app": "App",
    }
    listed = demand.list_references(session=session, kind=ReferenceList.demand_types)
    types = {entry.code: demand.reference_view(entry).avoidable for entry in listed}
    assert types == {
        "value": False,
        "progress_chasing": True,
        "seeking_clarification": True,
        "repeat_contact": True,
        "misdirected": True,
        "could_self_serve": True,
    }


def test_the_lists_are_edited_and_a_counted_entry_stays(session: Session) -> None:
    _services(session, "council_tax")
    kind = ReferenceList.demand_types
    demand.update_reference(
        session=session, kind=kind, code="misdirected", changes=DemandTypeUpdate(avoidable=False), actor=TESTER
    )
    assert (
        demand.reference_view(demand.get_reference(session=session, kind=kind, code="MISDIRECTED")).avoidable is False
    )
    demand.update_reference(
        session=session,
        kind=ReferenceList.services,
        code="council_tax",
        changes=ReferenceUpdate(name="Council tax and business rates"),
        actor=TESTER,
    )
    with pytest.raises(Conflict) as taken:
        _services(session, "council_tax")
    assert taken.value.problems[0].code == "code_taken"
    load_contacts(
        session=session,
        sheet=sheet_of(
            [
                ContactIn(
                    period_start=date(2026, 4, 1),
                    service="Council tax and business rates",
                    channel="Phone",
                    demand_type="value",
                    count=5,
                )
            ]
        ),
        actor=TESTER,
        api=True,
    )
    with pytest.raises(Conflict) as counted:
        demand.delete_reference(session=session, kind=ReferenceList.services, code="council_tax", actor=TESTER)
    assert counted.value.problems[0].code == "reference_counted"
    demand.delete_reference(session=session, kind=ReferenceList.channels, code="post", actor=TESTER)
    assert "post" not in {c.code for c in demand.list_references(session=session, kind=ReferenceList.channels)}


GOOD = """Period,Grain,Service,Channel,Type,Segment,Count,Handling minutes
2026-04-01,month,Council tax,Phone,Value demand,,120,600
2026-04-01,month,council_tax,web,progress_chasing,,30,
2026-04-01,month,Waste,Face to face,Repeat contact,,12,48.5
2026-05-01,month,Waste,phone,value,,80,320
"""


def test_a_contact_export_with_three_bad_rows_is_refused_naming_each_row_and_column(session: Session) -> None:
    _services(session, "council_tax", "waste")
    before = _rows(session)
    bad = GOOD.replace("2026-04-01,month,council_tax,web", "2026-04-01,month,Libraries,web")  # row 3: unknown
    bad = bad.replace("Repeat contact,,12,", "Repeat contact,,twelve,")  # row 4: not a count
    bad = bad.replace("2026-05-01,month,Waste", "2026-05-17,month,Waste")  # row 5: not a month's first day
    with pytest.raises(InvalidInput) as refused:
        import_contacts(session=session, data=bad.encode(), actor=TESTER, file_name="contacts.csv")
    named = sorted((problem.field, problem.code) for problem in refused.value.problems)
    assert named == [
        ("row 3, Service", "unknown_service"),
        ("row 4, Count", "value_invalid"),
        ("row 5, Period", "date_invalid"),
    ]
    assert "nothing was loaded" in refused.value.detail
    assert _rows(session) == before
    assert session.exec(select(func.count()).select_from(ContactMonth)).one() == 0


def test_a_batch_loaded_twice_changes_nothing(session: Session) -> None:
    _services(session, "council_tax", "waste")
    first = import_contacts(session=session, data=GOOD.encode(), actor=TESTER)
    assert (first.added, first.replaced, first.months) == (4, 0, 2)
    counted, total = _rows(session), _total(session)
    summed = demand.summary(session=session, where=demand.DemandFilter())
    again = import_contacts(session=session, data=GOOD.encode(), actor=TESTER)
    assert (again.added, again.replaced) == (0, 4)
    assert (_rows(session), _total(session)) == (counted, total) == (4, 242)
    assert demand.summary(session=session, where=demand.DemandFilter()) == summed
    # A corrected figure replaces the one kept under the same key.
    import_contacts(session=session, data=GOOD.replace(",120,600", ",100,600").encode(), actor=TESTER)
    assert _total(session) == 222


def test_counts_without_a_segment_are_unique_on_their_key_in_the_database(session: Session) -> None:
    _services(session, "council_tax", "waste")
    import_contacts(session=session, data=GOOD.encode(), actor=TESTER)
    row = session.exec(select(ContactCount)).first()
    assert row is not None
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(
            sa.insert(ContactCount.__table__).values(  # type: ignore[attr-defined]
                period_start=row.period_start,
                grain="month",
                month=row.month,
                service_id=row.service_id,
                channel_id=row.channel_id,
                demand_type_id=row.demand_type_id,
                segment_id=None,
                count=1,
            )
        )


def test_a_repeated_key_in_one_batch_is_named_by_both_rows(session: Session) -> None:
    _services(session, "council_tax", "waste")
    doubled = GOOD + "2026-04-01,month,Council tax,phone,value,,5,\n"
    with pytest.raises(InvalidInput) as refused:
        import_contacts(session=session, data=doubled.encode(), actor=TESTER)
    assert [(p.code, p.field) for p in refused.value.problems] == [("period_repeated", "row 6, Count")]
    assert "row 2" in refused.value.problems[0].detail


def test_a_workbook_is_read_by_its_headings_in_any_order(session: Session) -> None:
    _services(session, "council_tax", "waste")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Contacts by month, from the telephony export"])
    sheet.append(["Service", "Count", "Channel", "Type", "Period"])
    sheet.append(["Council tax", 40, "Phone", "Value demand", date(2026, 4, 1)])
    sheet.append(["Waste", 9, "Web", "Misdirected", "2026-04-01"])
    sheet.append(["Waste", "=1+1", "Web", "Value demand", "2026-04-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InvalidInput) as refused:
        import_contacts(session=session, data=buffer.getvalue(), actor=TESTER, file_name="contacts.xlsx")
    assert [(p.code, p.field) for p in refused.value.problems] == [("value_invalid", "row 5, Count")]
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    book.save(buffer)
    loaded = import_contacts(session=session, data=buffer.getvalue(), actor=TESTER, file_name="contacts.xlsx")
    assert loaded.added == 2
    assert demand.summary(session=session, where=demand.DemandFilter()).avoidable_contacts == 9


def test_a_file_without_the_headings_is_refused_saying_which(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_contacts(b"When,Service,Channel,Type\n2026-04-01,a,b,c\n")
    assert refused.value.problems[0].code == "headings_missing"
    assert "Period" in refused.value.detail and "Count" in refused.value.detail


def test_a_month_is_never_counted_at_two_grains(session: Session) -> None:
    _services(session, "council_tax", "waste")
    import_contacts(session=session, data=GOOD.encode(), actor=TESTER)
    before = (_rows(session), _total(session))
    days = "Period,Grain,Service,Channel,Type,Count\n2026-04-03,day,Waste,Face to face,Repeat contact,4\n"
    with pytest.raises(Conflict) as refused, session.begin_nested():
        import_contacts(session=session, data=days.encode(), actor=TESTER)
    assert refused.value.problems[0].code == "grains_mixed"
    assert "April 2026" in refused.value.detail and "waste, face_to_face, repeat_contact" in refused.value.detail
    assert (_rows(session), _total(session)) == before
    # Days of another type, or of a month counted only by day, are welcome.
    other = days.replace("Repeat contact", "Misdirected") + "2026-06-01,day,Waste,Web,Value demand,2\n"
    assert import_contacts(session=session, data=other.encode(), actor=TESTER).added == 2
