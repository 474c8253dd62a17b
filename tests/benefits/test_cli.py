"""The `benefits` command line: migrate, load the example (idempotently), and the serve options."""

from click.testing import CliRunner
from sqlmodel import Session

from benefits import migrate, people
from benefits.cli import main
from benefits.db import make_engine
from benefits.models import Role


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


def test_people_and_tokens_from_the_command_line(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    made = runner.invoke(main, ["users", "create", "Dana", "--role", "finance", "--email", "dana@example.org"])
    assert made.exit_code == 0, made.output
    again = runner.invoke(main, ["users", "create", "dana", "--role", "viewer"])
    assert again.exit_code == 1
    assert "name" in again.output
    bad_role = runner.invoke(main, ["users", "create", "Eve", "--role", "emperor"])
    assert bad_role.exit_code == 2
    short = runner.invoke(main, ["users", "create", "Eve", "--role", "viewer", "--password", "Sh0rtPw!"])
    assert short.exit_code == 1
    assert "password" in short.output and "Sh0rtPw!" not in short.output

    issued = runner.invoke(main, ["tokens", "create", "dana@example.org", "--expires-in", "30"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().splitlines()[-1]
    assert token.startswith("bnf_") and " " not in token
    engine = make_engine(database_url)
    with Session(engine) as session:
        actor = people.actor_for_token(session=session, token=token)
    engine.dispose()
    assert (actor.name, actor.role) == ("Dana", Role.finance)
    missing = runner.invoke(main, ["tokens", "create", "Nobody"])
    assert missing.exit_code == 1


def test_the_example_prints_the_first_admin_once(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["example", "load"])
    assert first.exit_code == 0, first.output
    admin_line = next(line for line in first.output.splitlines() if line.strip().startswith("admin "))
    password = admin_line.split()[-1]
    engine = make_engine(database_url)
    with Session(engine) as session:
        admin = people.find_person(session=session, login="admin")
        assert admin is not None and admin.role == Role.admin
        limits = people.SignInLimits(per_account=5, per_address=20, window_seconds=60)
        pending = people.start_sign_in(session=session, login="admin", address="cli", limits=limits)
        assert people.password_matches(pending, password)
        assert not people.password_matches(pending, password + "x")
    engine.dispose()
    second = runner.invoke(main, ["example", "load"])
    assert second.output.strip() == "The example is already loaded."
