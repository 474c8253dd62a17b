"""The README stays true: its first commands, every setting and every CLI command are in it."""

import re
from pathlib import Path

import click
from sqlmodel import Session, select

from benefits.appraisal import appraise
from benefits.cli import main
from benefits.example import load_example
from benefits.models import Initiative
from benefits.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "benefits") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


def test_the_first_two_commands_are_make_run_and_make_test() -> None:
    commands = re.findall(r"^\s*(make \w+)\s*$", README, flags=re.MULTILINE)
    assert commands[:2] == ["make run", "make test"]


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"BENEFITS_{name.upper()}" in README, name


def test_every_cli_command_is_documented() -> None:
    commands = _commands(main)
    assert len(commands) >= 4
    for command in commands:
        assert command in README, command


def test_every_api_path_is_documented() -> None:
    from api.app import create_app

    for path in create_app().openapi()["paths"]:
        if path.startswith("/api/v1"):
            assert path in README, path


def test_the_worked_example_figures_in_the_readme_are_the_services(session: Session) -> None:
    load_example(session=session)
    initiative = session.exec(select(Initiative).where(Initiative.name == "Customer Access Programme")).one()
    figures = appraise(session=session, initiative_id=initiative.id or 0)
    for value in (
        figures.economic.pv_benefits,
        figures.economic.pv_costs,
        figures.economic.npv,
        figures.financial.pv_benefits,
        figures.financial.npv,
    ):
        assert f"£{value:,.2f}" in README, value
    assert f"BCR {figures.economic.bcr:.2f}" in README
    assert f"IRR {100 * (figures.financial.irr or 0):.1f}%" in README
    for row in figures.periods:
        assert f"| {row.period} | {row.cash:,.0f} | {row.capacity:,.0f} | {row.costs:,.0f} |" in README, row.period
