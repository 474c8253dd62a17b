"""The cost-centre and budget workbooks are read under the import budget before any transaction opens."""

import inspect
import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.app import create_app
from api.deps import get_session
from api.routes import cost_centres as centre_routes
from benefits import cost_centres, finance, migrate
from benefits.cli import main
from benefits.db import make_engine
from benefits.errors import Forbidden
from benefits.models import Budget, CostCentre, Role
from benefits.workbooks.budgets_import import read_budgets
from benefits.workbooks.cost_centres_import import read_cost_centres
from benefits.workbooks.import_budget import DEFAULT_MAX_ROWS
from tests.benefits.workbooks.test_import_budget import (
    EMPTY_ROWS,
    HEADINGS,
    _macro_enabled,
    _workbook,
    empty_rows_workbook,
)
from tests.conftest import FreshDatabase, client_with_token
from tests.support.factories import actor_of, make_cost_centre, make_person, make_token
from web import budget_pages, cost_centre_pages
from web.session import SESSION_COOKIE

CENTRES_API = "/api/v1/cost-centres/import"
CENTRES_PAGE = "/finance/cost-centres"
BUDGETS_PAGE = "/finance/budgets"
LIMIT = f"more than {DEFAULT_MAX_ROWS:,} rows"


@pytest.fixture(scope="module")
def centres_bomb() -> bytes:
    """The empty-rows workbook under the cost-centre headings: a few hundred KB holding millions of `<row/>`."""
    return empty_rows_workbook(EMPTY_ROWS, headings=HEADINGS["cost centres"])


@pytest.fixture(scope="module")
def budgets_bomb() -> bytes:
    """The empty-rows workbook under the budget headings."""
    return empty_rows_workbook(EMPTY_ROWS, headings=HEADINGS["budgets"])


def _solved_in_order(route: APIRoute) -> list[Callable[..., Any]]:
    """The route's dependencies in the order FastAPI solves them (each one's own before it)."""
    order: list[Callable[..., Any]] = []

    def visit(dependant: Any) -> None:
        for sub in dependant.dependencies:
            visit(sub)
            if sub.call is not None and sub.call not in order:
                order.append(sub.call)

    visit(route.dependant)
    return order


def _post_route(router: APIRouter, path: str) -> APIRoute:
    return next(
        r for r in router.routes if isinstance(r, APIRoute) and r.path == path and "POST" in (r.methods or set())
    )


@pytest.mark.parametrize(
    ("router", "path", "reader", "read"),
    [
        (centre_routes.router, CENTRES_API, centre_routes.uploaded_cost_centres, read_cost_centres),
        (cost_centre_pages.router, f"{CENTRES_PAGE}/upload", cost_centre_pages._uploaded_centres, read_cost_centres),
        (budget_pages.router, f"{BUDGETS_PAGE}/upload", budget_pages._uploaded_budgets, read_budgets),
    ],
    ids=["cost centres api", "cost centres page", "budgets page"],
)
def test_the_upload_is_read_before_the_request_asks_for_its_session(
    router: APIRouter, path: str, reader: Callable[..., Any], read: Callable[..., Any]
) -> None:
    order = _solved_in_order(_post_route(router, path))
    assert reader in order and get_session in order
    assert order.index(reader) < order.index(get_session)
    for function in (reader, read):
        assert "session" not in inspect.signature(function).parameters


def test_the_other_cost_centre_routes_still_require_a_token(anonymous: TestClient, session: Session) -> None:
    make_cost_centre(session, code="CS100")
    session.commit()
    for answer in (
        anonymous.get("/api/v1/cost-centres"),
        anonymous.get("/api/v1/cost-centres/CS100"),
        anonymous.post("/api/v1/cost-centres", json={"code": "CS300", "name": "Libraries"}),
        anonymous.patch("/api/v1/cost-centres/CS100", json={"name": "Renamed"}),
        anonymous.post(CENTRES_API, files={"file": ("centres.xlsx", _workbook([HEADINGS["cost centres"]]))}),
    ):
        assert answer.status_code == 401, answer.text


