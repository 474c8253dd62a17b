"""The command line's progress bars: on a terminal the bar is drawn up to its end; elsewhere only its label."""

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import Workbook
from sqlmodel import col

from benefits.cli import main
from benefits.models import Initiative
from tests.support.server import benefits_command

FINANCE_LABEL = "Writing the cash-versus-capacity workbook"
TITLES = ["Printing stopped", "Calls avoided", "Post room closed"]


@pytest.fixture
def database_url(database_url: str) -> str:
    """A migrated database holding the worked example, which the command line is pointed at."""
    benefits_command(database_url, "db", "upgrade")
    benefits_command(database_url, "example", "load")
    return database_url


def _on_a_terminal(database_url: str, *arguments: str) -> tuple[str, str]:
    """Run `benefits ARGUMENTS` with stderr on a pseudo-terminal: (what it printed, what the terminal showed)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "benefits.cli", *arguments],
        env={**os.environ, "BENEFITS_DATABASE_URL": database_url, "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end is closed once the command has exited
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.stdout is not None
    printed = process.stdout.read()
    assert process.wait() == 0, shown.decode(errors="replace")
    return printed, shown.decode(errors="replace")


def _last_drawn(shown: str, label: str) -> tuple[int, int, str]:
    """The bar as last redrawn: (its position, its length, the whole line)."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)  # without the terminal's cursor controls
    drawn = [line for line in re.split(r"[\r\n]", plain) if line.startswith(label) and "[" in line]
    assert drawn, shown
    position, length = re.search(r"\]\s+(\d+)/(\d+)", drawn[-1]).groups()  # type: ignore[union-attr]
    return int(position), int(length), drawn[-1]


def test_the_finance_export_draws_its_bar_to_the_end(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "cash-capacity.xlsx"
    printed, shown = _on_a_terminal(database_url, "export", "finance", str(target))
    rows = int(re.search(r"Wrote .*: ([\d,]+) benefit-years", printed).group(1).replace(",", ""))  # type: ignore[union-attr]
    position, length, line = _last_drawn(shown, FINANCE_LABEL)
    assert rows > 0 and position == length == rows, line
    assert "100%" in line
    assert target.stat().st_size > 0


def _register(titles: list[str]) -> bytes:
    book = Workbook()
    assert book.active is not None
    book.active.append(["Id", "Title"])
    for title in titles:
        book.active.append([None, title])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _an_initiative(database_url: str) -> str:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        found = connection.execute(sa.select(sa.func.min(col(Initiative.id)))).scalar_one()
    engine.dispose()
    return str(found)


def test_the_register_import_draws_its_bar_to_the_end(database_url: str, tmp_path: Path) -> None:
    workbook = tmp_path / "register.xlsx"
    workbook.write_bytes(_register(TITLES))
    printed, shown = _on_a_terminal(database_url, "import", "benefits", _an_initiative(database_url), str(workbook))
    assert f"Imported: {len(TITLES)} added" in printed
    position, length, line = _last_drawn(shown, f"Applying {len(TITLES)} rows")
    assert position == length == len(TITLES), line
    assert "100%" in line


def test_without_a_terminal_only_the_label_is_written(database_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "finance", str(tmp_path / "cash-capacity.xlsx")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count(FINANCE_LABEL) == 1
    assert "\r" not in result.stderr and "[#" not in result.stderr
