"""An import writes in bulk exactly what the register says: benefits, profiles, ledger and one event per benefit."""

import gc
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlmodel import Session, col, select

from benefits import audit, ledger, register
from benefits.models import AuditEvent, Benefit, BenefitCreate, LedgerEntry, ProfileEntry, ProfileEntryIn
from benefits.workbooks.register_import import _write_rows, import_benefits
from tests.support.factories import TESTER, make_cost_centre, make_initiative, make_owner

YEARS = ["2026-27", "2027-28", "2028-29"]
HEADINGS = ["Id", "Title", "Owner", "Category", "Unit", "Dis-benefit", "Route", "Cost centre", "Redeployment",
            "Estimate low", "Estimate likely", "Estimate high", "Baseline", "Baseline date", "Confidence",
            *(f"Plan {year}" for year in YEARS), *(f"Actual {year}" for year in YEARS)]  # fmt: skip
# One row per kind of benefit the ledger treats apart: cash (with its cost centre), capacity, undecided, a
# dis-benefit, a non-financial one, one valued in a unit that is not money, and one without a profile.
ROWS: list[dict[str, Any]] = [
    {"Title": "Printing stopped", "Owner": "Head of Print", "Category": "financial", "Route": "cash",
     "Cost centre": "cs9", "Estimate low": 80, "Estimate likely": 100, "Estimate high": 130.5,
     "Baseline": 2000, "Baseline date": date(2026, 3, 31), "Confidence": "high",
     "Plan 2026-27": 1000, "Plan 2027-28": 2000.25, "Plan 2028-29": 3000, "Actual 2026-27": 900},
    {"Title": "Hours released", "Category": "financial", "Route": "capacity", "Redeployment": "Casework",
     "Plan 2027-28": 500, "Actual 2027-28": 650, "Actual 2028-29": 40},
    {"Title": "Route not yet chosen", "Category": "financial", "Unit": "£", "Plan 2026-27": 10, "Plan 2028-29": 30},
    {"Title": "Longer journeys", "Category": "financial", "Route": "cash", "Cost centre": "CS9", "Dis-benefit": "Yes",
     "Plan 2026-27": 75, "Plan 2027-28": 80},
    {"Title": "Satisfaction", "Category": "non_financial", "Unit": "%", "Plan 2026-27": 90, "Plan 2027-28": 95},
    {"Title": "Calls avoided", "Unit": "calls", "Plan 2026-27": 12000},
    {"Title": "No profile yet", "Category": "financial", "Route": "undecided"},
]  # fmt: skip
FIELD = {"Title": "title", "Owner": "owner", "Category": "category", "Unit": "unit", "Route": "route",
         "Cost centre": "cost_centre", "Redeployment": "redeployment", "Estimate low": "estimate_low",
         "Estimate likely": "estimate_likely", "Estimate high": "estimate_high", "Baseline": "baseline_value",
         "Baseline date": "baseline_date", "Confidence": "confidence"}  # fmt: skip