def test_the_empty_rows_workbook_is_refused_by_the_api_naming_the_limit(
    session: Session, client: TestClient, centres_bomb: bytes
) -> None:
    started = time.perf_counter()
    answer = client.post(CENTRES_API, files={"file": ("centres.xlsx", centres_bomb)})
    took = time.perf_counter() - started
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["code"] == "too_many_rows" and error["field"] == "file"
    assert LIMIT in error["detail"] and "split" in error["detail"]
    assert took < 10
    assert session.exec(select(func.count()).select_from(CostCentre)).one() == 0


def _page_client(app: FastAPI, session: Session, path: str) -> tuple[TestClient, str]:
    """A signed-in finance officer's browser on the page, and the form's CSRF token."""
    token = make_token(session, person=make_person(session, role=Role.finance))
    session.commit()
    client = TestClient(app, raise_server_exceptions=False, cookies={SESSION_COOKIE: token})
    form = client.get(path)
    assert form.status_code == 200, form.text
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found is not None
    return client, found.group(1)


def test_the_cost_centres_page_refuses_the_empty_rows_workbook_naming_the_limit(
    session: Session, app: FastAPI, centres_bomb: bytes
) -> None:
    client, csrf = _page_client(app, session, CENTRES_PAGE)
    started = time.perf_counter()
    answer = client.post(
        f"{CENTRES_PAGE}/upload", files={"workbook": ("centres.xlsx", centres_bomb)}, data={"csrf": csrf}
    )
    assert time.perf_counter() - started < 10
    assert answer.status_code == 422, answer.text
    assert 'id="upload-problems"' in answer.text and "Nothing was imported" in answer.text
    assert LIMIT in answer.text and "split" in answer.text
    plain = _workbook([HEADINGS["cost centres"], ["CS1", "Contact centre"]])
    macros = client.post(f"{CENTRES_PAGE}/upload", files={"workbook": ("centres.xlsm", plain)}, data={"csrf": csrf})
    assert macros.status_code == 422 and "without macros" in macros.text
    assert session.exec(select(func.count()).select_from(CostCentre)).one() == 0
    done = client.post(f"{CENTRES_PAGE}/upload", files={"workbook": ("centres.xlsx", plain)}, data={"csrf": csrf})
    assert done.status_code == 200 and "1 cost centre(s) added" in done.text
    # A form from elsewhere is refused before the workbook is read.
    forged = client.post(f"{CENTRES_PAGE}/upload", files={"workbook": ("centres.xlsx", plain)}, data={"csrf": "x"})
    assert forged.status_code == 403


def test_the_budgets_page_refuses_the_empty_rows_workbook_naming_the_limit(
    session: Session, app: FastAPI, budgets_bomb: bytes
) -> None:
    make_cost_centre(session, code="CS100")
    client, csrf = _page_client(app, session, BUDGETS_PAGE)
    started = time.perf_counter()
    answer = client.post(
        f"{BUDGETS_PAGE}/upload", files={"workbook": ("budgets.xlsx", budgets_bomb)}, data={"csrf": csrf}
    )
    assert time.perf_counter() - started < 10
    assert answer.status_code == 422, answer.text
    assert 'role="alert"' in answer.text and "Nothing was changed" in answer.text
    assert LIMIT in answer.text and "split" in answer.text
    plain = _workbook([HEADINGS["budgets"], ["CS100", "2027-28", 250_000]])
    for name, content in (("budgets.xlsm", plain), ("budgets.xlsx", _macro_enabled(plain))):
        macros = client.post(f"{BUDGETS_PAGE}/upload", files={"workbook": (name, content)}, data={"csrf": csrf})
        assert macros.status_code == 422 and "without macros" in macros.text
    assert session.exec(select(func.count()).select_from(Budget)).one() == 0
    done = client.post(f"{BUDGETS_PAGE}/upload", files={"workbook": ("budgets.xlsx", plain)}, data={"csrf": csrf})
    assert done.status_code == 200 and "1 budget line(s) now stand" in done.text
    session.expire_all()
    assert {(b.cost_centre, b.year): b.amount for b in finance.list_budgets(session=session)} == {
        ("CS100", "2027-28"): Decimal(250_000)
    }


