"""The model page's Monte Carlo result, histogram, tornado and templates in real Chromium, on the worked example.

The template is applied to an initiative the test makes, so the example's model stays as the other tests read it.
"""

import re
from types import SimpleNamespace
from typing import Any

import httpx2
from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_account_pages import _make_token, _open_tokens
from tests.web.test_model_pages import HOURS_RELEASED, _initiative_url
from web import charts
from web.model_pages import shown

OUTPUT = "capacity_value"


def _token(page: Page, site: str, name: str) -> str:
    """Priya Patel signed in, with an API token made on her tokens page."""
    _open_tokens(page, site, "Priya Patel")
    return _make_token(page, name)


def _example_model(page: Page, site: str) -> str:
    """The example initiative's model page, for someone already signed in."""
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    return page.url.split("#")[0] + "/model"


def _evaluated(site: str, initiative: str, secret: str) -> dict[str, Any]:
    answer = httpx2.post(f"{site}/api/v1/initiatives/{initiative}/model/evaluate",
                         headers={"Authorization": f"Bearer {secret}"},
                         json={"output": OUTPUT, "samples": 10_000, "seed": 1})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def _pounds(cell: str) -> float:
    found = re.fullmatch(r"(-?)£([\d,]+) a year", cell.strip())
    assert found, cell
    return float(found[2].replace(",", "")) * (-1 if found[1] else 1)


def _evaluate(page: Page) -> None:
    form = page.locator("form.evaluate-form")
    form.get_by_label("Output").select_option(OUTPUT)
    form.get_by_label("Samples").fill("10,000")
    form.get_by_label("Seed").fill("1")
    form.get_by_role("button", name="Evaluate").click()
    expect(page).to_have_url(re.compile(rf"output={OUTPUT}"))


def _read_results(page: Page) -> tuple[list[float], str, str]:
    """P10, P50, P90 of the output as numbers, P50 as shown, and the tornado table's first assumption."""
    row = page.locator(f"#spread-{OUTPUT}")
    spread = [_pounds(row.locator(f"td.{name}").inner_text()) for name in ("p10", "p50", "p90")]
    first = page.get_by_role("table", name=re.compile("^Tornado of")).locator("tbody tr").first.locator("code")
    return spread, row.locator("td.p50").inner_text().strip(), first.inner_text()


def test_the_result_is_the_apis_with_a_histogram_and_tornado(page: Page, site: str) -> None:
    secret = _token(page, site, "model results")
    model = _example_model(page, site)
    initiative = model.rsplit("/", 2)[-2]
    page.goto(model)
    _evaluate(page)
    spread, p50_text, first = _read_results(page)
    assert spread[0] < spread[1] < spread[2], spread
    expected = _evaluated(site, initiative, secret)
    p50 = expected["nodes"][OUTPUT]["p50"]
    assert p50_text == f"£{p50:,.0f} a year"  # to the pound
    assert expected["sensitivity"]["bars"][0]["assumption"] == first
    histogram = page.get_by_role("img", name=re.compile(rf"^Distribution of {OUTPUT}"))
    expect(histogram).to_be_visible()
    expect(histogram).to_contain_text("P50")  # the percentiles marked
    tornado = page.get_by_role("img", name=re.compile(rf"^Tornado of {OUTPUT}"))
    expect(tornado).to_be_visible()
    expect(tornado.locator("g > title").first).to_contain_text(first)  # the widest bar comes first
    expect(page.locator("#histogram-table tbody tr")).to_have_count(30)  # in a details element, closed
    # Every node has its spread, values with their units and rounded.
    expect(page.locator("#spread-hours_released")).to_contain_text(f"{HOURS_RELEASED} hours a year")
    assert not re.search(r"\d\.\d{3,}", page.locator("#results").inner_text())
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-results")


