"""The cause-and-effect map and the model editor in real Chromium, on the worked example.

Tests that save the model put it back as the example has it, so the others in this module read it unchanged.
"""

from datetime import date

from playwright.sync_api import Browser, Page, expect

from benefits import example_demand
from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in
from web.model_pages import MAX_ROWS, read_form

HOURS = "avoidable_calls_removed * handling_minutes_per_call / 60"  # hours_released in the example


def _counted_calls() -> tuple[int, int]:
    """The example's phone contacts, and the avoidable ones, April 2025 to March 2026: the model is bound to them."""
    year = {date(2025, month, 1) for month in range(4, 13)} | {date(2026, month, 1) for month in range(1, 4)}
    calls = [row for row in example_demand.generate() if row.channel == "phone" and row.month in year]
    return sum(row.count for row in calls), sum(row.count for row in calls if row.demand_type != "value")


CALLS, AVOIDABLE_CALLS = _counted_calls()
# Calls x (the counted avoidable share - the 15% still avoidable after the redesign) x 6 minutes a call / 60.
HOURS_A_YEAR = CALLS * (AVOIDABLE_CALLS / CALLS - 0.15) * 6 / 60
HOURS_RELEASED = f"{HOURS_A_YEAR:,.0f}"


def _initiative_url(page: Page, site: str, person: str) -> str:
    _sign_in(page, site, person)
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    return page.url.split("#")[0]


def _left(page: Page, name: str) -> float:
    box = page.get_by_role("link", name=name, exact=True).bounding_box()
    assert box is not None, name
    return box["x"]


def test_the_map_draws_the_chain_left_to_right_and_each_box_opens_its_page(page: Page, site: str) -> None:
    page.set_viewport_size({"width": 2600, "height": 1200})  # the whole map on screen, to compare positions
    page.goto(_initiative_url(page, site, "Priya Patel") + "/map")
    expect(page.get_by_role("heading", name="Cause-and-effect map")).to_be_visible()
    chain = [
        "Enabler: One front office for 80 services, with a CRM",
        "Change: Services redesigned to remove the causes of avoidable contact",
        "Assumption: Share of calls still avoidable after the redesign",
        "Derived: Avoidable calls removed a year",
        "Measure: Share of avoidable contact",
        "Benefit: Avoidable phone contact removed",
        "Objective: Better service at lower cost",
    ]
    lefts = [_left(page, name) for name in chain]
    assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), list(zip(chain, lefts, strict=True))
    # Derived values computed from derived values sit further right than the ones they use.
    hours, calls = "Derived: Adviser hours released a year", "Derived: Avoidable calls removed a year"
    assert _left(page, hours) > _left(page, calls)
    # The same chain in words beneath the picture.
    words = page.get_by_role("list").filter(has=page.get_by_role("link", name="Online forms and resident accounts"))
    expect(words.first).to_contain_text("leads to Residents self-serve on the web")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-map")

    page.get_by_role("link", name="Benefit: Avoidable phone contact removed", exact=True).click()
    expect(page.get_by_role("heading", name="Avoidable phone contact removed")).to_be_visible()
    assert "/benefits/" in page.url


def test_a_model_node_on_the_map_opens_its_row_of_the_model(page: Page, site: str) -> None:
    page.goto(_initiative_url(page, site, "Victor Shaw") + "/map")
    page.get_by_role("link", name="Derived: Adviser hours released a year", exact=True).click()
    assert page.url.endswith("/model#node-hours_released")
    expect(page.locator("#node-hours_released")).to_contain_text(HOURS_RELEASED)


def test_a_viewer_reads_the_model_without_inputs(page: Page, site: str) -> None:
    page.goto(_initiative_url(page, site, "Victor Shaw") + "/model")
    expect(page.get_by_role("heading", name="Cause-and-effect model")).to_be_visible()
    expect(page.locator("main").locator("input, select, textarea")).to_have_count(0)
    expect(page.get_by_role("button", name="Save the model")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="hours_released")
    expect(row.first).to_contain_text(HOURS_RELEASED)  # the derived value at most-likely assumptions
    expect(page.locator("#node-phone_calls_a_year")).to_contain_text(f"550,000 / {CALLS:,} / 650,000 (triangular)")
    expect(page.locator("#node-cost_per_phone_contact")).to_contain_text("— / 2.83 / —")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "model-read-only")


def test_a_problem_shows_beside_its_node_while_typing(page: Page, site: str) -> None:
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model)
    assert serious_accessibility_problems(page) == []
    formula = page.get_by_label("Formula of hours_released")
    expect(formula).to_have_value(HOURS)
    formula.fill("avoidable_calls_removed * * 60")
    beside = page.locator("#" + (formula.get_attribute("aria-describedby") or "missing"))
    expect(beside).to_contain_text("formula: unexpected")  # no Save pressed: the check ran as it was typed
    expect(page.locator("#node-hours_released")).to_contain_text("formula: unexpected")
    expect(page.get_by_role("heading", name="1 problem to fix")).to_be_visible()
    assert page.url == model
    screenshot(page, "model-problem-while-typing")

    formula.fill(HOURS)
    expect(beside).to_be_empty()
    expect(page.get_by_text("No problems found.")).to_be_visible()
    page.reload()  # checking kept nothing
    expect(page.get_by_label("Formula of hours_released")).to_have_value(HOURS)
    expect(page.get_by_text("A draft with problems is kept")).to_have_count(0)


