"""A long read holds no lock: while the finance workbook is being written, another client's writes succeed at once,
and the finished workbook shows the database as it was when the read began."""

import threading
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import IO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from benefits import migrate, people
from benefits.appraisal import penny
from benefits.db import engine_for, get_engine, reading_session, transaction
from benefits.example import load_example
from benefits.models import Benefit, Initiative, ProfileEntry, Role
from benefits.periods import Period, parse_period
from benefits.settings import get_settings
from benefits.workbooks.finance_summary import DETAIL, spooled_finance_workbook
from tests.conftest import FreshDatabase
from tests.support.factories import make_person, make_token

TODAY = date(2026, 11, 23)
# A write that waited for a lock held by the export would wait out SQLite's busy timeout (5 s), then answer 503.
PROMPTLY = 2.5


@pytest.fixture
def served(fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, str]]:
    """The worked example in a database of its own, served as `benefits serve` serves it; the engine and a token."""
    url = fresh_databases.url()
    migrate.upgrade(url)
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        engine = get_engine()
        with transaction(engine) as session:
            load_example(session=session)
            token = make_token(session, person=make_person(session, role=Role.admin))
        yield engine, token
    finally:
        engine_for(url).dispose()
        get_settings.cache_clear()


def _planned_by_year(session: Session, benefit_id: int) -> dict[str, Decimal]:
    """A benefit's planned values by financial year, straight from its profile."""
    years: dict[str, Decimal] = {}
    for entry in session.exec(select(ProfileEntry).where(ProfileEntry.benefit_id == benefit_id)):
        year = Period(parse_period(entry.period).start_year).label
        years[year] = years.get(year, Decimal(0)) + (entry.planned or 0)
    return years


def test_a_workbook_being_written_blocks_no_writer_and_shows_the_state_it_began_with(
    served: tuple[Engine, str],
) -> None:
    engine, token = served
    with Session(engine) as session:
        changed = session.exec(
            select(Benefit.id)
            .join(ProfileEntry)
            .where(Benefit.category == "financial", ~col(Benefit.is_disbenefit), ~col(Benefit.withdrawn))
            .where(col(ProfileEntry.planned) > 0)
        ).first()
        assert changed is not None
        before = _planned_by_year(session, changed)
        # The new estimate: every period's plan doubled, its actual kept.
        estimate = [
            {"period": entry.period, "planned": str(2 * (entry.planned or 0)),
             "actual": None if entry.actual is None else str(entry.actual)}
            for entry in session.exec(select(ProfileEntry).where(ProfileEntry.benefit_id == changed))
        ]  # fmt: skip
        initiatives_before = set(session.exec(select(Initiative.name)).all())

    writing = threading.Event()  # the export has written rows and is paused in the middle
    go_on = threading.Event()
    told: list[tuple[int, int]] = []
    outcome: dict[str, IO[bytes] | BaseException] = {}

    def pause(done: int, total: int) -> None:
        told.append((done, total))
        if done >= 1 and not writing.is_set():
            writing.set()
            assert go_on.wait(timeout=120), "the test never let the export go on"

    def export() -> None:
        # As a GET request runs it: its unit of work has already read (the token) when the export starts.
        try:
            with reading_session(engine) as session:
                people.actor_for_token(session=session, token=token)
                outcome["workbook"] = spooled_finance_workbook(session=session, today=TODAY, progress=pause)
                session.commit()
        except BaseException as error:  # reported by the test below
            outcome["error"] = error

    exporter = threading.Thread(target=export)
    exporter.start()
    try:
        assert writing.wait(timeout=120), f"the export never reached its rows: {outcome.get('error')!r}"
        with TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}) as client:
            started = time.perf_counter()
            raised = client.put(
                f"/api/v1/benefits/{changed}/profile",
                json=estimate,
                params={"reason": "Re-estimated while finance exports"},
            )
            created = client.post("/api/v1/initiatives", json={"name": "Arrived during the export"})
            took = time.perf_counter() - started
        assert raised.status_code == 200, raised.text
        assert created.status_code == 201, created.text
        assert took < PROMPTLY, f"the writes waited {took:.1f} s for the export"
    finally:
        go_on.set()
        exporter.join(timeout=120)
    assert not exporter.is_alive()
    assert "error" not in outcome, outcome.get("error")
    spooled = outcome["workbook"]
    assert not isinstance(spooled, BaseException)

    with spooled:
        book = load_workbook(spooled, read_only=True)
        detail = list(book[DETAIL].iter_rows(min_row=2, values_only=True))
        initiatives = {row[1] for row in book["Initiatives"].iter_rows(min_row=2, values_only=True)}
    # The export went on after the writes committed, and shows none of them.
    assert told[-1][0] == told[-1][1] == len(detail) and told[0] == (0, len(detail))
    assert initiatives == initiatives_before
    shown = {row[7]: penny(Decimal(repr(row[9]))) for row in detail if row[2] == changed}
    assert shown == {period: penny(planned) for period, planned in before.items()}
    # ...and the database holds them.
    with Session(engine) as session:
        assert _planned_by_year(session, changed) == {period: planned * 2 for period, planned in before.items()}
        names = set(session.exec(select(Initiative.name)).all())
        assert names == initiatives_before | {"Arrived during the export"}
