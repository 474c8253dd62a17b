"""The README's deployment, run: nginx in front of two workers over PostgreSQL, a worker killed under a write load,
and PostgreSQL stopped under the workers.

The environment file, the systemd unit and the nginx site come from the README's `## Deployment` section with only
ports, paths and secrets changed, so the guide cannot drift from what is tested here.
"""

import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from benefits.models import Initiative
from benefits.settings import Settings
from tests.support.deployment_guide import (
    ROOT,
    ServiceUnit,
    UnitInstance,
    deployment_section,
    environment_file,
    guide_file,
    substituted,
)
from tests.support.nginx import (
    Nginx,
    NginxUnavailable,
    nginx_binary,
    nginx_folder,
    running_nginx,
    self_signed_certificate,
)
from tests.support.postgres import PostgresUnavailable, _bin_dir, create_database
from tests.support.postgres_cluster import StoppableCluster, stoppable_cluster
from tests.support.server import free_port

ENVIRONMENT = "/etc/benefits/environment"
UNIT = "/etc/systemd/system/benefits@.service"
SITE = "/etc/nginx/sites-available/benefits"
WRITERS = 4
WRITES_PER_WRITER = 75
KILL_AFTER_ACKNOWLEDGED = 100


def _default(setting: str) -> object:
    return Settings.model_fields[setting].default


@dataclass
class Deployment:
    """What the fixture started: PostgreSQL, two workers (systemd instances in the guide), nginx in front."""

    cluster: StoppableCluster
    database_url: str
    workers: list[UnitInstance]
    worker_ports: list[int]
    nginx: Nginx
    https_port: int
    http_port: int
    certificate: Path
    token: str
    fail_timeout: float

    @property
    def base(self) -> str:
        """nginx's https address."""
        return f"https://127.0.0.1:{self.https_port}"

    def worker_base(self, index: int) -> str:
        """A worker's own address, behind nginx."""
        return f"http://127.0.0.1:{self.worker_ports[index]}"

    def worker_address(self, index: int) -> str:
        """A worker's address as nginx's access log names it."""
        return f"127.0.0.1:{self.worker_ports[index]}"

    def wait_until_nginx_answers_through(self, index: int, since: float) -> float:
        """Send reads through nginx until it answers one through worker `index`; when it did (epoch seconds)."""
        # nginx tries a worker it left alone again once fail_timeout (counted in whole seconds) has passed.
        timeout = self.fail_timeout + 10
        deadline = time.monotonic() + timeout
        with self.client() as http:
            while True:
                assert http.get("/api/v1/initiatives", params={"limit": 1}).status_code == 200
                through = [
                    p.at
                    for p in self.nginx.passages()
                    if p.at > since and p.upstreams[-1:] == [self.worker_address(index)] and p.status < 500
                ]
                if through:
                    return through[0]
                assert time.monotonic() < deadline, f"nginx sent nothing to worker {index} in {timeout} s"
                time.sleep(0.2)

    def client(self, *, token: bool = True, local_address: str | None = None) -> httpx2.Client:
        """A client of nginx over https, trusting the test's certificate, from a loopback address of its choice."""
        trust = ssl.create_default_context(cafile=str(self.certificate))
        transport = httpx2.HTTPTransport(verify=trust, local_address=local_address)
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        return httpx2.Client(base_url=self.base, transport=transport, headers=headers, timeout=30)