def _save_a_bad_formula_then_fix_it(page: Page, site: str, scripts: bool) -> None:
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model)
    page.get_by_label("Formula of hours_released").fill("avoidable_calls_removed * handling_minutes_per_call / / 60")
    with page.expect_response(lambda answer: answer.request.method == "POST" and answer.url == model) as sent:
        page.get_by_role("button", name="Save the model").click()
    assert sent.value.status == 422
    formula = page.get_by_label("Formula of hours_released")
    expect(formula).to_have_attribute("aria-invalid", "true")
    beside = page.locator("#" + (formula.get_attribute("aria-describedby") or "missing"))
    expect(beside).to_contain_text("formula: unexpected")
    expect(page.get_by_text("A draft with problems is kept")).to_be_visible()
    if scripts:
        assert serious_accessibility_problems(page) == []
    screenshot(page, "model-kept-as-draft" + ("" if scripts else "-without-javascript"))

    # The draft was kept: coming back shows its rows and its problem beside the node, the model in use unchanged.
    page.goto(model)
    expect(page.get_by_label("Formula of hours_released")).to_have_value(
        "avoidable_calls_removed * handling_minutes_per_call / / 60"
    )
    expect(page.locator("#node-hours_released")).to_contain_text("formula: unexpected")
    expect(page.locator("#node-hours_released")).to_contain_text(HOURS_RELEASED)

    page.get_by_label("Formula of hours_released").fill("avoidable_calls_removed * handling_minutes_per_call / 30")
    page.get_by_role("button", name="Save the model").click()
    expect(page.get_by_role("status")).to_have_text("The model is saved.")
    expect(page.locator("#node-hours_released")).to_contain_text(f"{2 * HOURS_A_YEAR:,.2f}")  # as the editor shows
    expect(page.get_by_text("A draft with problems is kept")).to_have_count(0)
    expect(beside).to_be_empty()

    page.get_by_label("Formula of hours_released").fill(HOURS)  # as the example has it, for the other tests
    page.get_by_role("button", name="Save the model").click()
    expect(page.locator("#node-hours_released")).to_contain_text(HOURS_RELEASED)


def test_saving_a_bad_formula_keeps_a_draft_and_fixing_it_saves(page: Page, site: str) -> None:
    _save_a_bad_formula_then_fix_it(page, site, scripts=True)


def test_saving_a_bad_formula_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    _save_a_bad_formula_then_fix_it(context.new_page(), site, scripts=False)
    context.close()


def test_an_unreadable_number_is_marked_on_its_row_and_nothing_is_kept(page: Page, site: str) -> None:
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    page.goto(model)
    page.get_by_label("Most likely of cost_per_phone_contact").fill("two pounds")
    page.get_by_label("Name, row 27").fill("extra_cost")
    page.get_by_label("Kind, row 27").select_option("assumption")
    page.get_by_role("button", name="Save the model").click()
    value = page.get_by_label("Most likely of cost_per_phone_contact")
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_value("two pounds")
    expect(page.locator("#node-cost_per_phone_contact")).to_contain_text("“two pounds” is not a number")
    # Every row is still checked: the new assumption lacks its value.
    expect(page.locator("#node-extra_cost")).to_contain_text("an assumption needs a most-likely value")
    # The formulas that use the unreadable row are not blamed for it: it still stands as a node.
    expect(page.get_by_text("cost_per_phone_contact, which is not a node")).to_have_count(0)
    page.goto(model)
    expect(page.get_by_label("Most likely of cost_per_phone_contact")).to_have_value("2.83")
    expect(page.get_by_text("A draft with problems is kept")).to_have_count(0)


def test_a_save_without_the_form_token_changes_nothing(page: Page, site: str) -> None:
    model = _initiative_url(page, site, "Priya Patel") + "/model"
    answer = page.request.post(model, form={"name_0": "only_node", "kind_0": "enabler"})
    assert answer.status == 403
    page.goto(model)
    expect(page.get_by_label("Formula of hours_released")).to_have_value(HOURS)


def test_a_form_with_more_rows_than_a_model_holds_is_refused_by_name() -> None:
    rows = {f"name_{index}": f"step_{index}" for index in range(MAX_ROWS + 1)}
    posted = read_form(rows | {f"kind_{index}": "enabler" for index in range(MAX_ROWS + 1)})
    assert not posted.readable
    assert posted.other == [f"The form has more than {MAX_ROWS:,} rows; a model holds fewer nodes than that."]
    assert read_form({"name_0": "step_0", "kind_0": "enabler"}).readable
