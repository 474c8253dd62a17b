"""Uploads are read under the import budget before any transaction opens; macro-enabled workbooks are refused."""

import inspect
import re
import time
from collections.abc import Callable, Iterator
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
from api.routes import workbooks
from benefits import migrate
from benefits.cli import main
from benefits.db import make_engine
from benefits.models import Benefit, Role
from benefits.workbooks.import_budget import DEFAULT_MAX_ROWS
from benefits.workbooks.register_import import read_register
from tests.benefits.workbooks.test_import_budget import (
    EMPTY_ROWS,
    HEADINGS,
    _macro_enabled,
    _workbook,
    empty_rows_workbook,
)
from tests.conftest import FreshDatabase, client_with_token
from tests.support.factories import make_initiative, make_person, make_token
from web import import_pages
from web.session import SESSION_COOKIE

REGISTER = "/api/v1/initiatives/{initiative}/benefits/import"
CENTRES = "/api/v1/cost-centres/import"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The empty-rows workbook: a few hundred KB holding millions of `<row/>`."""
    return empty_rows_workbook(EMPTY_ROWS)


def _errors(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return list(answer.json()["errors"])


def test_the_empty_rows_workbook_is_refused_by_the_api_naming_the_limit(
    session: Session, client: TestClient, bomb: bytes
) -> None:
    path = REGISTER.format(initiative=make_initiative(session).id)
    session.commit()
    started = time.perf_counter()
    answer = client.post(path, files={"file": ("register.xlsx", bomb)})
    took = time.perf_counter() - started
    (error,) = _errors(answer)
    assert error["code"] == "too_many_rows" and error["field"] == "file"
    assert f"{DEFAULT_MAX_ROWS:,} rows" in error["detail"] and "split" in error["detail"]
    assert took < 10  # it once held the server for three minutes
    centres = empty_rows_workbook(EMPTY_ROWS // 10, headings=HEADINGS["cost centres"])
    assert _errors(client.post(CENTRES, files={"file": ("centres.xlsx", centres)}))[0]["code"] == "too_many_rows"


def test_macro_enabled_workbooks_are_refused_by_the_api(session: Session, client: TestClient) -> None:
    path = REGISTER.format(initiative=make_initiative(session).id)
    session.commit()
    plain = _workbook([HEADINGS["register"], [None, "Printing stopped"]])
    for name, content in (("register.xlsm", plain), ("register.xlsx", _macro_enabled(plain))):
        answer = client.post(path, files={"file": (name, content)})
        (error,) = _errors(answer)
        assert error["code"] == "macros_refused" and "without macros" in error["detail"]
    centres = _macro_enabled(_workbook([HEADINGS["cost centres"], ["CS1", "Contact centre"]]))
    assert _errors(client.post(CENTRES, files={"file": ("centres.xlsx", centres)}))[0]["code"] == "macros_refused"
    assert session.exec(select(func.count()).select_from(Benefit)).one() == 0
    answer = client.post(path, files={"file": ("register.xlsx", plain)})
    assert answer.json() == {"created": 1, "updated": 0, "unchanged": 0}


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


def _route(router: APIRouter, path: str) -> APIRoute:
    return next(
        r for r in router.routes if isinstance(r, APIRoute) and r.path == path and "POST" in (r.methods or set())
    )


@pytest.mark.parametrize(
    ("router", "path", "reader"),
    [
        (workbooks.router, "/api/v1/initiatives/{initiative_id}/benefits/import", workbooks.uploaded_register),
        (import_pages.router, "/initiatives/{initiative_id}/import", import_pages._uploaded_register),
    ],
    ids=["api", "page"],
)
def test_the_upload_is_read_before_the_request_asks_for_its_session(
    router: APIRouter, path: str, reader: Callable[..., Any]
) -> None:
    order = _solved_in_order(_route(router, path))
    assert order.index(reader) < order.index(get_session)
    for function in (reader, read_register):
        assert "session" not in inspect.signature(function).parameters


@pytest.fixture
def served_from_a_file(fresh_databases: FreshDatabase, database_kind: str) -> Iterator[tuple[FastAPI, Any, str, int]]:
    """The app over a real SQLite file, each request in its own session, as it is served; an admin's token."""
    if database_kind != "sqlite":
        pytest.skip("the write lock a transaction holds from its start is SQLite's")
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as setup:
        token = make_token(setup, person=make_person(setup, role=Role.admin))
        initiative_id = make_initiative(setup).id or 0
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
    yield app, engine, token, initiative_id
    engine.dispose()