def test_the_same_result_with_javascript_switched_off(no_scripts: Page, site: str) -> None:
    page = no_scripts
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model + f"?output={OUTPUT}&samples=10000&seed=1")
    _, with_query, first_with_query = _read_results(page)
    page.goto(model)
    _evaluate(page)
    spread, p50_text, first = _read_results(page)
    assert spread[0] < spread[1] < spread[2] and (p50_text, first) == (with_query, first_with_query)
    expect(page.get_by_role("img", name=re.compile(rf"^Distribution of {OUTPUT}"))).to_be_visible()
    screenshot(page, "model-results-without-javascript")


def test_a_viewer_sees_the_result_but_no_template_form(page: Page, site: str) -> None:
    model = _initiative_url(page, site, "Victor Shaw") + "/model"
    page.goto(model)
    page.get_by_role("navigation", name="Output to analyse").get_by_role("link", name=OUTPUT, exact=True).click()
    expect(page.get_by_role("img", name=re.compile(rf"^Distribution of {OUTPUT}"))).to_be_visible()
    spread, _, _ = _read_results(page)
    assert spread[0] < spread[1] < spread[2]
    expect(page.get_by_role("button", name="Add the template")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add a template")).to_have_count(0)
    assert serious_accessibility_problems(page) == []


def test_an_evaluation_refused_says_why(page: Page, site: str) -> None:
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    answer = page.goto(model + "?samples=lots&seed=1")
    assert answer is not None and answer.status == 422
    expect(page.get_by_label("Samples")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#eval-error-samples")).to_contain_text("“lots” is not a whole number")
    answer = page.goto(model + "?output=no_such_node")
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("no_such_node")
    answer = page.goto(model + "?samples=200000")  # more samples x nodes than one evaluation draws
    assert answer is not None and answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("too much work")


def test_a_template_is_added_to_a_new_initiatives_model(page: Page, site: str) -> None:
    secret = _token(page, site, "template")
    made = httpx2.post(f"{site}/api/v1/initiatives", headers={"Authorization": f"Bearer {secret}"},
                       json={"name": "Channel shift trial"})  # fmt: skip
    assert made.status_code == 201, made.text
    page.goto(f"{site}/initiatives/{made.json()['id']}/model")
    expect(page.get_by_role("heading", name="Monte Carlo result")).to_have_count(0)  # no model yet
    page.get_by_label("Channel shift").check()
    page.get_by_role("button", name="Add the template").click()
    expect(page.get_by_role("status")).to_contain_text("The template “Channel shift” was added")
    expect(page.get_by_label("Name of channel_shift_saving")).to_have_value("channel_shift_saving")
    expect(page.get_by_role("heading", name="Monte Carlo result")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    # Added again, its names clash: the page says which, and the model is unchanged.
    page.get_by_label("Channel shift").check()
    page.get_by_role("button", name="Add the template").click()
    expect(page.get_by_role("alert").filter(has_text="The template was not added")).to_contain_text(
        "channel_shift_saving"
    )


def test_values_are_shown_with_their_units_and_rounded_for_people() -> None:
    assert shown(254_712.4, "GBP a year") == "£254,712 a year"
    assert shown(2.83, "GBP") == "£2.83"
    assert shown(9000.0, "hours a year") == "9,000 hours a year"
    assert shown(6.923077, "FTE") == "6.92 FTE"
    assert shown(0.1512345, "share") == "0.15 share"


def test_the_charts_escape_their_words_and_take_an_output_that_never_moves() -> None:
    flat = charts.histogram_svg([4.0, 4.5, 5.0], [10, 0], percentiles=[("P50", 4.0)], shown=str, title="<b>",
                                description="a & b", across="x")  # fmt: skip
    assert "&lt;b&gt;" in flat and "a &amp; b" in flat and "<b>" not in flat
    bar = SimpleNamespace(assumption="<script>", output_at_low=1.0, output_at_high=1.0)
    still = charts.tornado_svg([bar], centre=1.0, shown=str, title="t", description="d", across="x")
    assert "<script>" not in still and still.count(">1.0</text>") == 1  # both ends meet: labelled once
