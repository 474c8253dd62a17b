"""The worked example loads once, obeys every gate, and covers what it promises."""

from collections import Counter

from sqlmodel import Session, func, select

from benefits import register
from benefits.example import load_example
from benefits.models import Benefit, Initiative, Person, Role
from benefits.periods import parse_period
from benefits.stages import Stage, unmet_requirements


def test_the_example_loads_once_and_covers_every_stage_and_route(session: Session) -> None:
    made = load_example(session=session)
    assert made is not None
    assert load_example(session=session) is None
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    assert session.exec(select(func.count()).select_from(Initiative)).one() == 1

    page = register.list_benefits(session=session, initiative_id=initiative.id, limit=100, offset=0)
    benefits = page.items
    assert len(benefits) >= 8
    assert set(Counter(b.stage for b in benefits)) == set(Stage)
    assert {"cash", "capacity"} <= {b.route for b in benefits}
    assert any(b.is_disbenefit for b in benefits)
    for benefit in benefits:
        # Every benefit meets the bar of the stage it stands at.
        assert unmet_requirements(register.gate_facts(benefit), Stage(benefit.stage)) == []
    profiled = [b for b in benefits if len(b.profile) == 5]
    assert profiled
    for benefit in profiled:
        years = [parse_period(entry.period).start_year for entry in benefit.profile]
        assert years == list(range(years[0], years[0] + 5))


def test_the_example_uses_the_published_unit_costs(session: Session) -> None:
    load_example(session=session)
    titles = {b.title: b for b in session.exec(select(Benefit)).all()}
    web_shift = titles["Face-to-face visits shifted to the web"]
    # 40,000 visits x (GBP 8.62 face to face - GBP 0.15 web)
    assert web_shift.estimate_likely == 40_000 * (862 - 15) / 100
    phone_shift = titles["Phone transactions shifted to the web"]
    assert phone_shift.estimate_likely == 120_000 * (283 - 15) / 100
    avoidable = titles["Avoidable phone contact removed"]
    # 600,000 calls x 30% avoidable x 50% removed x GBP 2.83
    assert avoidable.estimate_likely == 600_000 * 30 * 50 * 283 / 100 / 100 / 100


def test_the_example_brings_a_first_admin_and_people_for_every_role(session: Session) -> None:
    made = load_example(session=session, admin_name="root", admin_password="chosen-by-operator")
    assert made is not None
    shown = {person.name: password for person, password in made.people}
    assert shown["root"] is None  # the operator chose it, so it is not printed
    assert all(password for name, password in shown.items() if name != "root")
    assert {Role(p.role) for p in session.exec(select(Person)).all()} == set(Role)
    initiative = session.exec(select(Initiative)).one()
    owner = session.get(Person, initiative.owner_id)
    assert owner is not None and owner.role == Role.programme_manager
