"""The finance workbook written in an export process: the same workbook, refusals whole, nothing left behind."""

import io
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from benefits import errors, migrate, register
from benefits.db import make_engine, reading_session, transaction
from benefits.models import ProfileEntryIn, Role
from benefits.settings import get_settings
from benefits.workbooks import export_process
from benefits.workbooks.finance_summary import SHEETS, spooled_finance_workbook, write_finance_workbook
from tests.conftest import FreshDatabase
from tests.support.factories import (
    TESTER,
    make_benefit,
    make_cost_centre,
    make_initiative,
    make_person,
    make_token,
)

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def committed(fresh_databases: FreshDatabase) -> Iterator[Engine]:
    """A database of its own holding two initiatives' financial benefits, committed, so any process can read it."""
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        make_cost_centre(session, code="CS100")
        for number, route in enumerate(("cash", "capacity")):
            initiative = make_initiative(session, name=f"Initiative {number}")
            benefit = make_benefit(session, initiative=initiative, title=f"Benefit {number}", category="financial",
                                   route=route, cost_centre="CS100" if route == "cash" else None,
                                   redeployment="Casework" if route == "capacity" else None)  # fmt: skip
            rows = [ProfileEntryIn(period=f"{2026 + year}-{27 + year}", planned=Decimal(1000 * (year + number + 1)))
                    for year in range(4)]  # fmt: skip
            register.replace_profile(session=session, benefit_id=benefit.id or 0, rows=rows, expected_version=None,
                                     actor=TESTER)  # fmt: skip
    yield engine
    engine.dispose()


def _sheets(workbook: io.BytesIO | bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, where the exports' files are made (other tests' servers use theirs)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _export_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob(f"{export_process.FILE_PREFIX}*"))


def test_an_export_process_is_another_process_at_a_lower_priority_deaf_to_the_server_s_stop() -> None:
    exporter = export_process.run_export(os.getpid)
    assert exporter != os.getpid()
    assert export_process.run_export(os.nice, 0) == min(19, os.nice(0) + export_process.NICENESS)
    # systemd signals a service's whole group to stop it: the server lets its downloads finish, so the exports
    # they wait on must not stop first.
    os.kill(exporter, signal.SIGTERM)
    time.sleep(0.5)
    assert _alive(exporter)
    assert export_process.run_export(os.getpid) != os.getpid()  # and the pool still takes exports


# A server of the test's own: it starts an export process, says the process's id, and waits to be killed.
SERVER = """
import os, sys, time
from benefits.workbooks import export_process
print(export_process.run_export(os.getpid), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has ended, its parent not told


def _until_ended(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_an_export_process_ends_soon_after_its_server_is_killed_outright() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert server.stdout is not None
        exporter = int(server.stdout.readline())
        assert exporter != server.pid and _alive(exporter)
    finally:
        server.kill()
        server.wait(timeout=10)
    assert _until_ended(exporter, 10 * export_process.WATCH_SECONDS), "the export process outlived its server"


def test_the_app_ends_its_export_processes_when_it_stops() -> None:
    with TestClient(create_app()):
        exporter = export_process.run_export(os.getpid)
        assert _alive(exporter)
    assert _until_ended(exporter, 5)
    assert export_process.run_export(os.getpid) != exporter  # the next export starts a new one


def test_the_workbook_written_in_an_export_process_is_the_one_written_here(
    committed: Engine, private_temp: Path
) -> None:
    with reading_session(committed) as session:
        assert export_process.database_url(session=session) is not None
        with spooled_finance_workbook(session=session, today=TODAY) as spooled:
            assert not isinstance(spooled, tempfile.SpooledTemporaryFile)  # the export process's file, not this one's
            elsewhere = spooled.read()
        here = io.BytesIO()
        write_finance_workbook(session=session, target=here, today=TODAY)
    shown = _sheets(elsewhere)
    assert list(shown) == list(SHEETS)
    assert shown == _sheets(here.getvalue())
    assert len(shown["Benefits by year"]) == 1 + 2 * 4  # a header, and both benefits' four years
    assert _export_files(private_temp) == []


def test_the_download_a_server_sends_is_written_in_an_export_process(
    committed: Engine, private_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENEFITS_DATABASE_URL", committed.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        with transaction(committed) as session:
            token = make_token(session, person=make_person(session, role=Role.finance))
        with TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}) as client:
            answer = client.get("/api/v1/finance/cash-capacity.xlsx")
            refused = client.get("/api/v1/finance/cash-capacity.xlsx", params={"segment": "nobody"})
    finally:
        get_settings.cache_clear()
    assert answer.status_code == 200, answer.text
    with reading_session(committed) as session:
        here = io.BytesIO()
        write_finance_workbook(session=session, target=here)
    assert _sheets(answer.content) == _sheets(here.getvalue())
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["segment"]
    assert _export_files(private_temp) == []


def test_a_refusal_in_the_export_process_comes_back_whole(committed: Engine, private_temp: Path) -> None:
    with reading_session(committed) as session:
        with pytest.raises(errors.InvalidInput) as refused:
            spooled_finance_workbook(session=session, today=TODAY, segments=["nobody"])
        assert [problem.field for problem in refused.value.problems] == ["segment"]
        with pytest.raises(errors.NotFound):
            spooled_finance_workbook(session=session, today=TODAY, initiative_id=999_999)
    assert _export_files(private_temp) == []


def test_what_no_other_process_can_see_is_exported_here(session: Session) -> None:
    assert export_process.database_url(session=session) is None  # the test's transaction, rolled back at its end
    with spooled_finance_workbook(session=session, today=TODAY) as spooled:
        assert isinstance(spooled, tempfile.SpooledTemporaryFile)
    in_memory = make_engine("sqlite://")
    with reading_session(in_memory) as unseen:
        assert export_process.database_url(session=unseen) is None
    in_memory.dispose()


def test_the_files_of_a_server_killed_mid_export_are_swept_by_the_next(private_temp: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    left = private_temp / f"{export_process.FILE_PREFIX}{int(ended.stdout)}-abc.xlsx"
    mine = private_temp / f"{export_process.FILE_PREFIX}{os.getpid()}-def.xlsx"
    other = private_temp / "someone-else.xlsx"
    for path in (left, mine, other):
        path.write_bytes(b"figures")
    export_process.shutdown()
    export_process.run_export(os.getpid)  # a new pool: it sweeps first
    assert sorted(path.name for path in private_temp.iterdir()) == sorted([mine.name, other.name])


@pytest.mark.parametrize(
    "refusal",
    [
        errors.InvalidInput("Bad", [errors.Problem("unknown_segment", "No such segment.", "segment")]),
        errors.NotFound(detail="There is no initiative 9."),
        errors.GateNotMet("Not yet", problems=[errors.Problem("owner_missing", "Name an owner.", "owner")]),
    ],
)
def test_domain_errors_pickle_by_their_fields(refusal: errors.DomainError) -> None:
    assert pickle.loads(pickle.dumps(refusal)) == refusal
