"""`benefits db backup` and `benefits db restore`: a round trip keeps every row of every table, on both databases."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from benefits import migrate
from benefits.cli import main
from benefits.settings import get_settings
from tests.conftest import FreshDatabase


def _rows_of_every_table(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, each table read in a stable order, as plain tuples."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        found: dict[str, list[tuple[object, ...]]] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                found[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
        return found
    finally:
        engine.dispose()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Point the settings (and so the command line) at a database URL for the rest of the test."""

    def point_at(url: str) -> None:
        monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
        get_settings.cache_clear()

    monkeypatch.setenv("BENEFITS_EXAMPLE_PASSWORD", "example-password-for-tests")
    monkeypatch.setenv("BENEFITS_ADMIN_PASSWORD", "example-password-for-tests")
    yield point_at
    get_settings.cache_clear()


def _invoke(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_backup_restored_into_an_empty_database_holds_every_row_and_serves_the_example(
    fresh_databases: FreshDatabase, use_database: Callable[[str], None], tmp_path: Path
) -> None:
    source, target = fresh_databases.url(), fresh_databases.url()
    use_database(source)
    _invoke("db", "upgrade")
    _invoke("example", "load")
    file = tmp_path / "benefits.backup"
    assert "Backed up" in _invoke("db", "backup", str(file))
    assert file.stat().st_size > 0

    use_database(target)
    assert "Restored" in _invoke("db", "restore", str(file))
    assert migrate.current(target) == migrate.head()
    before, after = _rows_of_every_table(source), _rows_of_every_table(target)
    assert set(after) == set(before)
    assert sum(len(rows) for rows in before.values()) > 100  # the example, not an empty schema
    for table, rows in before.items():
        assert after[table] == rows, table

    # The restored database serves: a person from the example signs in and reads the example's initiative.
    client = TestClient(create_app(), raise_server_exceptions=False)
    token = client.post("/api/v1/auth/token", json={"login": "Priya Patel", "password": "example-password-for-tests"})
    assert token.status_code == 201, token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    listed = client.get("/api/v1/initiatives", headers=headers)
    assert listed.status_code == 200
    assert "Customer Access Programme" in listed.text


def test_a_restore_refuses_a_database_in_use_unless_asked_and_a_backup_never_overwrites(
    fresh_databases: FreshDatabase, use_database: Callable[[str], None], tmp_path: Path
) -> None:
    url = fresh_databases.url()
    use_database(url)
    _invoke("db", "upgrade")
    file = tmp_path / "first.backup"
    _invoke("db", "backup", str(file))
    again = CliRunner().invoke(main, ["db", "backup", str(file)])
    assert again.exit_code == 1
    assert "already exists" in again.output

    refused = CliRunner().invoke(main, ["db", "restore", str(file)])
    assert refused.exit_code == 1
    assert "--replace" in refused.output
    assert "Restored" in _invoke("db", "restore", "--replace", str(file))

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a backup")
    wrong = CliRunner().invoke(main, ["db", "restore", "--replace", str(not_a_backup)])
    assert wrong.exit_code == 1
    assert "is not a" in wrong.output