def _benefits(environment: dict[str, str], *arguments: str) -> str:
    """The command line, with the workers' environment (the guide's environment file), as an operator runs it."""
    program = Path(sys.executable).parent / "benefits"
    done = subprocess.run(
        [str(program), *arguments],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **environment},
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _required(error: Exception) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"nginx and PostgreSQL are required in CI: {error}")
    pytest.skip(str(error))


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """The guide's deployment on loopback, started for this module and stopped at its end, whatever happened."""
    try:
        nginx_binary()
        _bin_dir()
    except (NginxUnavailable, PostgresUnavailable) as error:
        _required(error)
    with stoppable_cluster() as cluster, nginx_folder() as prefix:
        url = create_database(cluster.url, "deployment")
        environment = environment_file(
            substituted(
                guide_file(ENVIRONMENT),
                {
                    "postgresql+psycopg://benefits:PASSWORD@127.0.0.1:5432/benefits": url,
                    "REPLACE-WITH-64-RANDOM-HEX-CHARACTERS": secrets.token_hex(32),
                },
            )
        )
        program = Path(sys.executable).parent / "benefits"
        unit = ServiceUnit.parse(
            substituted(
                guide_file(UNIT),
                {
                    "/opt/benefits/.venv/bin/benefits": str(program),
                    "WorkingDirectory=/opt/benefits": f"WorkingDirectory={ROOT}",
                },
            )
        )
        assert unit.environment_file == ENVIRONMENT
        # The release step, then a person and a token for the load, as the guide's operator would.
        _benefits(environment, "db", "upgrade")
        _benefits(environment, "users", "create", "Loader", "--role", "programme_manager")
        token = _benefits(environment, "tokens", "create", "Loader", "--expires-in", "1").strip().splitlines()[-1]

        ports = [free_port(), free_port()]
        workers = [UnitInstance(unit, str(port), environment, prefix / f"worker-{port}.log") for port in ports]
        try:
            for worker in workers:
                worker.start()
            for worker, port in zip(workers, ports, strict=True):
                worker.wait_ready(f"http://127.0.0.1:{port}")
            certificate, key = self_signed_certificate(prefix)
            https_port, http_port = free_port(), free_port()
            site = substituted(
                guide_file(SITE),
                {
                    "127.0.0.1:8001": f"127.0.0.1:{ports[0]}",
                    "127.0.0.1:8002": f"127.0.0.1:{ports[1]}",
                    "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
                    "listen 80;": f"listen 127.0.0.1:{http_port};",
                    "/etc/ssl/certs/benefits.example.org.pem": str(certificate),
                    "/etc/ssl/private/benefits.example.org.key": str(key),
                },
            )
            # How long nginx leaves a worker alone after a failed attempt (the same on every `server` line).
            (fail_timeout,) = {float(seconds) for seconds in re.findall(r"fail_timeout=(\d+)s", site)}
            with running_nginx(prefix, site, [https_port, http_port]) as nginx:
                yield Deployment(
                    cluster=cluster,
                    database_url=url,
                    workers=workers,
                    worker_ports=ports,
                    nginx=nginx,
                    https_port=https_port,
                    http_port=http_port,
                    certificate=certificate,
                    token=token,
                    fail_timeout=fail_timeout,
                )
        finally:
            for worker in workers:
                worker.stop()


def test_the_guide_names_only_real_settings_and_the_unit_restarts_a_worker_that_dies() -> None:
    section = deployment_section()
    named = set(re.findall(r"BENEFITS_[A-Z_]+", section))
    assert named, "the deployment section names the settings it relies on"
    assert named <= {f"BENEFITS_{name.upper()}" for name in Settings.model_fields}, named
    unit = ServiceUnit.parse(guide_file(UNIT))
    # The load test below restarts the killed worker as systemd does: only true while the unit says so.
    assert unit.restart == "always"
    assert unit.kill_signal.name == "SIGTERM"
    # systemd must not cut off the requests a stopping worker is still allowed to finish.
    assert unit.timeout_stop_seconds > int(str(_default("shutdown_grace_seconds")))
    assert "%i" in " ".join(unit.exec_start)


def test_systemd_accepts_the_guides_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    program = Path(sys.executable).parent / "benefits"
    unit = tmp_path / "benefits@8001.service"
    unit.write_text(substituted(guide_file(UNIT), {"/opt/benefits/.venv/bin/benefits": str(program)}))
    checked = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False)
    # A misspelt key is only a warning to systemd, which then ignores it: refuse that too.
    complaints = [line for line in checked.stderr.splitlines() if "Unknown" in line or "Failed" in line]
    assert checked.returncode == 0 and not complaints, checked.stderr


