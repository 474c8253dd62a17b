"""Scenarios and switching values on the model page, in real Chromium, on the worked example.

Each test that adds a scenario deletes it again, so the example's own two scenarios are what the others read.
"""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from benefits import example_demand
from benefits.modelling.graph import CheckedModel, ModelSpec, NodeKind, NodeSpec, check
from benefits.modelling.simulation import deterministic
from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_account_pages import _make_token
from tests.web.test_model_pages import _initiative_url
from web.model_pages import bare, change_from, shown, typed_back, typed_number, with_unit
from web.render import money

OUTPUT = "capacity_value"  # avoidable calls removed x cost per phone contact, in GBP a year
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "council_front_office.json"
WIDE = ViewportSize(width=1366, height=900)  # a laptop's screen, for the screenshots beside those at 390 px


def _counted() -> dict[str, float]:
    """The example's assumptions bound to its counts: the phone contacts of April 2025 to March 2026, and the share
    of them avoidable, summed here from the generated rows."""
    year = {date(2025, month, 1) for month in range(4, 13)} | {date(2026, month, 1) for month in range(1, 4)}
    calls = [row for row in example_demand.generate() if row.channel == "phone" and row.month in year]
    total = sum(row.count for row in calls)
    avoidable = sum(row.count for row in calls if row.demand_type != "value")
    return {"phone_calls_a_year": total, "failure_demand_share": avoidable / total}


COUNTED = _counted()


def _example_model() -> CheckedModel:
    """The worked example's model read from its file with its bound assumptions at their counted values, evaluated
    here by the domain, not by the server."""
    written = json.loads(EXAMPLE.read_text())["model"]
    nodes = tuple(
        NodeSpec(
            **{key: value for key, value in node.items() if key not in ("kind", "value")},
            value=COUNTED.get(node["name"], node.get("value")),
            kind=NodeKind(node["kind"]),
        )
        for node in written["nodes"]
    )
    checked = check(ModelSpec(nodes=nodes, links=tuple((link["from"], link["to"]) for link in written["links"])))
    assert not isinstance(checked, list), checked
    return checked


def _scenario_row(page: Page, name: str) -> tuple[float, str, str]:
    """A scenario's value of the output (exactly, from its `data` element), as shown, and its change."""
    row = page.locator(f"#scenarios-table tr[data-scenario='{name}']")
    value = row.locator("td.scenario-value data")
    return (
        float(value.get_attribute("value") or "nan"),
        value.inner_text(),
        row.locator("td.scenario-change").inner_text(),
    )


def _fill_scenario(page: Page, name: str, overrides: dict[str, str]) -> None:
    page.get_by_label("Scenario name").fill(name)
    for assumption, typed in overrides.items():
        page.get_by_label(f"Override of {assumption}", exact=True).fill(typed)


def test_a_scenario_is_added_edited_evaluated_and_deleted(page: Page, site: str) -> None:
    page.set_viewport_size(WIDE)
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model + f"?output={OUTPUT}")
    example = _example_model()
    base = deterministic(example)[OUTPUT]
    expect(page.locator("#scenario-base td.scenario-value")).to_have_text(shown(base, "GBP a year"))

    _fill_scenario(page, "Slow redesign", {"avoidable_share_after": "19.5%", "phone_calls_a_year": "580,000"})
    page.get_by_role("button", name="Add the scenario").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Slow redesign” added.")
    assert "scenario_done=added" in page.url and f"output={OUTPUT}" in page.url  # a reloadable address
    slow = {"avoidable_share_after": 0.195, "phone_calls_a_year": 580_000}
    expected = deterministic(example, slow)[OUTPUT]
    value, said, change = _scenario_row(page, "Slow redesign")
    assert value == pytest.approx(expected, rel=1e-12)
    assert value == pytest.approx(580_000 * (COUNTED["failure_demand_share"] - 0.195) * 2.83, rel=1e-12)  # by hand
    assert (said, change) == (shown(expected, "GBP a year"), change_from(expected, base))
    assert change.startswith("-") and change.endswith("%")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-scenarios")

    page.get_by_role("link", name="Edit the scenario Slow redesign").click()
    expect(page.get_by_role("heading", name="Edit the scenario “Slow redesign”")).to_be_visible()
    expect(page.get_by_label("Override of avoidable_share_after", exact=True)).to_have_value("19.5%")
    expect(page.get_by_label("Override of phone_calls_a_year", exact=True)).to_have_value("580,000")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-scenario-edit")
    # Renamed to a name already taken, the edit is refused beside the name, with what was typed kept.
    page.get_by_label("Scenario name").fill("Pessimistic Redesign")
    page.get_by_label("Override of cost_per_phone_contact", exact=True).fill("£3.10")
    page.get_by_role("button", name="Save the scenario").click()
    expect(page.locator("#scenario-error-name")).to_contain_text("another scenario is called Pessimistic Redesign")
    expect(page.get_by_label("Override of cost_per_phone_contact", exact=True)).to_have_value("£3.10")
    expect(page.get_by_role("heading", name="Edit the scenario “Slow redesign”")).to_be_visible()
    page.get_by_label("Scenario name").fill("Slower redesign")
    page.get_by_label("Override of phone_calls_a_year", exact=True).fill("")  # back to the base case
    page.get_by_role("button", name="Save the scenario").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Slower redesign” saved.")
    slower = {"avoidable_share_after": 0.195, "cost_per_phone_contact": 3.10}
    expected = deterministic(example, slower)[OUTPUT]
    value, said, _ = _scenario_row(page, "Slower redesign")
    assert value == pytest.approx(expected, rel=1e-12) and said == shown(expected, "GBP a year")
    expect(page.locator("#scenarios-table tr[data-scenario='Slow redesign']")).to_have_count(0)

    # Evaluated by Monte Carlo: the spread's "at most likely" is the scenario's value, and the caption names it.
    page.get_by_role("link", name="Monte Carlo of Slower redesign").click()
    expect(page.locator("#spread-caption")).to_contain_text("in the scenario Slower redesign")
    expect(page.locator(f"#spread-{OUTPUT} td").first).to_have_text(shown(expected, "GBP a year"))
    expect(page.get_by_label("Scenario", exact=True)).to_have_value("Slower redesign")

    page.get_by_role("button", name="Delete the scenario Slower redesign").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Slower redesign” deleted.")
    expect(page.locator("#scenarios-table tr.scenario-row")).to_have_count(2)  # the example's own two


