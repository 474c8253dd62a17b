"""The `benefits` command line: migrate, load the example (idempotently), and the serve options."""

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from benefits import migrate
from benefits.cli import main
from benefits.settings import get_settings
from tests.conftest import FreshDatabase


@pytest.fixture
def database_url(fresh_databases: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_databases.url()
    monkeypatch.setenv("BENEFITS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_migrate_and_load_the_example_from_the_command_line(database_url: str) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert migrate.current(database_url) is not None

    loaded = runner.invoke(main, ["example", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded the example" in loaded.output
    again = runner.invoke(main, ["example", "load"])
    assert again.exit_code == 0
    assert "already loaded" in again.output

    down = runner.invoke(main, ["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert migrate.current(database_url) is None


def test_serve_offers_host_port_and_workers() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output
    refused = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert refused.exit_code == 2
