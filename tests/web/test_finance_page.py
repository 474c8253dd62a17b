"""The finance page's views: one initiative or all, a span of years, weighted or not, by stage and cost centre."""

from decimal import Decimal

from playwright.sync_api import Page, expect

from benefits.models.appraisal import AppraisalSettings
from tests.web.conftest import serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _pounds(text: str) -> Decimal:
    text = text.strip()
    return Decimal(0) if text == "—" else Decimal(text.replace("£", "").replace(",", ""))


def _table(page: Page, caption: str) -> list[list[str]]:
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]


def test_the_stages_add_up_to_each_years_routes(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    years = {row[0]: row for row in _table(page, "Financial benefits by year and route")}
    stages = _table(page, "Financial benefits by year, stage and route")
    assert {row[1] for row in stages} <= {"opportunity", "scoped", "planned", "delivered"}
    for year, row in years.items():
        for column, name in ((1, "cash"), (2, "capacity"), (3, "undecided")):
            by_stage = sum((_pounds(line[column + 1]) for line in stages if line[0] == year), Decimal(0))
            # Each figure is rounded to the pound on the page, so the stages may differ from the year by a pound each.
            assert abs(by_stage - _pounds(row[column])) <= 4, (year, name)
    assert serious_accessibility_problems(page) == []


def test_the_summary_narrows_to_years_and_weights_by_stage(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    whole = {row[0]: row for row in _table(page, "Financial benefits by year and route")}
    page.get_by_label("Initiative").select_option("Customer Access Programme")
    page.get_by_label("From year").fill("2026-27")
    page.get_by_label("To year").fill("2027-28")
    page.get_by_role("button", name="Show").click()
    narrowed = {row[0]: row for row in _table(page, "Financial benefits by year and route")}
    assert list(narrowed) == ["2026-27", "2027-28"]
    assert all(narrowed[year] == whole[year] for year in narrowed)  # the example's one initiative is all of it
    stages = _table(page, "Financial benefits by year, stage and route")
    page.get_by_label("Weighted by stage").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Each stage's benefits are weighted")).to_be_visible()
    weighted = {row[0]: row for row in _table(page, "Financial benefits by year and route")}
    # Each year's weighted figure is its unweighted stages, each times the stage's documented weight.
    weights = AppraisalSettings().stage_weights.model_dump()
    for year in narrowed:
        for column in (1, 2, 3):
            expected = sum(
                (Decimal(str(weights[line[1]])) * _pounds(line[column + 1]) for line in stages if line[0] == year),
                Decimal(0),
            )
            assert abs(_pounds(weighted[year][column]) - expected) <= 4, (year, column)
    assert weighted != narrowed


def test_years_out_of_order_are_said_beside_them(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    answer = page.goto(site + "/finance?from=2029-30&to=2026-27")
    assert answer is not None and answer.status == 422
    expect(page.locator("#problem-years")).to_contain_text("from must not be after to")
    expect(page.get_by_label("From year")).to_have_attribute("aria-invalid", "true")
    answer = page.goto(site + "/finance?initiative=999999")
    assert answer is not None and answer.status == 422
    expect(page.locator("#problem-initiative")).to_be_visible()
    answer = page.goto(site + "/finance?initiative=abc&from=" + "9" * 50)
    assert answer is not None and answer.status == 422
    expect(page.locator("#problem-initiative")).to_have_text("Initiative: Choose an initiative from the list.")
