"""Finance's settings in the pages: budgets by cost centre and year (a grid, and a workbook), and the appraisal
settings, with every refusal said beside what caused it."""

import json
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from benefits.example import COUNCIL as EXAMPLE
from tests.web.conftest import serious_accessibility_problems
from tests.web.test_pages import _sign_in


def test_finance_sets_budgets_in_the_grid_and_the_finance_page_compares_with_them(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/budgets")
    cell = page.get_by_label("Budget of CS200 for 2027-28 (£)")
    expect(cell).to_have_value("250000")  # the example's budget
    assert serious_accessibility_problems(page) == []
    cell.fill("£400,000")
    page.get_by_label("Budget of CS100 for 2027-28 (£)").fill("lots")
    page.get_by_role("button", name="Save the budgets").click()
    # A cell it cannot read is named beside itself, and everything typed is kept.
    expect(page.locator("#error-budget\\:CS100\\:2027-28")).to_contain_text("“lots” is not an amount of pounds")
    expect(page.get_by_label("Budget of CS200 for 2027-28 (£)")).to_have_value("£400,000")
    page.get_by_label("Budget of CS100 for 2027-28 (£)").fill("2,300,000")
    page.get_by_role("button", name="Save the budgets").click()
    expect(page.get_by_role("status")).to_contain_text("Budgets saved")
    assert "saved=" in page.url
    expect(page.get_by_label("Budget of CS200 for 2027-28 (£)")).to_have_value("400000")
    # £338,800 of cash is claimed against CS200 in 2027-28: no longer over a budget of £400,000.
    page.goto(site + "/finance")
    expect(page.get_by_text("£338,800 of cash is claimed against a budget")).to_have_count(0)


def test_a_budget_workbook_sets_what_it_names_and_names_each_bad_cell(page: Page, site: str, tmp_path: Path) -> None:
    def workbook(rows: list[list[object]], name: str) -> str:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["Cost centre", "Year", "Amount"])
        for row in rows:
            sheet.append(row)
        target = tmp_path / name
        book.save(target)
        return str(target)

    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/budgets")
    page.get_by_label("Workbook (.xlsx)").set_input_files(
        workbook([["corp310", "2027-28", 90000], ["CS20", "2027-28", 5], ["ICT400", "2027-28", "much"]], "bad.xlsx")
    )
    page.get_by_role("button", name="Upload the budgets").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("row 4, Amount")
    expect(page.get_by_label("Budget of CORP310 for 2027-28 (£)")).to_have_value("")  # nothing applied
    page.get_by_label("Workbook (.xlsx)").set_input_files(
        workbook([["corp310", "2027-28", 90000], ["CS20", "2027-28", 5]], "unknown.xlsx")
    )
    page.get_by_role("button", name="Upload the budgets").click()
    expect(page.get_by_role("alert")).to_contain_text("row 3, Cost centre")
    expect(page.get_by_role("alert")).to_contain_text("CS200")  # the nearest listed code is suggested
    page.get_by_label("Workbook (.xlsx)").set_input_files(workbook([["corp310", "2027-28", 90000]], "good.xlsx"))
    page.get_by_role("button", name="Upload the budgets").click()
    expect(page.get_by_role("status")).to_contain_text("Budgets saved")
    expect(page.get_by_label("Budget of CORP310 for 2027-28 (£)")).to_have_value("90000")
    expect(page.get_by_label("Budget of CS100 for 2026-27 (£)")).to_have_value("2400000")  # not named: kept


def test_appraisal_settings_are_set_from_the_page_and_a_viewer_only_reads_them(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/settings")
    expect(page.get_by_label("Weight of a benefit at scoped (%)")).to_have_value("40%")
    assert serious_accessibility_problems(page) == []
    page.get_by_label("Weight of a benefit at scoped (%)").fill("150%")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.locator("#error-weight_scoped")).to_contain_text("between 0% and 100%")
    page.get_by_label("Weight of a benefit at scoped (%)").fill("35%")
    page.get_by_label("Default discount schedule").select_option("green_book_health")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_role("status")).to_contain_text("Appraisal settings saved.")
    expect(page.get_by_label("Weight of a benefit at scoped (%)")).to_have_value("35%")
    # Put the documented defaults back for the rest of the module's tests.
    page.get_by_label("Weight of a benefit at scoped (%)").fill("40")
    page.get_by_label("Default discount schedule").select_option("green_book")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_role("status")).to_be_visible()

    page.context.clear_cookies()
    _sign_in(page, site, _viewer_name())
    page.goto(site + "/finance/settings")
    expect(page.get_by_role("button", name="Save the settings")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    refused = page.request.post(site + "/finance/settings", form={"csrf": csrf, "weight_scoped": "1%"})
    assert refused.status == 403
    page.goto(site + "/finance/budgets")
    expect(page.get_by_role("button", name="Save the budgets")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)


def _viewer_name() -> str:
    spec = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return str(next(person["name"] for person in spec["people"] if person["role"] == "viewer"))
