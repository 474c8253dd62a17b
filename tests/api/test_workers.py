"""The app holds no state between requests: two separate server processes over one database agree."""

from concurrent.futures import ThreadPoolExecutor

import httpx2
from sqlmodel import Session

from benefits import migrate
from benefits.db import make_engine
from tests.conftest import FreshDatabase
from tests.support.factories import make_owner
from tests.support.server import benefits_command
from tests.support.server import running_server as _server


def _officers(url: str, names: list[str]) -> None:
    """Named officers (people without a sign-in) in the database: an owner is a person in the service."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for name in names:
                make_owner(session, name)
            session.commit()
    finally:
        engine.dispose()


def test_two_servers_over_one_database_serve_the_same_data(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    benefits_command(url, "users", "create", "Integration", "--role", "programme_manager")
    _officers(url, ["A", "B"])
    # Scripts take the token from the last line.
    token = benefits_command(url, "tokens", "create", "Integration", "--expires-in", "1").strip().splitlines()[-1]
    assert token.startswith("bnf_")
    http = httpx2.Client(headers={"Authorization": f"Bearer {token}"})
    with _server(url) as first, _server(url) as second:
        created = http.post(f"{first}/api/v1/initiatives", json={"name": "Shared"})
        assert created.status_code == 201
        location = created.headers["Location"]
        benefit = http.post(f"{first}{location}/benefits", json={"title": "Calls avoided"})
        benefit_url = benefit.headers["Location"]
        seen = benefit.headers["ETag"]

        read = http.get(f"{second}{benefit_url}")
        assert read.status_code == 200
        assert read.json()["title"] == "Calls avoided"
        assert read.headers["ETag"] == seen

        changed = http.patch(f"{second}{benefit_url}", json={"owner": "B"}, headers={"If-Match": seen})
        assert changed.status_code == 200
        stale = http.patch(f"{first}{benefit_url}", json={"owner": "A"}, headers={"If-Match": seen})
        assert stale.status_code == 412
        assert http.get(f"{first}{benefit_url}").json()["owner"] == "B"
        assert httpx2.get(f"{second}{benefit_url}").status_code == 401


def test_concurrent_writes_through_two_servers_all_land(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    benefits_command(url, "users", "create", "Loader", "--role", "programme_manager")
    _officers(url, [f"writer {number} edit {edit}" for number in range(4) for edit in range(15)])
    token = benefits_command(url, "tokens", "create", "Loader").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    with _server(url) as first, _server(url) as second:
        initiative = httpx2.post(f"{first}/api/v1/initiatives", json={"name": "Busy"}, headers=headers).json()
        created = httpx2.post(
            f"{first}/api/v1/initiatives/{initiative['id']}/benefits", json={"title": "Contended"}, headers=headers
        )
        path = created.headers["Location"]

        def writer(number: int) -> list[int]:
            base = first if number % 2 else second
            with httpx2.Client(headers=headers, timeout=30) as http:
                return [
                    http.patch(f"{base}{path}", json={"owner": f"writer {number} edit {edit}"}).status_code
                    for edit in range(15)
                ]

        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = [status for result in pool.map(writer, range(4)) for status in result]
        assert statuses == [200] * 60
        final = httpx2.get(f"{first}{path}", headers=headers).json()
        assert final["version"] == 61
        history = httpx2.get(f"{second}{path}/history", headers=headers, params={"limit": 500}).json()
        assert [event["action"] for event in history["items"]].count("updated") == 60


def test_guesses_sent_in_parallel_are_all_counted(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    benefits_command(url, "users", "create", "Target", "--role", "viewer", "--password", "the right password")
    with _server(url) as first, _server(url) as second:

        def guess(number: int) -> int:
            base = first if number % 2 else second
            answer = httpx2.post(
                f"{base}/api/v1/auth/token", json={"login": "Target", "password": f"guess {number}"}, timeout=30
            )
            return answer.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(guess, range(24)))
    # The limit is 5 failures per account: only 5 guesses are ever checked, whatever the timing.
    assert statuses.count(401) == 5
    assert statuses.count(429) == 19
