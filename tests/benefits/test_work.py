"""What is due: each rule on its own, with the day it falls due worked out by hand, and the worked example's list."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from benefits import demand, example_demand, measures, register, work
from benefits.demand_import import load_contacts, sheet_of
from benefits.example import load_example
from benefits.models import Measure, ProfileEntryIn, Role
from benefits.models.demand import ContactIn
from benefits.models.measure import Cadence, MeasureCreate, ObservationIn
from benefits.models.review import ActionItem, ActionStatus, ActionUpdate, ReviewCreate
from benefits.reviews import record_review, set_action_status
from benefits.stages import Stage
from benefits.work import WorkKind
from tests.support.factories import TESTER, actor_of, make_benefit, make_initiative, make_owner, make_person

GRACE = 30
REVIEW = "(from the review of 20 October 2026)."


def _due(session: Session, today: date, **only: int) -> list[tuple[str, str | None, int]]:
    """(key, person, days overdue) of everything due on `today`."""
    return [
        (item.key, item.person, item.days_overdue)
        for item in work.due_work(session=session, today=today, grace_days=GRACE, **only)
    ]


def _keys(session: Session, today: date, kind: WorkKind) -> list[str]:
    return [item.key for item in work.due_work(session=session, today=today, grace_days=GRACE) if item.kind is kind]


def test_an_actual_falls_due_after_its_periods_end_and_the_grace_and_leaves_once_recorded(session: Session) -> None:
    owner = make_owner(session, "Dana Reid")
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.planned, owner="Dana Reid")
    # make_benefit records 2026-27's actual; 2027-28 (1 April 2027 to 31 March 2028) has only a plan.
    key = f"actual:benefit:{benefit.id}:2027-28"
    falls_due = date(2028, 3, 31) + timedelta(days=GRACE)  # 30 April 2028
    assert key not in _keys(session, falls_due - timedelta(days=1), WorkKind.actual)
    found = [item for item in work.due_work(session=session, today=falls_due, grace_days=GRACE) if item.key == key]
    assert [(item.person_id, item.days_overdue, item.due_on, item.link) for item in found] == [
        (owner.id, 0, falls_due, f"/benefits/{benefit.id}#profile")
    ]
    rows = [
        ProfileEntryIn(period=entry.period, planned=entry.planned, actual=entry.actual) for entry in benefit.profile
    ]
    rows[-1] = ProfileEntryIn(period="2027-28", planned=Decimal("100"), actual=Decimal("90"))
    register.replace_profile(
        session=session, benefit_id=benefit.id or 0, rows=rows, expected_version=None, actor=TESTER
    )
    assert key not in _keys(session, falls_due + timedelta(days=100), WorkKind.actual)


def test_a_benefit_with_a_measure_owes_its_actual_a_cadence_after_the_period_starts(session: Session) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.planned)
    measures.create_measure(
        session=session,
        fields=MeasureCreate(name="Calls", initiative_id=initiative.id or 0, benefit_ids=[benefit.id or 0],
                             cadence=Cadence.quarterly),
        actor=TESTER,
    )  # fmt: skip
    # 2027-28 starts on 1 April 2027; a quarter later, 1 July 2027, its first figure can be read.
    falls_due = date(2027, 7, 1) + timedelta(days=GRACE)
    key = f"actual:benefit:{benefit.id}:2027-28"
    assert key not in _keys(session, falls_due - timedelta(days=1), WorkKind.actual)
    assert key in _keys(session, falls_due, WorkKind.actual)


def test_a_measure_owes_its_next_observation_two_cadences_after_the_last_plus_the_grace(session: Session) -> None:
    owner = make_owner(session, "Tom Ellis")
    initiative = make_initiative(session)
    measure = measures.create_measure(
        session=session,
        fields=MeasureCreate(
            name="Visits", initiative_id=initiative.id or 0, owner="tom ellis", cadence=Cadence.monthly
        ),
        actor=TESTER,
    )
    measures.record_observations(
        session=session, measure_id=measure.id or 0, rows=[ObservationIn(date=date(2026, 10, 1), value=Decimal(5))],
        actor=TESTER,
    )  # fmt: skip
    # October's figure is in; November's can be read once November has ended (1 December), then the grace.
    falls_due = date(2026, 12, 1) + timedelta(days=GRACE)
    key = f"observation:measure:{measure.id}"
    assert key not in _keys(session, falls_due - timedelta(days=1), WorkKind.observation)
    assert _due(session, falls_due) == [(key, "Tom Ellis", 0)]
    assert work.due_work(session=session, today=falls_due, grace_days=GRACE)[0].person_id == owner.id
    measures.record_observations(
        session=session, measure_id=measure.id or 0, rows=[ObservationIn(date=date(2026, 11, 1), value=Decimal(4))],
        actor=TESTER,
    )  # fmt: skip
    assert key not in _keys(session, falls_due, WorkKind.observation)


def test_a_benefit_nobody_owns_falls_to_the_initiatives_owner_and_an_ended_initiative_asks_who_tracks_now(
    session: Session,
) -> None:
    manager = make_person(session, role=Role.programme_manager, name="Priya Patel")
    initiative = make_initiative(session, owner_id=manager.id, end_date=date(2027, 3, 31))
    benefit = make_benefit(session, initiative=initiative)
    today = date(2027, 4, 2)
    assert _due(session, today) == [
        (f"owner:benefit:{benefit.id}", "Priya Patel", (today - benefit.created_at.date()).days),
        (f"handover:initiative:{initiative.id}", "Priya Patel", 2),
    ]
    assert _due(session, today, person_id=manager.id or 0) == _due(session, today)
    assert _due(session, today, person_id=(manager.id or 0) + 1000) == []


def test_a_boards_action_past_its_date_falls_to_its_owner_until_it_is_done(session: Session) -> None:
    owner = make_owner(session, "Frank Okafor")
    initiative = make_initiative(session)
    review = record_review(
        session=session,
        fields=ReviewCreate(initiative_id=initiative.id, held_on=date(2026, 11, 1), actions=[
            ActionItem(action="Confirm the budget", owner="frank okafor", due=date(2026, 11, 30)),
            ActionItem(action="Write to the board", owner="Frank Okafor"),  # no date: never overdue
        ]),
        actor=TESTER,
    )  # fmt: skip
    key = f"action:review:{review.id}:{hashlib.sha256(b'Confirm the budget').hexdigest()[:12]}"
    assert _due(session, date(2026, 11, 30)) == []
    assert _due(session, date(2026, 12, 7)) == [(key, "Frank Okafor", 7)]
    assert work.due_work(session=session, today=date(2026, 12, 7), grace_days=GRACE)[0].person_id == owner.id


def test_the_worked_example_names_who_owes_what_on_7_december_2026(session: Session) -> None:
    load_example(session=session)
    today = date(2026, 12, 7)
    due = work.due_work(session=session, today=today, grace_days=GRACE)
    listed = [(item.person, item.kind.value, item.what, item.days_overdue) for item in due]
    assert listed == [
        # 2026-27 began on 1 April 2026, 250 days ago: finance has confirmed none of the capacity of the avoided
        # calls as redeployed, nor any of the cash the web shift takes from the phone budget (the finance page's
        # lists); Frank Okafor is the example's one finance officer.
        ("Frank Okafor", "capacity", "Confirm where the capacity “Avoidable phone contact removed” released in "
         "2026-27 went.", 250),
        ("Frank Okafor", "cash", "Confirm the cash “Phone transactions shifted to the web” took from its budget in "
         "2026-27.", 250),
        # October's board (20 October) carried July's two open actions (due 31 August and 31 October) beside
        # its own (due 30 November).
        ("Priya Patel", "action", f"Find an owner for the abandoned-calls benefit {REVIEW}", 98),
        ("Frank Okafor", "action", f"Confirm the CS200 budget reduction {REVIEW}", 37),
        ("Priya Patel", "action", f"Update the avoidable-contact assumption from the measure {REVIEW}", 7),
        # The safeguarding benefit has no owner: it falls to the initiative's owner, from the day it was made.
        ("Priya Patel", "owner", "Name an owner for “A single customer record improves safeguarding referrals”.",
         (today - next(item.due_on for item in due if item.kind is WorkKind.owner)).days),
    ]  # fmt: skip


def test_a_carried_action_stays_one_item_and_marking_it_done_anywhere_clears_it(session: Session) -> None:
    make_owner(session, "Frank Okafor")
    initiative = make_initiative(session)
    first = record_review(
        session=session,
        fields=ReviewCreate(initiative_id=initiative.id, held_on=date(2026, 7, 15), actions=[
            ActionItem(action="Confirm the budget", owner="Frank Okafor", due=date(2026, 8, 31))]),
        actor=TESTER,
    )  # fmt: skip
    today = date(2026, 9, 10)
    told = _keys(session, today, WorkKind.action)
    second = record_review(
        session=session, fields=ReviewCreate(initiative_id=initiative.id, held_on=date(2026, 9, 1)), actor=TESTER
    )
    assert second.actions[0]["carried_from"] == first.id
    # The next board carried it: still the one item, the same key (so no second e-mail), linked to the latest.
    assert _keys(session, today, WorkKind.action) == told
    assert work.due_work(session=session, today=today, grace_days=GRACE)[0].link == f"/reviews/{second.id}#action-1"
    # Marked done where it was first agreed (an old e-mail's link), the carried copy is done too.
    set_action_status(session=session, review_id=first.id or 0, number=1,
                      fields=ActionUpdate(status=ActionStatus.done), actor=TESTER)  # fmt: skip
    assert _keys(session, today, WorkKind.action) == []


def _actuals(session: Session, today: date, **only: int) -> list[tuple[str, str | None]]:
    found = work.due_work(session=session, today=today, grace_days=GRACE, **only)
    return [(item.key, item.person) for item in found if item.kind is WorkKind.actual]


def test_what_someone_no_longer_active_owes_falls_to_the_initiatives_owner(session: Session) -> None:
    manager = make_person(session, role=Role.programme_manager, name="Priya Patel")
    leaver = make_owner(session, "Dana Reid")
    initiative = make_initiative(session, owner_id=manager.id)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.planned, owner="Dana Reid")
    today = date(2028, 5, 1)  # 2027-28's actual is due from 30 April 2028
    key = f"actual:benefit:{benefit.id}:2027-28"
    assert _actuals(session, today) == [(key, "Dana Reid")]
    leaver.active = False
    session.flush()
    assert _actuals(session, today) == [(key, "Priya Patel")]
    assert _actuals(session, today, person_id=manager.id or 0) == [(key, "Priya Patel")]
    assert _actuals(session, today, person_id=leaver.id or 0) == []


def test_with_nobody_in_finance_money_to_confirm_is_owed_by_nobody_named(session: Session) -> None:
    initiative = make_initiative(session)
    benefit = make_benefit(session, initiative=initiative, stage=Stage.planned)  # capacity, 2026-27 and 2027-28
    found = work.due_work(session=session, today=date(2027, 4, 2), grace_days=GRACE)
    money = [(item.key, item.person_id) for item in found if item.kind is WorkKind.capacity]
    assert money == [(f"capacity:benefit:{benefit.id}:2026-27", None), (f"capacity:benefit:{benefit.id}:2027-28", None)]


def test_a_measure_fed_from_the_counts_is_owed_a_refresh_only_once_a_later_month_is_counted(session: Session) -> None:
    load_example(session=session)
    measure = session.exec(select(Measure).where(Measure.name == "Share of avoidable contact")).one()
    today = date(2027, 1, 10)  # a cadence (monthly) and the grace after its last observation, 1 October 2026
    # The counts end with October 2026, the month of its last observation: nothing to refresh, nothing owed.
    assert f"observation:measure:{measure.id}" not in _keys(session, today, WorkKind.observation)
    counted_by = make_person(session, role=Role.admin)
    for channel in ("web", "phone"):  # the measure is fed from phone contacts: the web's November changes nothing
        november = [
            ContactIn(period_start=date(2026, 11, 1), service=service, channel=channel, demand_type="value", count=900)
            for service in example_demand.PROGRAMME_SERVICES
        ]
        load_contacts(session=session, sheet=sheet_of(november), actor=actor_of(counted_by))
        if channel == "web":
            assert f"observation:measure:{measure.id}" not in _keys(session, today, WorkKind.observation)
    owed = [item for item in work.due_work(session=session, today=today, grace_days=GRACE)
            if item.key == f"observation:measure:{measure.id}"]  # fmt: skip
    assert [(item.person, item.what) for item in owed] == [
        ("Sam Hughes", "Refresh “Share of avoidable contact” from the contact counts: later months have been counted.")
    ]
    demand.refresh_measure(session=session, measure_id=measure.id or 0, actor=actor_of(counted_by))
    assert f"observation:measure:{measure.id}" not in _keys(session, today, WorkKind.observation)