def test_through_nginx_the_workers_believe_https_and_the_clients_address(deployment: Deployment) -> None:
    with deployment.client(token=False) as http:
        answer = http.get("/healthz")
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    # Straight to a worker (from nginx's own address, but without nginx's X-Forwarded-Proto) it is plain http.
    assert "strict-transport-security" not in httpx2.get(f"{deployment.worker_base(0)}/healthz").headers
    plain = httpx2.get(f"http://127.0.0.1:{deployment.http_port}/api/v1/initiatives?limit=1")
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
    with deployment.client(token=False) as http:
        assert http.get("/metrics").status_code == 403  # the scraper reads each worker's own port

    # Failed sign-ins are counted per client address: nginx says which, and the workers believe it.
    allowed = int(str(_default("login_max_failures_per_address")))
    with deployment.client(token=False, local_address="127.0.0.2") as guesser:
        statuses = [
            guesser.post("/api/v1/auth/token", json={"login": f"nobody {n}", "password": "a guess"}).status_code
            for n in range(allowed + 1)
        ]
    assert statuses == [401] * allowed + [429]
    with deployment.client(token=False, local_address="127.0.0.3") as neighbour:
        answer = neighbour.post("/api/v1/auth/token", json={"login": "nobody else", "password": "a guess"})
    # Were nginx's address counted instead, the neighbour would be refused with the guesser.
    assert answer.status_code == 401


@dataclass(frozen=True)
class Attempt:
    """One write sent through nginx, and what came back."""

    name: str
    sent: float
    status: int | None  # None: the connection itself failed
    location: str | None
    content_type: str


def test_a_worker_killed_under_a_write_load_loses_no_acknowledged_write(deployment: Deployment) -> None:
    victim, survivor = deployment.workers
    survivor_address = deployment.worker_address(1)
    attempts: list[Attempt] = []
    reads: list[int] = []
    acknowledged = threading.Semaphore(0)
    load_over = threading.Event()

    def writer(number: int) -> None:
        with deployment.client() as http:
            for n in range(WRITES_PER_WRITER):
                name = f"Load {number}-{n}"
                sent = time.time()
                try:
                    answer = http.post("/api/v1/initiatives", json={"name": name})
                except httpx2.TransportError:
                    attempts.append(Attempt(name, sent, None, None, ""))
                    continue
                attempts.append(
                    Attempt(name, sent, answer.status_code, answer.headers.get("location"),
                            answer.headers.get("content-type", ""))
                )  # fmt: skip
                if answer.status_code == 201:
                    acknowledged.release()

    def reader() -> None:
        with deployment.client() as http:
            while not load_over.is_set():
                reads.append(http.get("/api/v1/initiatives", params={"limit": 5}).status_code)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
        reading = pool.submit(reader)
        writing = [pool.submit(writer, number) for number in range(WRITERS)]
        try:
            for _ in range(KILL_AFTER_ACKNOWLEDGED):
                assert acknowledged.acquire(timeout=60), "the load stalled before the kill"
            killed_at = time.time()
            victim.kill()
            # The kernel keeps taking connections on the worker's port until its process is gone.
            dead_at = time.time()
            for future in writing:
                future.result()
        finally:
            load_over.set()
        reading.result()
    load_seconds = time.monotonic() - started

    assert len(attempts) == WRITERS * WRITES_PER_WRITER
    acknowledged_writes = [attempt for attempt in attempts if attempt.status == 201 and attempt.location]
    failed = [attempt for attempt in attempts if attempt.status != 201]
    # Only the writes in flight when the worker died may fail, one per writer at most; every one is nginx's 502
    # (or a cut connection), never an error answered by the app, and every write sent afterwards is acknowledged.
    assert len(failed) <= WRITERS, failed
    for attempt in failed:
        assert attempt.sent <= dead_at, (attempt, killed_at, dead_at)
        assert attempt.status in (None, 502), attempt
        assert not attempt.content_type.startswith("application/problem+json"), attempt
    assert len(acknowledged_writes) + len(failed) == len(attempts)
    # Reads are idempotent: nginx passes one the dead worker held to the other, so not one read failed.
    assert reads and set(reads) == {200}, Counter(reads)

    # After the kill, nginx answers through the survivor, passing over the dead worker (a refused connection).
    settled = [p for p in deployment.nginx.passages() if p.at > dead_at + 0.5 and p.status != 502]
    assert settled and {p.upstreams[-1] for p in settled} == {survivor_address}, Counter(
        tuple(p.upstreams) for p in settled
    )
    # Requests nginx tried on the dying worker and then passed to the other (a figure: it depends on timing).
    passed_over = [
        p for p in deployment.nginx.passages() if p.at > killed_at and len(p.upstreams) == 2 and p.status != 502
    ]

    # Every acknowledged write is stored once, read back through nginx and straight from the database.
    names = [attempt.name for attempt in acknowledged_writes]
    with deployment.client() as http:
        listed: list[str] = []
        while True:
            page = http.get("/api/v1/initiatives", params={"limit": 500, "offset": len(listed)}).json()
            listed.extend(item["name"] for item in page["items"])
            if not page["items"]:
                break

        def read_back(attempt: Attempt) -> tuple[int, str]:
            answer = http.get(str(attempt.location))
            return answer.status_code, answer.json().get("name", "")

        with ThreadPoolExecutor(max_workers=4) as pool:
            read = list(pool.map(read_back, acknowledged_writes))
    assert read == [(200, name) for name in names]
    assert set(names) <= set(listed)
    engine = sa.create_engine(deployment.database_url)
    try:
        with Session(engine) as session:
            stored = Counter(session.exec(select(Initiative.name).where(Initiative.name.startswith("Load "))).all())
    finally:
        engine.dispose()
    lost = set(names) - set(stored)
    assert not lost, lost
    assert set(stored.values()) == {1}, [name for name, count in stored.items() if count > 1]
    # A write the worker committed just before it died may be stored unacknowledged: only one that failed.
    kept_unacknowledged = set(stored) - set(names)
    assert kept_unacknowledged <= {attempt.name for attempt in failed}

    # systemd restarts the worker (Restart=always); nginx sends it requests again after fail_timeout.
    victim.start()
    victim.wait_ready(deployment.worker_base(0))
    restarted_at = time.time()
    back_after = deployment.wait_until_nginx_answers_through(0, since=restarted_at) - restarted_at
    assert survivor.process is not None and survivor.process.poll() is None

    print(
        f"\nkill under load: {len(attempts)} writes in {load_seconds:.1f} s, {len(acknowledged_writes)} acknowledged, "
        f"{len(lost)} lost, {len(failed)} failed at the kill ({Counter(a.status for a in failed)}), "
        f"{len(kept_unacknowledged)} stored unacknowledged; {len(reads)} reads all 200; "
        f"{len(passed_over)} requests passed over the dead worker; restarted worker used again "
        f"{back_after:.1f} s after it was ready"
    )