def test_a_refused_scenario_keeps_what_was_typed_without_javascript(no_scripts: Page, site: str) -> None:
    page = no_scripts
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model + f"?output={OUTPUT}")
    _fill_scenario(page, "Dear calls", {"phone_calls_a_year": "lots", "cost_per_phone_contact": "£3.25"})
    with page.expect_response(re.compile(r"/model/scenarios$")) as answer:
        page.get_by_role("button", name="Add the scenario").click()
    assert answer.value.status == 422
    expect(page.get_by_role("alert").filter(has_text="The scenario was not added")).to_contain_text(
        "Override of phone_calls_a_year: “lots” is not a number"
    )
    calls = page.get_by_label("Override of phone_calls_a_year", exact=True)
    expect(calls).to_have_value("lots")
    expect(calls).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Override of cost_per_phone_contact", exact=True)).to_have_value("£3.25")
    expect(page.get_by_label("Scenario name")).to_have_value("Dear calls")
    screenshot(page, "model-scenario-refused-without-javascript")

    # A name already taken (in any case) is named at the name; the overrides typed stay.
    page.get_by_label("Scenario name").fill("LOW TAKE-UP")
    calls.fill("650,000")
    page.get_by_role("button", name="Add the scenario").click()
    expect(page.locator("#scenario-error-name")).to_contain_text("another scenario is called LOW TAKE-UP")
    expect(page.get_by_label("Scenario name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Override of phone_calls_a_year", exact=True)).to_have_value("650,000")

    page.get_by_label("Scenario name").fill("Dear calls")
    page.get_by_role("button", name="Add the scenario").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Dear calls” added.")
    value, _, _ = _scenario_row(page, "Dear calls")
    expected = deterministic(_example_model(), {"phone_calls_a_year": 650_000, "cost_per_phone_contact": 3.25})
    assert value == pytest.approx(expected[OUTPUT], rel=1e-12)
    page.get_by_role("button", name="Delete the scenario Dear calls").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Dear calls” deleted.")


def test_a_viewer_reads_scenarios_and_switching_values_but_has_no_scenario_form(page: Page, site: str) -> None:
    page.set_viewport_size(WIDE)
    page.goto(_initiative_url(page, site, "Victor Shaw") + f"/model?output={OUTPUT}")
    example = _example_model()
    value, _, _ = _scenario_row(page, "pessimistic redesign")
    assert value == pytest.approx(deterministic(example, {"avoidable_share_after": 0.195})[OUTPUT], rel=1e-12)
    expect(page.get_by_role("heading", name="Switching values")).to_be_visible()
    expect(page.locator("#switching-meaning")).to_contain_text("A switching value is the value an assumption")
    expect(page.get_by_role("button", name="Add the scenario")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Delete the scenario"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Edit the scenario"))).to_have_count(0)
    expect(page.locator("form.scenario-form")).to_have_count(0)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-scenarios-viewer")
    answer = page.goto(page.url.split("/model")[0] + "/model/scenario?name=low%20take-up")
    assert answer is not None and answer.status == 403  # nor the edit form by its address


