"""A page of the register is read with few queries, and says the same as each benefit read on its own."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from benefits import baselines, register
from benefits.listing import Page
from benefits.models import Benefit, Initiative, ProfileEntryIn
from benefits.models.baseline import RebaselineCreate
from benefits.stages import Stage
from tests.support.factories import TESTER, make_benefit, make_initiative


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's connection sends inside the block."""
    sent: list[str] = []
    connection = session.connection()

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    sa.event.listen(connection, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(connection, "before_cursor_execute", count)


def _register(session: Session, initiative: Initiative, limit: int = 50, offset: int = 0) -> Page[Benefit]:
    assert initiative.id is not None
    return register.list_benefits(session=session, initiative_id=initiative.id, limit=limit, offset=offset)


def test_a_page_of_the_register_reads_each_benefit_as_it_reads_alone(session: Session) -> None:
    initiative = make_initiative(session)
    planned = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Planned: baseline approved")
    make_benefit(session, initiative=initiative, title="An opportunity: no baseline")
    assert planned.id is not None
    rows = [ProfileEntryIn(period=year, planned=Decimal(plan)) for year, plan in (("2026-27", 60), ("2027-28", 90))]
    register.replace_profile(session=session, benefit_id=planned.id, rows=rows, expected_version=None, actor=TESTER)
    again = RebaselineCreate(reason="Re-scoped after the pilot")
    baselines.rebaseline(session=session, benefit_id=planned.id, fields=again, expected_version=None, actor=TESTER)
    session.commit()
    for fresh in (False, True):  # read into a session that holds the benefits already, and into an empty one
        if fresh:
            session.expunge_all()
        page = _register(session, initiative)
        listed = [register.benefit_view(benefit).model_dump() for benefit in page.items]
        session.expunge_all()
        alone = [
            register.benefit_view(register.get_benefit(session=session, benefit_id=view["id"])).model_dump()
            for view in listed
        ]
        assert listed == alone
        assert [len(view["baselines"]) for view in listed] == [2, 0]


def test_a_page_without_approved_baselines_takes_five_queries_and_counts_only_when_it_must(session: Session) -> None:
    initiative = make_initiative(session)
    for number in range(5):
        make_benefit(session, initiative=initiative, title=f"Benefit {number}")
    session.commit()
    session.expunge_all()

    with _statements(session) as sent:
        page = _register(session, initiative)
    # The initiative, the benefits, their profiles and the two kinds of confirmation: no count, no baselines.
    assert len(sent) == 5, sent
    assert (len(page.items), page.total) == (5, 5)
    assert not any("count(" in statement.lower() for statement in sent)

    # A full page, or an empty one past the start, cannot tell the total by itself: those are counted.
    for limit, offset, shown in ((2, 0, 2), (2, 2, 2), (2, 4, 1), (5, 0, 5), (2, 6, 0), (50, 5, 0)):
        session.expunge_all()
        with _statements(session) as sent:
            page = _register(session, initiative, limit=limit, offset=offset)
        assert (len(page.items), page.total) == (shown, 5), (limit, offset)
        counted = any("count(" in statement.lower() for statement in sent)
        assert counted == (shown == limit or shown == 0), (limit, offset)