def test_a_refused_upload_is_answered_while_another_transaction_holds_the_write_lock(
    served_from_a_file: tuple[FastAPI, Any, str, int], bomb: bytes
) -> None:
    app, engine, token, initiative_id = served_from_a_file
    client = client_with_token(app, token)
    plain = _workbook([HEADINGS["register"], [None, "Printing stopped"]])
    with engine.connect() as writer, writer.begin():  # BEGIN IMMEDIATE: the write lock, until this block ends
        for name, content in (("register.xlsx", bomb), ("register.xlsx", _macro_enabled(plain))):
            started = time.perf_counter()
            answer = client.post(REGISTER.format(initiative=initiative_id), files={"file": (name, content)})
            # Answered without waiting on the lock (its busy timeout is 5 s): the read opened no transaction.
            assert answer.status_code == 422, answer.text
            assert time.perf_counter() - started < 4.5
    answer = client.post(REGISTER.format(initiative=initiative_id), files={"file": ("register.xlsx", plain)})
    assert answer.json() == {"created": 1, "updated": 0, "unchanged": 0}


def _page_client(app: FastAPI, session: Session) -> tuple[TestClient, int, str]:
    token = make_token(session, person=make_person(session, role=Role.admin))
    initiative_id = make_initiative(session).id or 0
    session.commit()
    client = TestClient(app, raise_server_exceptions=False, cookies={SESSION_COOKIE: token})
    form = client.get(f"/initiatives/{initiative_id}/import")
    assert form.status_code == 200, form.text
    assert f"{DEFAULT_MAX_ROWS:,} rows (empty ones count too)" in form.text and ".xlsm" in form.text
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found is not None
    return client, initiative_id, found.group(1)


def test_the_import_page_names_the_limit_and_the_macros_refused(session: Session, app: FastAPI, bomb: bytes) -> None:
    client, initiative_id, csrf = _page_client(app, session)
    plain = _workbook([HEADINGS["register"], [None, "Printing stopped"]])
    for name, content, said in (
        ("register.xlsx", bomb, f"more than {DEFAULT_MAX_ROWS:,} rows"),
        ("register.xlsm", plain, "without macros"),
        ("register.xlsx", _macro_enabled(plain), "without macros"),
    ):
        answer = client.post(
            f"/initiatives/{initiative_id}/import", files={"workbook": (name, content)}, data={"csrf": csrf}
        )
        assert answer.status_code == 422, answer.text
        assert 'role="alert"' in answer.text and "Nothing was imported" in answer.text and said in answer.text
    answer = client.post(
        f"/initiatives/{initiative_id}/import", files={"workbook": ("register.xlsx", plain)}, data={"csrf": csrf}
    )
    assert answer.status_code == 200 and "1 added" in answer.text


@pytest.fixture
def database_url(database_url: str) -> str:
    """A migrated database the command line is pointed at."""
    migrate.upgrade(database_url)
    return database_url


def test_the_command_line_reads_under_the_same_budget(database_url: str, tmp_path: Path, bomb: bytes) -> None:
    engine = make_engine(database_url)
    with Session(engine) as setup:
        initiative_id = str(make_initiative(setup).id)
        setup.commit()
    engine.dispose()
    runner = CliRunner()
    plain = _workbook([HEADINGS["register"], [None, "Printing stopped"]])
    for name, content, said in (
        ("register.xlsm", plain, "without macros"),
        ("register.xlsx", _macro_enabled(plain), "without macros"),
        ("register.xlsx", bomb, f"{DEFAULT_MAX_ROWS:,} rows"),
    ):
        (tmp_path / name).write_bytes(content)
        refused = runner.invoke(main, ["import", "benefits", initiative_id, str(tmp_path / name)])
        assert refused.exit_code != 0 and said in refused.output, refused.output
    (tmp_path / "register.xlsx").write_bytes(plain)
    done = runner.invoke(main, ["import", "benefits", initiative_id, str(tmp_path / "register.xlsx")])
    assert done.exit_code == 0, done.output
    assert "Imported: 1 added" in done.output
