"""Serving speed: the register read of a 200-benefit initiative under wrk's load, and `benefits serve`'s start-up,
each beside a bare FastAPI + SQLModel app over SQLite (the floor) measured in the same run.

wrk runs with one thread (`-t1`): it then takes at most one core's worth, and in practice a few per cent of one
(its CPU time is printed beside each run), leaving the 2-core machine to the server as far as it can be left.
"""

import gc
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col

from api.app import GC_YOUNGEST_THRESHOLD, create_app
from benefits import ledger, migrate
from benefits.columns import utc_now
from benefits.models import Benefit, Initiative, ProfileEntry, Role
from tests.conftest import FreshDatabase
from tests.support.factories import make_person, make_token
from tests.support.server import free_port

BENEFITS = 200
YEARS = 10
CONNECTIONS = 8
SECONDS = 15
# The targets of issue 16, each against the floor measured in the same run.
MIN_RATE_RATIO = 0.5  # the service's req/s over the floor's
MAX_P99_RATIO = 3.0  # the service's p99 over the floor's
MIN_SCALING = 1.7  # two workers' req/s over one worker's
MAX_START_RATIO = 2.0  # `benefits serve` to its first /healthz 200, over a bare uvicorn app's
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["benefits", "api", "web"]  # what `make bytecode` compiles, migrations aside

# The floor: what FastAPI, SQLModel and uvicorn cost on their own for rows of a benefit's shape (its scalar
# columns and a ten-year profile each), read by one query and its profiles by a second, from SQLite.
FLOOR_APP = '''
"""A bare FastAPI + SQLModel app: 200 benefit-like rows with their profiles from SQLite, and /healthz."""

import os
from datetime import date, datetime
from decimal import Decimal

from fastapi import Depends, FastAPI
from sqlalchemy.orm import selectinload
from sqlmodel import Field, Relationship, Session, SQLModel, create_engine, select


class RowBase(SQLModel):
    title: str
    description: str = ""
    owner: str | None = None
    beneficiary: str | None = None
    category: str | None = None
    quantified: bool = True
    unit: str | None = None
    is_disbenefit: bool = False
    measured_as: str = "change"
    route: str | None = None
    cost_centre: str | None = None
    redeployment: str | None = None
    model_node: str | None = None
    estimate_low: Decimal | None = None
    estimate_likely: Decimal | None = None
    estimate_high: Decimal | None = None
    baseline_value: Decimal | None = None
    baseline_date: date | None = None
    target_value: Decimal | None = None
    target_date: date | None = None
    confidence: str | None = None
    evidence: str = ""
    initiative_id: int = 1
    stage: str = "opportunity"
    withdrawn: bool = False
    version: int = 1
    created_at: datetime
    updated_at: datetime


class Period(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    row_id: int = Field(foreign_key="row.id", index=True)
    period: str
    planned: Decimal | None = None
    actual: Decimal | None = None
    row: "Row" = Relationship(back_populates="profile")


class Row(RowBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    profile: list[Period] = Relationship(back_populates="row")


class PeriodRead(SQLModel):
    period: str
    planned: Decimal | None
    actual: Decimal | None


class RowRead(RowBase):
    id: int
    profile: list[PeriodRead]


engine = create_engine(os.environ["FLOOR_DATABASE_URL"], connect_args={"check_same_thread": False})
app = FastAPI()


def session():
    with Session(engine) as s:
        yield s


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/rows", response_model=list[RowRead])
def rows(s: Session = Depends(session)) -> list[Row]:
    return list(s.exec(select(Row).options(selectinload(Row.profile)).order_by(Row.id).limit(200)).all())
'''

# wrk's own summary, as one JSON line: requests, seconds, every kind of error, and latencies in microseconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "microseconds": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
    .. '"p50": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run saw."""

    rate: float  # requests a second
    p99_ms: float
    errors: int  # connect, read, write and non-2xx answers
    timeouts: int
    wrk_cpu: float  # wrk's CPU seconds over the run's seconds: its share of one core

    def __str__(self) -> str:
        return (f"{self.rate:,.0f} req/s, p99 {self.p99_ms:,.1f} ms, {self.errors} errors, {self.timeouts} timeouts "
                f"(wrk used {self.wrk_cpu:.0%} of a core)")  # fmt: skip