def _register(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Benefits"
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append([row.get(heading) for heading in HEADINGS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sent(row: dict[str, Any]) -> dict[str, Any]:
    """The fields a row sends, as the API would take them."""
    fields = {FIELD[heading]: value for heading, value in row.items() if heading in FIELD}
    if "cost_centre" in fields:
        fields["cost_centre"] = fields["cost_centre"].upper()
    if row.get("Dis-benefit") == "Yes":
        fields["is_disbenefit"] = True
    return fields


def _planned(row: dict[str, Any]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Each period the row fills, with its plan and actual, by hand."""
    periods: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for year in YEARS:
        plan, actual = row.get(f"Plan {year}"), row.get(f"Actual {year}")
        if plan is not None or actual is not None:
            periods[year] = (
                None if plan is None else Decimal(str(plan)),
                None if actual is None else Decimal(str(actual)),
            )
    return periods


def _make_owners(session: Session) -> dict[str, int]:
    """The people the register names as owners (an owner is a person in the service), by name."""
    return {row["Owner"]: make_owner(session, row["Owner"]).id or 0 for row in ROWS if row.get("Owner")}


def _imported(session: Session) -> tuple[int, dict[str, Benefit]]:
    initiative = make_initiative(session, name="Bulk import")
    make_cost_centre(session, code="CS9")
    _make_owners(session)
    session.flush()
    result = import_benefits(session=session, initiative_id=initiative.id or 0, data=_register(ROWS), actor=TESTER)
    assert (result.created, result.updated, result.unchanged) == (len(ROWS), 0, 0)
    session.flush()
    stored = session.exec(
        select(Benefit).where(Benefit.initiative_id == initiative.id).options(*register.loaded_relations())
    ).all()
    return initiative.id or 0, {benefit.title: benefit for benefit in stored}


def test_every_stored_benefit_and_profile_row_is_what_the_register_says(session: Session) -> None:
    _, stored = _imported(session)
    owner_ids = _make_owners(session)  # the people already made, found again by name
    assert sorted(stored) == sorted(row["Title"] for row in ROWS)
    for row in ROWS:
        benefit = stored[row["Title"]]
        # The same fields as the API stores when sent them (defaults included), and nothing else.
        expected = BenefitCreate.model_validate(_sent(row)).model_dump()
        expected["owner_id"] = owner_ids.get(row.get("Owner") or "")  # the import finds the person the row names
        if expected["category"] == "financial" and expected["route"] is None:
            expected["route"] = "undecided"  # a financial benefit's route starts undecided
        assert {name: getattr(benefit, name) for name in expected} == expected, row["Title"]
        assert (benefit.stage, benefit.version, benefit.withdrawn, benefit.baseline_version) == (
            "opportunity", 1, False, None
        )  # fmt: skip
        entries = session.exec(
            select(ProfileEntry).where(ProfileEntry.benefit_id == benefit.id).order_by(col(ProfileEntry.period))
        ).all()
        assert [(e.period, e.sort_key, e.planned, e.actual) for e in entries] == [
            (year, int(year[:4]) * 10, plan, actual) for year, (plan, actual) in _planned(row).items()
        ], row["Title"]


def _ledger_by_hand(initiative_id: int, stored: dict[str, Benefit]) -> set[tuple[Any, ...]]:
    """The finance ledger of new benefits, from the register alone: live financial ones valued in money."""
    expected = set()
    for row in ROWS:
        sent = _sent(row)
        if sent.get("category") != "financial" or str(sent.get("unit") or "GBP").upper() not in ("GBP", "£"):
            continue
        sign = -1 if sent.get("is_disbenefit") else 1
        route = sent.get("route") or "undecided"
        for year, (plan, actual) in _planned(row).items():
            start = int(year[:4])
            value = actual if actual is not None else plan or Decimal(0)
            expected.add((  # a year starts in April by default: month 4, kept as year x 12 + month - 1
                stored[row["Title"]].id, initiative_id, year, start, start * 12 + 3, route, "opportunity",
                sent.get("cost_centre") if route == "cash" else None, sign * int(value * 10_000),
                sign * int((plan or Decimal(0)) * 10_000), None, 0, 0, 1,  # each period here is a whole year
            ))  # fmt: skip
    return expected


def _ledger_rows(session: Session, initiative_id: int) -> set[tuple[Any, ...]]:
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.initiative_id == initiative_id)).all()
    return {
        (e.benefit_id, e.initiative_id, e.period, e.year, e.starts_month, e.route, e.stage, e.cost_centre, e.value,
         e.planned, e.approved, e.confirmed, e.redeployed, e.first_of_year)
        for e in entries
    }  # fmt: skip


def test_the_ledger_rows_are_those_computed_by_hand_and_by_a_full_rebuild(session: Session) -> None:
    initiative_id, stored = _imported(session)
    written = _ledger_rows(session, initiative_id)
    assert written == _ledger_by_hand(initiative_id, stored)
    ledger.rebuild(session=session)  # every entry again, from the sources, as any later flush would
    assert _ledger_rows(session, initiative_id) == written


def test_one_event_per_benefit_holds_what_the_per_row_path_records(session: Session) -> None:
    initiative_id, stored = _imported(session)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.initiative_id == initiative_id, AuditEvent.entity == "benefit")
    ).all()
    assert sorted(event.entity_id for event in events) == sorted(benefit.id or 0 for benefit in stored.values())
    by_benefit = {event.entity_id: event for event in events}
    # The same benefits added one at a time through the API's path, elsewhere: their events are the yardstick.
    elsewhere = make_initiative(session, name="One at a time")
    make_cost_centre(session, code="CS9")
    for row in ROWS:
        one = register.create_benefit(
            session=session, initiative_id=elsewhere.id or 0, fields=BenefitCreate.model_validate(_sent(row)),
            actor=TESTER,
        )  # fmt: skip
        (recorded,) = audit.events_for(session=session, entity="benefit", entity_id=one.id or 0)
        event = by_benefit[stored[row["Title"]].id or 0]
        assert (event.action, event.actor, event.actor_id, event.before, event.context) == (
            recorded.action, recorded.actor, recorded.actor_id, recorded.before, recorded.context
        )  # fmt: skip
        assert event.reason == "Imported from a workbook" and event.at is not None
        profile = {year: {"planned": None if plan is None else float(plan), "actual": None if actual is None
                          else float(actual)} for year, (plan, actual) in _planned(row).items()}  # fmt: skip
        after = dict(recorded.after or {})
        assert after.pop("stage") == "opportunity"  # the import's events say the stage by the action alone
        assert event.after == after | {"profile": profile}, row["Title"]


def test_progress_is_told_as_rows_are_processed(session: Session) -> None:
    initiative = make_initiative(session, name="Progress")
    make_cost_centre(session, code="CS9")
    rows = [{"Title": f"Benefit {number}", "Plan 2026-27": number} for number in range(2_500)]
    told: list[tuple[int, int]] = []
    import_benefits(
        session=session, initiative_id=initiative.id or 0, data=_register(rows), actor=TESTER,
        progress=lambda done, total: told.append((done, total)),
    )  # fmt: skip
    assert told[0] == (0, 0)  # before the workbook is read, the total is not known
    assert told[-1] == (2_500, 2_500)
    assert all(total in (0, 2_500) for _, total in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    assert len(told) >= 4  # told along the way, not only at the ends


def test_the_cycle_collector_pauses_while_an_import_runs_and_is_as_it_was_after(session: Session) -> None:
    initiative = make_initiative(session, name="Collector")
    make_cost_centre(session, code="CS9")
    _make_owners(session)
    session.flush()
    seen: list[bool] = []
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            import_benefits(session=session, initiative_id=initiative.id or 0, data=_register(ROWS[:2]), actor=TESTER,
                            progress=lambda _done, _all: seen.append(gc.isenabled()))  # fmt: skip
            assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert seen and not any(seen)


def test_a_driver_error_in_a_bulk_write_is_the_error_any_statement_gives(session: Session) -> None:
    # COPY and executemany run past SQLAlchemy: a constraint broken there escaped as the driver's own error, which
    # the service answers as an unexpected 500 rather than as the refusal or retry a statement's error gets.
    initiative = make_initiative(session, name="Bulk errors")
    benefit = register.create_benefit(
        session=session, initiative_id=initiative.id or 0, fields=BenefitCreate(title="Once"), actor=TESTER
    )
    register.replace_profile(
        session=session, benefit_id=benefit.id or 0, rows=[ProfileEntryIn(period="2026-27", planned=Decimal(1))],
        expected_version=None, actor=TESTER,
    )  # fmt: skip
    again = {"benefit_id": benefit.id, "period": "2026-27", "sort_key": 20260, "planned": Decimal(2), "actual": None}
    with pytest.raises(sa.exc.IntegrityError):
        _write_rows(session, ProfileEntry.__table__, [again])  # type: ignore[attr-defined]