def test_stopping_postgresql_answers_503_and_the_service_recovers_by_itself(deployment: Deployment) -> None:
    worker_pids = [worker.pid for worker in deployment.workers]
    with deployment.client() as http:
        assert http.get("/api/v1/initiatives", params={"limit": 1}).status_code == 200
        deployment.cluster.stop("fast")
        stopped_at = time.time()
        answers = []
        for n in range(10):
            answers.append(http.get("/api/v1/initiatives", params={"limit": 1}))
            answers.append(http.post("/api/v1/initiatives", json={"name": f"Outage {n}"}))
        ready = http.get("/readyz")
        alive = http.get("/healthz")

        retry_after = str(_default("database_retry_after_seconds"))
        for answer in answers:
            assert answer.status_code == 503, (answer.request.method, answer.status_code, answer.text[:200])
            assert answer.headers["retry-after"] == retry_after
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["code"] == "database_unavailable"
        assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
        assert alive.status_code == 200 and alive.json() == {"status": "ok"}
        # Each worker said 503 itself, and nginx did not pass a 503 on to the other (every worker would say it).
        during = [p for p in deployment.nginx.passages() if p.at > stopped_at]
        assert {p.upstreams[-1] for p in during} == {deployment.worker_address(0), deployment.worker_address(1)}
        assert all(len(p.upstreams) == 1 for p in during), during

        deployment.cluster.start()
        returned = time.monotonic()
        while (answer := http.get("/api/v1/initiatives", params={"limit": 1})).status_code != 200:
            assert answer.status_code == 503, answer.text[:200]
            assert time.monotonic() - returned < 15, "the service did not recover by itself"
            time.sleep(0.1)
        recovered_in = time.monotonic() - returned
        for _ in range(4):  # both workers, in turn
            assert http.get("/api/v1/initiatives", params={"limit": 1}).status_code == 200
        assert http.post("/api/v1/initiatives", json={"name": "After the outage"}).status_code == 201
    for index in range(2):
        assert httpx2.get(f"{deployment.worker_base(index)}/readyz").json()["status"] == "ready"
    # Nothing was restarted, and no write was kept during the outage.
    assert [worker.pid for worker in deployment.workers] == worker_pids
    assert all(worker.process is not None and worker.process.poll() is None for worker in deployment.workers)
    engine = sa.create_engine(deployment.database_url)
    try:
        with Session(engine) as session:
            kept = session.exec(select(Initiative.name).where(Initiative.name.startswith("Outage "))).all()
    finally:
        engine.dispose()
    assert kept == []

    print(
        f"\noutage: {len(answers)} requests answered 503 with Retry-After {retry_after}, /readyz 503, /healthz 200; "
        f"answering 200 again {recovered_in:.1f} s after PostgreSQL returned"
    )


