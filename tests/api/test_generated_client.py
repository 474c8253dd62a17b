"""An integrator's view: a client generated from /openapi.json by openapi-python-client drives the main walk."""

import importlib
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx2
import numpy_financial
import openpyxl
import pytest

from benefits import migrate
from tests.conftest import FreshDatabase
from tests.support.server import benefits_command, running_server

PACKAGE = "benefits_client"
# Workbooks are binary downloads; the generator reads any such body as bytes once told the type is one.
GENERATOR_CONFIG = {
    "content_type_overrides": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "application/octet-stream",
    },
    "post_hooks": [],
}
# The one part the generator leaves out: the CSV alternative to an observations list (it takes JSON too).
ACCEPTED_WARNING = "POST /api/v1/measures/{measure_id}/observations"


def _token(database_url: str, person: str) -> str:
    return benefits_command(database_url, "tokens", "create", person, "--expires-in", "1").strip().splitlines()[-1]


def _generate(base: str, folder: Path) -> str:
    """Generate the client from the running server's document; returns what the generator said."""
    config = folder / "generator.json"
    config.write_text(json.dumps(GENERATOR_CONFIG))
    generator = Path(sys.executable).parent / "openapi-python-client"
    done = subprocess.run(
        [str(generator), "generate", "--url", f"{base}/openapi.json", "--meta", "none", *_into(folder, config)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _into(folder: Path, config: Path) -> list[str]:
    return ["--output-path", str(folder / PACKAGE), "--config", str(config)]


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A folder to generate into; the generated package is forgotten afterwards, so each database gets its own."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path, []
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _operation(tag: str, operation_id: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


def _class_name(schema_name: str) -> str:
    # The generator's own rule: words split at case changes and punctuation, each capitalised, joined.
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", schema_name)
    return "".join(word[:1].upper() + word[1:] for word in words)


def _ok(response, status: int = 200):
    assert response.status_code == status, response.content[:500]
    return response.parsed


def test_a_generated_client_covers_the_document_and_walks_the_example(
    fresh_databases: FreshDatabase, generated: tuple[Path, list[str]]
) -> None:
    folder, _ = generated
    url = fresh_databases.url()
    migrate.upgrade(url)
    benefits_command(url, "example", "load")
    manager, finance = _token(url, "Priya Patel"), _token(url, "Frank Okafor")
    with running_server(url) as base:
        document = httpx2.get(f"{base}/openapi.json").json()
        said = _generate(base, folder)

        # Nothing skipped: the generator warns only about the CSV alternative body, and names it.
        warnings = [line for line in said.splitlines() if line.startswith("WARNING")]
        assert warnings == [f"WARNING parsing {ACCEPTED_WARNING} within measures."], said

        # Every operation has its module, named by its short, unique id; every schema has its model.
        operations = [
            (operation["tags"][0], operation["operationId"])
            for path in document["paths"].values()
            for method, operation in path.items()
            if method in {"get", "post", "put", "patch", "delete"}
        ]
        ids = [operation_id for _, operation_id in operations]
        assert len(ids) == len(set(ids)) >= 80
        for tag, operation_id in operations:
            assert re.fullmatch(r"[a-z]+(_[a-z0-9]+){0,4}", operation_id), operation_id
            assert "api_v1" not in operation_id
            assert callable(_operation(re.sub(r"\W+", "_", tag.lower()), operation_id).sync_detailed)
        models = importlib.import_module(f"{PACKAGE}.models")
        missing = [name for name in document["components"]["schemas"] if not hasattr(models, _class_name(name))]
        assert missing == []

        client_module = importlib.import_module(PACKAGE)
        as_manager = client_module.AuthenticatedClient(base_url=base, token=manager, raise_on_unexpected_status=True)
        as_finance = client_module.AuthenticatedClient(base_url=base, token=finance, raise_on_unexpected_status=True)
        _walk(models, as_manager, as_finance)


def _walk(models: ModuleType, as_manager, as_finance) -> None:
    """Create, move, confirm, appraise and download, each through the generated client's typed calls."""
    initiatives = _ok(_operation("initiatives", "list_initiatives").sync_detailed(client=as_manager))
    programme = next(item for item in initiatives.items if item.name == "Customer Access Programme")

    # Create: a benefit in the example's programme.
    created = _operation("initiatives", "create_benefit").sync_detailed(
        programme.id, client=as_manager, body=models.BenefitCreate(title="Repeat visits to the library desk avoided")
    )
    benefit = _ok(created, 201)
    assert benefit.stage is models.Stage.OPPORTUNITY
    assert created.headers["Location"] == f"/api/v1/benefits/{benefit.id}"

    # Move: its scoped gate is missing an owner, a category and a valuation; fill them, then move it on.
    move_stage = _operation("benefits", "move_stage")
    refused = move_stage.sync_detailed(
        benefit.id, client=as_manager, body=models.TransitionRequest(to=models.Stage.SCOPED)
    )
    assert refused.status_code == 409
    assert {item["code"] for item in json.loads(refused.content)["errors"]} == {
        "owner_missing",
        "category_missing",
        "valuation_missing",
    }
    update = _operation("benefits", "update_benefit").sync_detailed(
        benefit.id,
        client=as_manager,
        body=models.BenefitUpdate(
            owner="helen ward",  # the example's libraries officer, a person found by name in any case
            category=models.Category.FINANCIAL,
            estimate_low=8000,
            estimate_likely=12000,
            estimate_high=15000,
            reason="Counted at two desks for a month",
        ),
        if_match=created.headers["ETag"],
    )
    assert (_ok(update).gate.missing, update.parsed.owner) == ([], "Helen Ward")
    moved = _ok(
        move_stage.sync_detailed(
            benefit.id,
            client=as_manager,
            body=models.TransitionRequest(to=models.Stage.SCOPED, reason="Valued from the desk count"),
            if_match=update.headers["ETag"],
        )
    )
    assert moved.stage is models.Stage.SCOPED

    # Confirm: finance confirms this year's planned cash of the planned cash-releasing benefit.
    benefits = _ok(_operation("initiatives", "list_benefits").sync_detailed(programme.id, client=as_finance))
    cash = next(item for item in benefits.items if item.route == "cash" and item.stage == "planned")
    # The latest year of its profile that has started (the example's profile runs from 2026-27 for five years).
    year = max(row.period for row in cash.profile if _starts(row.period) <= date.today())
    planned = Decimal(str(next(row.planned for row in cash.profile if row.period == year)))
    summary = _operation("finance", "cash_capacity")
    before = _confirmed(_ok(summary.sync_detailed(client=as_finance, initiative_id=programme.id)), year)
    confirmation = _ok(
        _operation("benefits", "confirm_cash").sync_detailed(
            cash.id,
            client=as_finance,
            body=models.CashConfirmationCreate(period=year, amount=float(planned), note="Budget line reduced"),
        ),
        201,
    )
    assert Decimal(str(confirmation.amount)) == planned
    after = _confirmed(_ok(summary.sync_detailed(client=as_finance, initiative_id=programme.id)), year)
    assert after - before == planned

    # Appraise: the NPV the client reads is the Green Book sum of the years' net figures it reads beside it.
    appraisal = _ok(_operation("appraisal", "appraise").sync_detailed(programme.id, client=as_manager))
    assert appraisal.discount_schedule == "green_book"
    for row in appraisal.periods:
        assert row.discount_factor == pytest.approx(1.035**-row.year, rel=1e-9)
    nets = [Decimal(str(row.net)) for row in appraisal.periods]
    assert [row.year for row in appraisal.periods] == list(range(len(nets))) and len(nets) <= 31
    independent = numpy_financial.npv(0.035, [float(net) for net in nets])
    assert float(appraisal.economic.npv) == pytest.approx(independent, abs=0.01)

    # Download: both workbooks arrive as workbooks whose sheets finance expects.
    case = _operation("workbooks", "business_case").sync_detailed(programme.id, client=as_manager)
    assert case.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(case.content))
    assert {"Summary", "Assumptions", "Benefits"} <= set(workbook.sheetnames)
    finance_book = _operation("workbooks", "cash_capacity_workbook").sync_detailed(
        client=as_finance, initiative_id=programme.id
    )
    assert finance_book.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(finance_book.content)).sheetnames


def _starts(year: str) -> date:
    """The first day of a financial year written 2026-27 (April to March, the example's setting)."""
    return date(int(year[:4]), 4, 1)


def _confirmed(summary, year: str) -> Decimal:
    """The cash confirmed in a year, as the finance summary the client parsed reports it."""
    return sum(
        (Decimal(str(row.cash_confirmed)) for row in summary.years if row.year == year),
        Decimal(0),
    )
