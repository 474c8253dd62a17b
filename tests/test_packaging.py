"""Installs are reproducible: every dependency pyproject.toml names is pinned in constraints.txt, within its bounds."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return [Requirement(text) for text in named]


def test_every_declared_dependency_is_pinned_within_its_bounds() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name]), f"{requirement.name}=={pins[name]} breaks {requirement}"


def test_make_and_ci_install_through_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text()
    # `make lock` alone installs without the pins, since it is what moves them.
    lines = makefile.splitlines()
    installs = [line for line in lines if "pip install" in line and " -e " in line and "--upgrade" not in line]
    assert installs
    assert all("-c constraints.txt" in line for line in installs), installs
