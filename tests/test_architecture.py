"""Architecture rules as tests: the domain knows nothing of the web, and the layout is the house's."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_DOMAIN = {"fastapi", "starlette", "jinja2", "api", "web"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_domain_imports_no_web_framework() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN_IN_DOMAIN)
        for path in (ROOT / "benefits").rglob("*.py")
        if _imports(path) & FORBIDDEN_IN_DOMAIN
    }
    assert offenders == {}


def test_the_web_pages_do_not_import_the_api_routes() -> None:
    for path in (ROOT / "web").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("api.routes"), path


def test_the_top_level_is_the_fixed_one() -> None:
    expected = {"pyproject.toml", "benefits", "api", "web", "migrations", "examples", "tests", "README.md"}
    tooling = {"Makefile", "constraints.txt", ".ci", ".gitignore", ".git"}
    present = {path.name for path in ROOT.iterdir()}
    assert expected <= present
    tracked_extras = present - expected - tooling
    # Only local, ignored artefacts may stand beside them (the venv, caches, the SQLite file).
    ignored = {".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "benefits.egg-info"}
    assert {name for name in tracked_extras if not name.startswith("benefits.db")} <= ignored


def _transaction_calls(path: Path) -> list[str]:
    """Where a module calls `.commit()` or `.rollback()` on anything (comments and strings do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]


def test_only_the_request_commits_or_rolls_back() -> None:
    # The request's unit of work (api/deps.py) is the one owner of the transaction: a handler that committed
    # could keep half a change, and one that rolled back would undo what the request had done before it.
    modules = [*(ROOT / "web").rglob("*.py"), *(ROOT / "api" / "routes").rglob("*.py")]
    assert modules
    assert [call for path in sorted(modules) for call in _transaction_calls(path)] == []


def _modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running `statement` (run in a process of its own)."""
    done = subprocess.run(
        [sys.executable, "-c", f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


# Serving starts without any of these; each loads when first used: the migrations (alembic), the workbooks'
# readers and writers (openpyxl, XlsxWriter, python-calamine, lxml), a model's expressions and evaluation (lark,
# numpy) and the appraisal's and Monte Carlo's numerics (scipy). Those that were loaded added 0.15-0.3 s to a start.
HEAVY_FOR_START_UP = [
    "alembic",
    "openpyxl",
    "xlsxwriter",
    "python_calamine",
    "lxml",
    "numpy",
    "lark",
    "scipy.optimize",
    "scipy.special",
    "authlib",  # single sign-on's client, with what it brings
    "joserfc",
    "cryptography",
    "httpx",
    "multiprocessing",  # the export processes and their pool, started with the first workbook a server writes
    "concurrent.futures.process",
]


@pytest.fixture(scope="module")
def loaded_at_start_up() -> set[str]:
    """What `benefits serve` has imported once its app is built."""
    return _modules_loaded_by("import benefits.cli\nimport api.app")


@pytest.mark.parametrize("module", HEAVY_FOR_START_UP)
def test_starting_the_service_does_not_import(module: str, loaded_at_start_up: set[str]) -> None:
    assert module not in loaded_at_start_up