def test_a_release_restarts_the_workers_one_at_a_time_refusing_at_most_a_write_caught_at_the_stop(
    deployment: Deployment,
) -> None:
    statuses: list[int] = []
    refused_writes: list[str] = []
    load_over = threading.Event()

    def load(number: int) -> None:
        with deployment.client() as http:
            n = 0
            while not load_over.is_set():
                n += 1
                if number % 2:
                    name = f"Release {number}-{n}"
                    statuses.append(status := http.post("/api/v1/initiatives", json={"name": name}).status_code)
                    if status != 201:
                        refused_writes.append(name)
                else:
                    statuses.append(http.get("/api/v1/initiatives", params={"limit": 5}).status_code)

    stopping: list[tuple[str, float, float]] = []  # (worker, from, to): while each worker was stopping
    waits: list[float] = []
    began_at = time.time()
    logged_before = len(deployment.nginx.error_log())
    with ThreadPoolExecutor(max_workers=3) as pool:
        running = [pool.submit(load, number) for number in range(3)]
        try:
            for index, worker in enumerate(deployment.workers):
                # `systemctl restart benefits@PORT`: KillSignal, then start; then wait for /readyz, as the guide says.
                signalled = time.time()
                assert worker.stop(), f"the worker outlived TimeoutStopSec={worker.unit.timeout_stop_seconds}"
                stopping.append((deployment.worker_address(index), signalled, time.time()))
                worker.start()
                worker.wait_ready(deployment.worker_base(index))
                ready_at = time.time()
                # nginx may have tried the worker while it was starting, and then leaves it alone for fail_timeout
                # (counted in whole seconds): stop the next one sooner and nginx believes both down.
                deployment.wait_until_nginx_answers_through(index, since=ready_at)
                waits.append(time.time() - ready_at)
        finally:
            load_over.set()
            for future in running:
                future.result()

    refused = [p for p in deployment.nginx.passages() if p.at > began_at and p.status >= 500]
    assert len(refused) == len([status for status in statuses if status not in (200, 201)])
    # A stopping worker refuses new connections, which nginx passes to the other, and finishes those it holds.
    # Only a write that reached its port in the instant it closed is lost (reset, never seen by the app), and
    # nginx does not send a POST on once sent: a rare 502, never a read.
    assert len(refused) <= 2, (Counter(statuses), refused, deployment.nginx.error_log()[-2000:])
    for passage in refused:
        assert passage.status == 502 and passage.method in ("POST", "PATCH"), passage
        assert any(
            passage.upstreams == [address] and signalled <= passage.at <= stopped + 1
            for address, signalled, stopped in stopping
        ), (passage, stopping)
    engine = sa.create_engine(deployment.database_url)
    try:
        with Session(engine) as session:
            kept = session.exec(select(Initiative.name).where(col(Initiative.name).in_(refused_writes))).all()
    finally:
        engine.dispose()
    assert kept == [], "a write answered 502 was kept: the app had read it"

    print(
        f"\nrelease: {len(statuses)} requests while both workers were restarted in turn, {Counter(statuses)}; "
        f"each stopped in {', '.join(f'{to - since:.1f}' for _, since, to in stopping)} s and was used by nginx "
        f"again {', '.join(f'{seconds:.1f}' for seconds in waits)} s after it was ready; nginx's log of the "
        f"writes: {_write_failures(deployment.nginx.error_log()[logged_before:])}"
    )


def _write_failures(error_log: str) -> list[str]:
    """What nginx's error log says of each POST or PATCH a worker failed, e.g. `recv() failed (104: ...)`."""
    found = re.findall(r"\*\d+ (.*?), client: .*request: \"(?:POST|PATCH) ", error_log)
    return [str(reason) for reason in found]
