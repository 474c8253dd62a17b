"""Transactions on the embedded database: writes take SQLite's lock at their start, reads never wait for it."""

import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from benefits.db import WriteInARead, make_engine, reading, reading_session
from benefits.models import CostCentre


def _engine_with_a_row(folder: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{folder / 'benefits.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE reading (value INTEGER)")
        connection.exec_driver_sql("INSERT INTO reading VALUES (1)")
    return engine


def test_a_read_does_not_wait_for_a_writer_and_sees_the_last_commit(tmp_path: Path) -> None:
    engine = _engine_with_a_row(tmp_path)
    with engine.connect() as writer, writer.begin():
        writer.exec_driver_sql("INSERT INTO reading VALUES (2)")  # holds the write lock until the block ends
        started = time.monotonic()
        with Session(reading(engine)) as session:
            seen = session.execute(sa.text("SELECT count(*) FROM reading")).scalar_one()
        waited = time.monotonic() - started
    assert seen == 1
    # The busy timeout is 5 s: a read that queued behind the writer would have waited for it, then failed.
    assert waited < 3


def test_a_write_waits_for_the_writer_before_it(tmp_path: Path) -> None:
    engine = _engine_with_a_row(tmp_path)
    with engine.connect() as writer, writer.begin():
        writer.exec_driver_sql("INSERT INTO reading VALUES (2)")
        # A unit of work that may write takes the lock at its start: it waits out the busy timeout, then gives up.
        with Session(engine) as session, pytest.raises(sa.exc.OperationalError, match="locked"):
            session.execute(sa.text("SELECT count(*) FROM reading"))


def test_a_unit_of_work_that_only_reads_refuses_to_write(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'benefits.db'}")
    SQLModel.metadata.create_all(engine)
    with reading_session(engine) as session, pytest.raises(WriteInARead, match="CostCentre"):
        session.add(CostCentre(code="CS100", name="Contact centre"))
        session.flush()
    with Session(engine) as session:
        assert session.execute(sa.text("SELECT count(*) FROM cost_centre")).scalar_one() == 0