def _wrk(url: str, *, token: str | None, folder: Path) -> Load:
    """Load `url` with 8 connections from one wrk thread for SECONDS; wrk's own summary."""
    script = folder / "report.lua"
    script.write_text(WRK_REPORT)
    headers = ["-H", f"Authorization: Bearer {token}"] if token else []
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "5s", "-s", str(script), *headers, url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    out, err = process.communicate()
    assert process.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    seconds = report["microseconds"] / 1e6
    return Load(
        rate=report["requests"] / seconds,
        p99_ms=report["p99"] / 1000,
        errors=report["connect"] + report["read"] + report["write"] + report["status"],
        timeouts=report["timeout"],
        wrk_cpu=(usage.ru_utime + usage.ru_stime) / seconds,
    )


def _seed(url: str) -> tuple[int, str]:
    """An initiative of 200 financial benefits with ten-year profiles, and a viewer's token; (its id, the token)."""
    migrate.upgrade(url)
    engine = sa.create_engine(url)
    rng = random.Random(16)
    now = utc_now()
    stages = ["opportunity", "scoped", "planned", "delivered"]
    routes = ["cash", "capacity", "undecided"]
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Initiative.__table__),  # type: ignore[attr-defined]
            [{"name": "Contact centre redesign", "description": "", "fy_start_month": 4, "granularity": "year",
              "version": 1, "created_at": now, "updated_at": now, "base_year": "2026-27"}],
        )  # fmt: skip
        initiative = int(connection.execute(sa.select(sa.func.max(col(Initiative.id)))).scalar_one() or 0)
        connection.execute(
            sa.insert(Benefit.__table__),  # type: ignore[attr-defined]
            [{"initiative_id": initiative, "title": f"Calls avoided {n}", "description": "Failure demand removed",
              "owner": "Alex Owner", "beneficiary": "Residents", "category": "financial", "quantified": True,
              "unit": "GBP", "is_disbenefit": False, "measured_as": "change", "route": routes[n % 3],
              "cost_centre": f"CC{n % 50}", "estimate_low": 80_0000, "estimate_likely": 100_0000,
              "estimate_high": 130_0000, "stage": stages[n % 4], "furthest_stage": stages[n % 4],
              "withdrawn": False, "evidence": "Call logs 2025", "version": 1, "created_at": now, "updated_at": now}
             for n in range(BENEFITS)],
        )  # fmt: skip
        ids = connection.execute(sa.select(col(Benefit.id)).where(col(Benefit.initiative_id) == initiative)).scalars()
        connection.execute(
            sa.insert(ProfileEntry.__table__),  # type: ignore[attr-defined]
            [{"benefit_id": benefit_id, "period": f"{2026 + y}-{(2027 + y) % 100:02d}", "sort_key": (2026 + y) * 10,
              "planned": rng.randint(0, 10_000) * 10_000, "actual": rng.randint(0, 9_000) * 10_000 if y < 1 else None}
             for benefit_id in list(ids) for y in range(YEARS)],
        )  # fmt: skip
        ledger.refresh(connection=connection, benefit_ids=None)
    with Session(engine) as session:
        token = make_token(session, person=make_person(session, role=Role.viewer, name="Register reader"))
        session.commit()
    engine.dispose()
    return initiative, token


def _seed_floor(folder: Path) -> str:
    """The floor's SQLite file with the same 200 rows and profiles; its URL."""
    url = f"sqlite:///{folder / 'floor.db'}"
    script = FLOOR_APP + textwrap.dedent(
        """
        import random
        from datetime import datetime, timezone
        SQLModel.metadata.create_all(engine)
        rng = random.Random(16)
        now = datetime.now(timezone.utc)
        with Session(engine) as s:
            for n in range(200):
                row = Row(title=f"Calls avoided {n}", description="Failure demand removed", owner="Alex Owner",
                          beneficiary="Residents", category="financial", unit="GBP", route="cash",
                          cost_centre=f"CC{n % 50}", estimate_low=Decimal(80), estimate_likely=Decimal(100),
                          estimate_high=Decimal(130), evidence="Call logs 2025", created_at=now, updated_at=now)
                row.profile = [Period(period=f"{2026 + y}-{(2027 + y) % 100:02d}",
                                      planned=Decimal(rng.randint(0, 10_000)),
                                      actual=Decimal(rng.randint(0, 9_000)) if y < 1 else None) for y in range(10)]
                s.add(row)
            s.commit()
        """
    )
    subprocess.run([sys.executable, "-c", script], env={**os.environ, "FLOOR_DATABASE_URL": url}, check=True)
    return url


