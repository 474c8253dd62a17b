"""The pages' routes build with the first request that needs them: a start that serves only the API never imports
the pages or their templates, and once built they answer, refuse and link exactly as routes added at start do."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from starlette.routing import NoMatchFound

from api.app import create_app
from web.install import RoutesBuiltOnFirstUse

ROOT = Path(__file__).resolve().parents[2]

# Run in an interpreter of its own: in the suite's, another test has imported the pages already.
FIRST_REQUESTS = """
import gc, json, sys
from fastapi.testclient import TestClient
from api.app import create_app

app = create_app()
seen = {}
with TestClient(app) as client:
    seen["health"] = client.get("/healthz").status_code
    frozen_at_start = gc.get_freeze_count()
    seen["api"] = [
        client.get("/api/v1/initiatives").status_code,
        client.get("/api/v1/nowhere").status_code,
        client.options("/api/v1/initiatives").status_code,
        client.delete("/api/v1/initiatives").status_code,
    ]
    seen["pages after the api"] = sorted(name for name in sys.modules if name.startswith("web.") and "pages" in name)
    seen["templates after the api"] = "jinja2" in sys.modules
    seen["link"] = app.url_path_for("sign_in_page")
    seen["pages after a link"] = "web.pages" in sys.modules
    seen["frozen again"] = gc.get_freeze_count() > frozen_at_start > 0
    seen["wrong method"] = [client.delete("/sign-in").status_code, client.delete("/sign-in").headers.get("allow")]
    seen["sign in"] = client.get("/sign-in").status_code
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def first_requests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What a fresh interpreter saw of its first requests, in order."""
    database = tmp_path_factory.mktemp("first-requests") / "empty.db"
    environment = {"BENEFITS_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_REQUESTS], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    seen: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return seen


def test_serving_the_api_imports_no_page_and_a_link_or_a_request_builds_them(first_requests: dict[str, object]) -> None:
    seen = first_requests
    assert seen["health"] == 200 and seen["api"] == [401, 404, 204, 405]
    assert seen["pages after the api"] == [] and seen["templates after the api"] is False
    assert seen["link"] == "/sign-in" and seen["pages after a link"] is True
    assert seen["frozen again"] is True  # what the pages built is left out of the collector's passes too
    assert seen["sign in"] == 200


def test_a_page_asked_for_with_the_wrong_method_is_refused_as_when_its_routes_were_built_at_start(
    first_requests: dict[str, object],
) -> None:
    # The fresh interpreter's first page request was the refused one; an app whose pages were built already (this
    # process's) gives the same answer.
    seen = first_requests
    with TestClient(create_app()) as client:
        client.get("/sign-in")
        built_already = client.delete("/sign-in")
    assert seen["wrong method"] == [405, "GET"]
    assert [built_already.status_code, built_already.headers.get("allow")] == seen["wrong method"]
    assert "Not this way" in built_already.text


def test_the_routes_are_built_once_however_many_ask_at_once() -> None:
    builds: list[int] = []

    def build() -> APIRouter:
        builds.append(1)
        time.sleep(0.05)  # long enough for every other thread to arrive while the first builds
        router = APIRouter()
        router.add_api_route("/here", lambda: {}, name="here")
        return router

    routes = RoutesBuiltOnFirstUse(build)
    threads = [threading.Thread(target=lambda: routes.url_path_for("here")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert routes.url_path_for("here") == "/here"
    with pytest.raises(NoMatchFound):
        routes.url_path_for("nowhere")