def test_a_switching_value_substituted_into_the_model_gives_the_break_even(page: Page, site: str) -> None:
    page.set_viewport_size(WIDE)
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(site + "/account/tokens")
    secret = _make_token(page, "switching values")
    page.goto(model + f"?output={OUTPUT}")
    page.get_by_label(f"Break-even of {OUTPUT}").fill("£200,000")
    page.get_by_role("button", name="Find the switching values").click()
    assert "threshold=" in page.url
    table = page.locator("#output-switching-table")
    expect(table.locator("caption")).to_contain_text("where it reaches £200,000 a year")
    row = table.locator("tr[data-assumption='avoidable_share_after']")
    found = float(row.locator("data").get_attribute("value") or "nan")
    assert 0.12 <= found <= 0.24  # within the assumption's range
    example = _example_model()
    assert deterministic(example, {"avoidable_share_after": found})[OUTPUT] == pytest.approx(200_000, rel=1e-9)
    expect(row.locator("td.switching-value")).to_have_text(bare(found, "share"))  # a share as a percentage
    expect(row.locator("td.switching-change")).to_have_text(change_from(found, 0.15))
    # 200,000 / (0.15 x 2.83) calls is below the calls' low of 550,000: no switching value in its range.
    calls = table.locator("tr[data-assumption='phone_calls_a_year']")
    expect(calls.locator("td.switching-value")).to_have_text("no switching value in range")

    # The NPV's switching values are the API's, each in its unit or said to be out of range.
    answer = httpx2.get(f"{model.replace('/initiatives/', '/api/v1/initiatives/').removesuffix('/model')}"
                        "/appraisal/switching-values", headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    rows = answer.json()["assumptions"]
    assert rows
    for expected in rows:
        cell = page.locator(f"#npv-switching-table tr[data-assumption='{expected['assumption']}'] td.switching-value")
        if expected["switching_value"] is None:
            expect(cell).to_have_text("no switching value in range")
        else:
            assert float(cell.locator("data").get_attribute("value") or "nan") == expected["switching_value"]
            expect(cell).to_have_text(bare(expected["switching_value"], expected["unit"]))
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-switching-values")

    # A scenario holding one assumption at its low has the NPV the API gives at that low; the base case its NPV.
    low = next(row for row in rows if row["assumption"] == "avoidable_share_after")
    _fill_scenario(page, "Redesign at its best", {"avoidable_share_after": "12%"})
    page.get_by_role("button", name="Add the scenario").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Redesign at its best” added.")
    best = page.locator("#scenarios-table tr[data-scenario='Redesign at its best'] td.scenario-npv")
    expect(best).to_have_text(money(Decimal(str(low["npv_at_low"]))))
    expect(page.locator("#scenario-base td.scenario-npv")).to_have_text(money(Decimal(str(answer.json()["npv"]))))
    page.get_by_role("button", name="Delete the scenario Redesign at its best").click()
    expect(page.get_by_role("status")).to_have_text("Scenario “Redesign at its best” deleted.")

    # A break-even that is not a number is named beside its input, as typed.
    page.get_by_label(f"Break-even of {OUTPUT}").fill("half a million")
    page.get_by_role("button", name="Find the switching values").click()
    expect(page.locator("#break-even-error")).to_contain_text("“half a million” is not a number")
    expect(page.get_by_label(f"Break-even of {OUTPUT}")).to_have_value("half a million")


def test_wide_tables_scroll_in_their_own_region_on_a_phone(page: Page, site: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(_initiative_url(page, site, "Priya Patel") + f"/model?output={OUTPUT}")
    for table in ("#scenarios-table", "#output-switching-table", "#npv-switching-table"):
        region = page.locator(table).locator("xpath=ancestor::div[@role='region'][1]")
        box = region.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, table
    expect(page.locator("#scenarios")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-scenarios-390")


def test_numbers_are_read_as_people_type_them() -> None:
    assert typed_number("45,000") == 45_000
    assert typed_number("£45,000") == 45_000
    assert typed_number("12.5%") == pytest.approx(0.125)
    assert typed_number(" -2.5 ") == -2.5
    assert typed_number("") is None
    for unreadable in ("lots", "1.2.3", "NaN", "Infinity", "%"):
        with pytest.raises(ValueError):
            typed_number(unreadable)
    assert change_from(120, 100) == "+20%"
    assert change_from(80, 100) == "-20%"
    assert change_from(0.1875, 0.15) == "+25%"
    assert change_from(0.1826, 0.15) == "+21.7%"  # half-up to a tenth of a per cent
    assert change_from(5, 0) == "—"
    # What a scenario keeps is typed back exactly, and read again as the same number.
    for value, unit, typed in (
        (0.195, "share", "19.5%"),
        (580_000.0, "calls", "580,000"),
        (2.835, "GBP", "2.835"),
        (0.1 + 0.2, "share", "30.000000000000004%"),
        (-1e-7, "", "-0.0000001"),
    ):
        assert typed_back(value, unit) == typed
        assert typed_number(typed) == value


def test_a_share_reads_as_a_percentage_to_a_tenth_and_other_values_keep_their_units() -> None:
    assert with_unit(0.195, "share") == "19.5%"  # not 0.2 share
    assert with_unit(0.18255, "share") == "18.3%"  # half-up
    assert with_unit(580_000, "calls a year") == "580,000 calls a year"
    assert bare(580_000, "calls a year") == "580,000"
    assert bare(3.1, "GBP") == "£3.10"
    assert bare(254_700.5, "GBP a year") == "£254,701"
