"""Schemathesis against a real `benefits serve`: every operation, every check, at least 10,000 cases a database."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FreshDatabase
from tests.support.server import benefits_command, running_server

# Fixed, so a failure replays: `schemathesis run ... --seed 15` against the same worked example.
SEED = 15
# Per operation and phase; with the coverage and stateful phases this makes well over 10,000 cases in all.
MAX_EXAMPLES = 120
LEAST_CASES = 10_000
ROOT = Path(__file__).resolve().parents[2]

# Each exclusion signs the fuzzer out, so every later request would answer 401 and test nothing:
SIGNING_OUT = {
    # DELETE /api/v1/tokens/{token_id} revokes a token by id, and the fuzzer's own is among the ids it reaches;
    "revoke_token",
    # DELETE /api/v1/auth/token revokes the token that sends it, the fuzzer's own.
    "sign_out",
}

# Two statuses the checks do not expect, each required by HTTP where the server gives it:
# - 412, to a schema-valid request and to one whose content breaks the schema alike. The If-Match header is a free
#   string in the document (any list of entity tags is well-formed), and RFC 9110 13.1.1 says that when it names no
#   current version the server MUST answer 412 and change nothing; 13.2.1 puts that evaluation before the content
#   is processed, so a request both stale and malformed may be answered 412.
# - 413, to content that breaks the schema by being too big (an array past maxItems): the body is refused by its
#   size in bytes, before it is read, as the document's 413 says.
# - 422, to a schema-valid request refused by a rule JSON Schema cannot write (a file's content, one field against
#   another, a model's grammar): the check in tests/support/fuzz_checks.py holds each such 422 to the rules it lists,
#   so a refusal the document could have ruled out still fails.
# Every other status each check expects stays as schemathesis sets it.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "428", "429", "5xx"]
"""


def _fuzz(base: str, token: str, reports: Path) -> tuple[dict, str]:
    """Run schemathesis against the server at `base`; its JSON report and what it printed."""
    config = reports / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color", "run"]
    command += [f"{base}/openapi.json", "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)]
    command += ["--header", f"Authorization: Bearer {token}", "--workers", "2", "--generation-database", "none"]
    # Every operation spends its whole budget even after a failure, so the count of cases does not hang on them.
    command += ["--continue-on-failure", "--request-timeout", "60"]
    command += ["--report", "json,junit", "--report-dir", str(reports)]
    for operation_id in sorted(SIGNING_OUT):
        command += ["--exclude-operation-id", operation_id]
    # Run in the report folder: schemathesis keeps a folder of its own where it runs, not in the checkout.
    # The project's own check joins schemathesis's (`--checks all` takes every registered check).
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.fuzz_checks", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1800, cwd=reports, env=environment
    )
    report_path = next(reports.glob("json-*.json"))
    return json.loads(report_path.read_text()), done.stdout + done.stderr


def test_every_operation_answers_as_documented(fresh_databases: FreshDatabase, tmp_path: Path) -> None:
    url = fresh_databases.url()
    benefits_command(url, "db", "upgrade")
    benefits_command(url, "example", "load")
    benefits_command(url, "users", "create", "Fuzzer", "--role", "admin")
    token = benefits_command(url, "tokens", "create", "Fuzzer").strip().splitlines()[-1]
    with running_server(url) as base:
        started = time.monotonic()
        report, printed = _fuzz(base, token, tmp_path)
        seconds = time.monotonic() - started
    cases = report["test_cases"]["generated"]
    figures = f"{cases} cases in {seconds:.0f} s ({cases / seconds:.0f} a second) on {fresh_databases.kind}"
    print(figures)
    # The run itself must be whole, or its findings mean nothing.
    if not report["complete"] or report["operations"]["errored"]:
        pytest.fail(f"the run did not complete or an operation errored:\n{printed[-4000:]}")
    if report["operations"]["selected"] != report["operations"]["total"] - len(SIGNING_OUT):
        pytest.fail(f"operations were left out:\n{printed[-4000:]}")
    if cases < LEAST_CASES:
        pytest.fail(f"too few cases: {figures}")
    # No server error, no response outside its schema, no undocumented status, no schema-valid request refused but
    # for a rule the document cannot write (tests/support/fuzz_checks.py), nor any other failure of any check.
    failures = {failure["type"]: failure["operations"] for failure in report["failures"]}
    assert not failures, f"{failures}\n{printed[-20000:]}"