def test_the_import_steps_refuse_those_who_may_not_keep_the_list(session: Session) -> None:
    viewer = make_person(session, role=Role.viewer)
    make_cost_centre(session, code="CS100")
    sheet = read_cost_centres(_workbook([HEADINGS["cost centres"], ["CS2", "Reception"]]))
    budgets = read_budgets(_workbook([HEADINGS["budgets"], ["CS100", "2027-28", 5]]))
    for apply in (
        lambda: cost_centres.import_cost_centres(session=session, sheet=sheet, actor=actor_of(viewer)),
        lambda: finance.import_budgets(session=session, sheet=budgets, actor=actor_of(viewer)),
    ):
        with pytest.raises(Forbidden):
            apply()
    assert [centre.code for centre in cost_centres.all_cost_centres(session=session)] == ["CS100"]
    assert finance.list_budgets(session=session) == []


@pytest.fixture
def served_from_a_file(fresh_databases: FreshDatabase, database_kind: str) -> Iterator[tuple[FastAPI, Any, str]]:
    """The app over a real SQLite file, each request in its own session, as it is served; a finance officer's token."""
    if database_kind != "sqlite":
        pytest.skip("the write lock a transaction holds from its start is SQLite's")
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as setup:
        token = make_token(setup, person=make_person(setup, role=Role.finance))
        setup.commit()

    def each_request() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    app = create_app()
    app.dependency_overrides[get_session] = each_request
    yield app, engine, token
    engine.dispose()


def test_a_refused_cost_centre_upload_is_answered_while_another_transaction_holds_the_write_lock(
    served_from_a_file: tuple[FastAPI, Any, str], centres_bomb: bytes
) -> None:
    app, engine, token = served_from_a_file
    client = client_with_token(app, token)
    plain = _workbook([HEADINGS["cost centres"], ["CS1", "Contact centre"]])
    with engine.connect() as writer, writer.begin():  # BEGIN IMMEDIATE: the write lock, until this block ends
        for name, content in (
            ("centres.xlsx", centres_bomb),
            ("centres.xlsx", _macro_enabled(plain)),
            ("centres.xlsm", plain),
        ):
            started = time.perf_counter()
            answer = client.post(CENTRES_API, files={"file": (name, content)})
            # Answered without waiting on the lock (its busy timeout is 5 s): the read opened no transaction.
            assert answer.status_code == 422, answer.text
            assert time.perf_counter() - started < 4.5
    answer = client.post(CENTRES_API, files={"file": ("centres.xlsx", plain)})
    assert answer.json() == {"created": 1, "updated": 0, "unchanged": 0}


@pytest.fixture
def database_url(database_url: str) -> str:
    """A migrated database the command line is pointed at."""
    migrate.upgrade(database_url)
    return database_url


def test_the_command_line_reads_cost_centres_under_the_same_budget(
    database_url: str, tmp_path: Path, centres_bomb: bytes
) -> None:
    runner = CliRunner()
    plain = _workbook([HEADINGS["cost centres"], ["CS1", "Contact centre"]])
    for name, content, said in (
        ("centres.xlsm", plain, "without macros"),
        ("centres.xlsx", _macro_enabled(plain), "without macros"),
        ("centres.xlsx", centres_bomb, LIMIT),
    ):
        (tmp_path / name).write_bytes(content)
        refused = runner.invoke(main, ["cost-centres", "import", str(tmp_path / name)])
        assert refused.exit_code != 0 and said in refused.output, refused.output
    (tmp_path / "centres.xlsx").write_bytes(plain)
    done = runner.invoke(main, ["cost-centres", "import", str(tmp_path / "centres.xlsx")])
    assert done.exit_code == 0, done.output
    assert "Imported: 1 added" in done.output
    engine = make_engine(database_url)
    with Session(engine) as check:
        assert check.exec(select(CostCentre.code)).all() == ["CS1"]
    engine.dispose()