def _waiting_workers(supervisor: int) -> int:
    """How many of a uvicorn supervisor's worker processes wait in their event loops (started, and idle)."""
    waiting = 0
    try:
        children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
        for child in children:
            if b"spawn_main" not in Path(f"/proc/{child}/cmdline").read_bytes():
                continue  # multiprocessing's resource tracker, not a worker
            waiting += Path(f"/proc/{child}/wchan").read_text().strip() in {"do_epoll_wait", "ep_poll"}
    except FileNotFoundError:  # a child that ended between the listing and the look
        return 0
    return waiting


@contextmanager
def _serving(command: list[str], environment: dict[str, str], port: int, workers: int = 1) -> Iterator[float]:
    """Run a server until the block ends; yields the seconds from its start to its first 200 on /healthz.

    With several workers, the block starts only once all of them are up: the first to answer would otherwise be
    handed every connection a load opens at once, while the others are still importing the app.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env={**os.environ, **environment}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = started + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, f"{command} exited"
            assert time.perf_counter() < deadline, f"{command} did not start"
            time.sleep(0.01)
        answered = time.perf_counter() - started
        while workers > 1 and _waiting_workers(process.pid) < workers:
            assert process.poll() is None, f"{command} exited"
            assert time.perf_counter() < deadline, f"{command}: not all {workers} workers started"
            time.sleep(0.05)
        yield answered
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _floor_command(folder: Path, port: int, workers: int, python: str = sys.executable) -> list[str]:
    """The floor under the same uvicorn settings as `benefits serve`: uvloop and httptools, no access log."""
    return [python, "-m", "uvicorn", "floor_app:app", "--app-dir", str(folder), "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip


def _service_command(port: int, workers: int, python: str = sys.executable) -> list[str]:
    """`benefits serve`, the console script an operator runs."""
    script = Path(python).with_name("benefits")
    return [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


def _service_environment(url: str) -> dict[str, str]:
    """The service over `url` as an operator runs it, its access lines included (to a discarded stderr)."""
    return {"BENEFITS_DATABASE_URL": url}


@pytest.fixture(scope="module")
def deployed_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Python of an environment holding the service as `make run` installs it: its own dependencies only.

    The test tools beside it in the suite's environment change what the service imports: structlog, finding rich
    (which schemathesis brings), loads rich's tracebacks and pygments, some 0.1 s of every start.
    """
    venv = tmp_path_factory.mktemp("deployed")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt"]
    subprocess.run([*install, "-e", "."], cwd=ROOT, check=True)
    return python


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The floor app's folder and its database's URL."""
    folder = tmp_path_factory.mktemp("floor")
    (folder / "floor_app.py").write_text(FLOOR_APP)
    return folder, _seed_floor(folder)


def _ratio_line(what: str, figure: float, floor: float, unit: str, target: str, digits: int = 1) -> str:
    return (
        f"  {what}: {figure:,.{digits}f} {unit} against {floor:,.{digits}f} {unit}: {figure / floor:.2f} times "
        f"(target {target})"
    )


@pytest.mark.bench
def test_register_read_under_load(
    fresh_databases: FreshDatabase, database_kind: str, floor: tuple[Path, str], tmp_path: Path
) -> None:
    assert shutil.which("wrk"), "wrk is missing: `make system-packages` installs it"
    folder, floor_url = floor
    url = fresh_databases.url()
    initiative, token = _seed(url)
    path = f"/api/v1/initiatives/{initiative}/benefits?limit={BENEFITS}"

    loads: dict[tuple[str, int], Load] = {}
    for workers in (1, 2):
        port = free_port()
        with _serving(_floor_command(folder, port, workers), {"FLOOR_DATABASE_URL": floor_url}, port, workers):
            rows = httpx2.get(f"http://127.0.0.1:{port}/rows").json()
            assert len(rows) == BENEFITS
            loads["floor", workers] = _wrk(f"http://127.0.0.1:{port}/rows", token=None, folder=tmp_path)
        port = free_port()
        with _serving(_service_command(port, workers), _service_environment(url), port, workers):
            page = httpx2.get(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
            assert page.status_code == 200 and len(page.json()["items"]) == BENEFITS, page.text[:500]
            loads["service", workers] = _wrk(f"http://127.0.0.1:{port}{path}", token=token, folder=tmp_path)

    print(f"\n{database_kind}: GET {path} of {BENEFITS} benefits, wrk -t1 -c{CONNECTIONS} -d{SECONDS}s; "
          "the floor is a bare FastAPI + SQLModel app over SQLite")  # fmt: skip
    for key, load in loads.items():
        print(f"  {key[0]}, {key[1]} worker(s): {load}")
    one, floor_one = loads["service", 1], loads["floor", 1]
    two, floor_two = loads["service", 2], loads["floor", 2]
    print(_ratio_line("req/s, 1 worker", one.rate, floor_one.rate, "req/s", f">= {MIN_RATE_RATIO}"))
    print(_ratio_line("p99, 1 worker", one.p99_ms, floor_one.p99_ms, "ms", f"<= {MAX_P99_RATIO}"))
    print(_ratio_line("req/s, 2 workers over 1", two.rate, one.rate, "req/s", f">= {MIN_SCALING}"))
    print(_ratio_line("(the floor: 2 workers over 1)", floor_two.rate, floor_one.rate, "req/s", "none"))
    for load in loads.values():
        assert load.errors == 0 and load.timeouts == 0, load
    assert one.rate / floor_one.rate >= MIN_RATE_RATIO
    assert one.p99_ms / floor_one.p99_ms <= MAX_P99_RATIO
    assert two.rate / one.rate >= MIN_SCALING


@pytest.mark.bench
def test_start_up(
    fresh_databases: FreshDatabase, database_kind: str, floor: tuple[Path, str], deployed_python: str
) -> None:
    folder, floor_url = floor
    url = fresh_databases.url()
    migrate.upgrade(url)
    # Both start from byte-compiled code, as a deployment does (`make bench` and `make run` compile it too): the
    # floor's one module is compiled here, the service's by compileall.
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES, str(folder)], cwd=ROOT, check=True)

    def start(command: list[str], environment: dict[str, str], port: int, page: str | None = None) -> list[float]:
        """Seconds to the first 200 on /healthz, and then to `page`'s first 200 where one is named."""
        with _serving(command, environment, port) as seconds:
            if page is None:
                return [seconds]
            began = time.perf_counter()
            assert httpx2.get(f"http://127.0.0.1:{port}{page}", timeout=30).status_code == 200
            return [seconds, time.perf_counter() - began]

    def best_of_three(python: str) -> tuple[float, float, float]:
        """The service's start, its first page, and the floor's start, each under `python`: the best of three."""
        floors, services = [], []
        for _ in range(3):
            port = free_port()
            floors.append(start(_floor_command(folder, port, 1, python), {"FLOOR_DATABASE_URL": floor_url}, port))
            port = free_port()
            services.append(start(_service_command(port, 1, python), _service_environment(url), port, "/sign-in"))
        return min(s[0] for s in services), min(s[1] for s in services), min(f[0] for f in floors)

    service, first_page, bare = best_of_three(deployed_python)
    beside_tests, _, bare_beside_tests = best_of_three(sys.executable)
    print(f"\n{database_kind}: from process start to the first 200 on /healthz (best of 3)")
    print(_ratio_line("benefits serve, installed as `make run` does", service, bare, "s", f"<= {MAX_START_RATIO}", 2))
    print(_ratio_line("(beside the test tools)", beside_tests, bare_beside_tests, "s", "none", 2))
    # The pages' routes are built by the first request that needs them, this one.
    print(f"  then its first page, /sign-in: {first_page * 1000:,.0f} ms (target none)")
    assert service / bare <= MAX_START_RATIO


def test_start_up_leaves_what_it_built_out_of_the_garbage_collectors_passes() -> None:
    """Not a benchmark: the mechanism behind the register read's speed, checked in every run of the suite."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    gc.disable()  # as `benefits serve` imports the app
    assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app()):  # runs the app's start-up, as each worker does
            assert gc.get_freeze_count() > 100_000  # the modules, models, routes and schemas imported so far
            assert gc.get_threshold()[0] == GC_YOUNGEST_THRESHOLD
            assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
