"""The appraisal, costs and benefit pages in real Chromium, on the worked example.

The figures are checked against the README's published appraisal and against the example's own cost lines, worked
out here from the example file: not against the page's own code.
"""

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "council_front_office.json"
PROGRAMME = "Customer Access Programme"
GREEN_BOOK_RATE = 0.035  # the Green Book's discount rate for the first thirty years


def _pounds(text: str) -> float:
    """A figure as the page writes it (£1,234 or -£1,234) as a number."""
    return float(text.strip().replace("£", "").replace(",", ""))


def _initiative_id(page: Page, site: str, login: str = "Priya Patel") -> int:
    _sign_in(page, site, login)
    page.get_by_role("link", name=PROGRAMME).click()
    expect(page.get_by_role("heading", name=PROGRAMME)).to_be_visible()
    found = re.search(r"/initiatives/(\d+)", page.url)
    assert found is not None
    return int(found.group(1))


def _costs_by_year() -> dict[str, float]:
    """Each year's costs with their optimism-bias uplift, from the example file itself."""
    years: dict[str, float] = {}
    for line in json.loads(EXAMPLE.read_text())["costs"]:
        for row in line["profile"]:
            years[row["period"]] = years.get(row["period"], 0.0) + row["amount"] * (1 + line["optimism_bias"])
    return years


def _cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


def test_the_appraisal_shows_the_published_figures_year_by_year(page: Page, site: str) -> None:
    initiative = _initiative_id(page, site)
    page.goto(f"{site}/initiatives/{initiative}/appraisal")
    expect(page.get_by_role("heading", name=f"Appraisal of {PROGRAMME}")).to_be_visible()
    # The README's appraisal of the worked example, to the pound.
    expect(page.locator("#economic-npv")).to_have_text("£1,655,565")
    expect(page.locator("#financial-npv")).to_have_text("£881,000")
    expect(page.get_by_text("2.09", exact=True)).to_be_visible()

    costs = _costs_by_year()
    rows = page.locator("#economic-years tbody tr")
    expect(rows).to_have_count(5)
    cumulative = 0.0
    for index, row in enumerate(rows.all()):
        year, *_, benefits, _baseline, cost, _bias, net, factor, present, running = _cells(row)
        assert year == f"{2026 + index}-{27 + index}"
        assert _pounds(cost) == round(costs[year])
        assert float(factor) == round(1 / (1 + GREEN_BOOK_RATE) ** index, 4)
        assert abs(_pounds(net) - (_pounds(benefits) - _pounds(cost))) <= 1
        assert abs(_pounds(present) - _pounds(net) * float(factor)) <= 50  # the factor is shown to four places
        cumulative += _pounds(present)
        assert abs(_pounds(running) - cumulative) <= 1 + index
    assert _cells(rows.last)[-1] == "£1,655,565"
    expect(page.locator("#financial-years tbody tr").last.locator("td").last).to_have_text("£881,000")

    chart = page.get_by_role("img", name=f"Benefits, costs and cumulative discounted net of {PROGRAMME}")
    expect(chart).to_be_visible()
    caption = page.locator("figure figcaption")
    expect(caption).to_contain_text("turns positive in 2028-29")
    expect(caption).to_contain_text("discounted payback in 2029-30")
    # The caption, which names the figure for screen readers, sends the reader to the tables for every figure.
    expect(caption).to_contain_text("Every figure is in the tables below.")
    switching = page.get_by_role("table", name=re.compile("turns economic NPV to zero"))
    expect(switching.get_by_role("row", name=re.compile("phone calls a year"))).to_contain_text("none in range")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "appraisal")

    page.goto(f"{site}/initiatives/{initiative}/appraisal?weighted=true")
    expect(page.get_by_text("weighted by its stage")).to_be_visible()
    assert _pounds(page.locator("#economic-npv").inner_text()) < 1_655_565


def test_a_wrong_cost_line_is_said_next_to_its_fields_and_a_right_one_moves_the_npv(page: Page, site: str) -> None:
    initiative = _initiative_id(page, site)
    page.goto(f"{site}/initiatives/{initiative}/costs")
    expect(page.get_by_role("heading", name=f"Costs of {PROGRAMME}")).to_be_visible()
    lines = page.locator("#cost-lines tbody tr")
    expect(lines).to_have_count(3)
    expect(page.locator("#cost-lines tfoot tr").first).to_contain_text("£1,200,000")
    before = _pounds(page.locator("#economic-npv").inner_text())
    assert serious_accessibility_problems(page) == []

    page.get_by_label("Title").fill("Contact centre retraining")
    page.get_by_label("Kind").select_option("revenue")
    page.get_by_label("Optimism-bias uplift (%)").fill("24")
    page.get_by_label("Year 1", exact=True).fill("2027-28")
    page.get_by_label("Amount 1", exact=True).fill("forty thousand")
    page.get_by_label("Year 2", exact=True).fill("27-28")
    page.get_by_label("Amount 2", exact=True).fill("5000")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the cost line").click()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("not added")
    summary = page.get_by_role("alert").get_by_role("link", name=re.compile("Give the amount in pounds"))
    expect(summary).to_have_attribute("href", "#input-amount_0")
    amount = page.get_by_label("Amount 1", exact=True)
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description(re.compile("Give the amount in pounds"))
    expect(amount).to_have_value("forty thousand")
    expect(page.get_by_label("Title")).to_have_value("Contact centre retraining")
    expect(lines).to_have_count(3)
    assert _pounds(page.locator("#economic-npv").inner_text()) == before
    assert serious_accessibility_problems(page) == []
    screenshot(page, "costs-refused")

    # The amount now reads as money, but the domain refuses the second year's label, and still nothing is kept.
    amount.fill("£40,000")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the cost line").click()
    assert posted.value.status == 422
    expect(page.get_by_label("Year 2", exact=True)).to_have_accessible_description(re.compile("27-28"))
    expect(page.get_by_label("Amount 1", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(lines).to_have_count(3)

    page.get_by_label("Year 2", exact=True).fill("")
    page.get_by_label("Amount 2", exact=True).fill("")
    page.get_by_role("button", name="Add the cost line").click()
    row = page.get_by_role("row", name=re.compile("Contact centre retraining"))
    expect(row).to_contain_text("£40,000")
    expect(row).to_contain_text("24%")
    expect(row).to_contain_text("£49,600")
    expect(lines).to_have_count(4)
    # A revenue cost of £40,000 with a 24% uplift in the second year, discounted one year at 3.5%.
    expected = before - round(40_000 * 1.24 / (1 + GREEN_BOOK_RATE))
    assert abs(_pounds(page.locator("#economic-npv").inner_text()) - expected) <= 1
    assert serious_accessibility_problems(page) == []
    screenshot(page, "costs-added")


def test_the_cost_form_works_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    initiative = _initiative_id(page, site)
    page.goto(f"{site}/initiatives/{initiative}/costs")
    page.get_by_label("Title").fill("Print contract exit fee")
    page.get_by_label("Kind").select_option("capital")
    page.get_by_label("Year 1", exact=True).fill("2028-29")
    page.get_by_label("Amount 1", exact=True).fill("")
    page.get_by_label("Year 2", exact=True).fill("")
    page.get_by_label("Amount 2", exact=True).fill("12500")
    page.get_by_role("button", name="Add the cost line").click()
    expect(page.get_by_label("Amount 1", exact=True)).to_have_accessible_description(re.compile("amount for this"))
    expect(page.get_by_label("Year 2", exact=True)).to_have_accessible_description(re.compile("year this amount"))
    expect(page.get_by_role("row", name=re.compile("Print contract exit fee"))).to_have_count(0)

    page.get_by_label("Amount 1", exact=True).fill("12500")
    page.get_by_label("Amount 2", exact=True).fill("")
    page.get_by_role("button", name="Add the cost line").click()
    assert re.search(r"/costs\?done=cost_added&line=\d+#cost-\d+$", page.url)
    expect(page.get_by_role("status")).to_contain_text("Print contract exit fee")
    expect(page.get_by_role("row", name=re.compile("Print contract exit fee"))).to_contain_text("£12,500")
    screenshot(page, "costs-without-javascript")
    context.close()


def test_a_viewer_reads_the_costs_but_is_offered_no_form(page: Page, site: str) -> None:
    initiative = _initiative_id(page, site, "Victor Shaw")
    page.goto(f"{site}/initiatives/{initiative}/costs")
    expect(page.get_by_role("row", name=re.compile("CRM and web platform"))).to_contain_text("£450,000")
    expect(page.get_by_role("button", name="Add the cost line")).to_have_count(0)
    expect(page.get_by_label("Title")).to_have_count(0)
    assert serious_accessibility_problems(page) == []
    # Sending the form anyway (with a valid token) is refused by the domain, and nothing is kept.
    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    answer = page.request.post(f"{site}/initiatives/{initiative}/costs", form={
        "csrf": token, "title": "Viewer's cost", "kind": "revenue", "optimism_bias": "0",
        "period_0": "2027-28", "amount_0": "1",
    })  # fmt: skip
    assert answer.status == 403
    page.reload()
    expect(page.get_by_role("row", name=re.compile("Viewer's cost"))).to_have_count(0)


def test_a_benefit_shows_its_profile_chart_measures_and_confirmations(page: Page, site: str) -> None:
    _initiative_id(page, site)
    page.get_by_role("link", name="Avoidable phone contact removed").first.click()
    expect(page.get_by_role("heading", name="Avoidable phone contact removed")).to_be_visible()
    chart = page.get_by_role("img", name="Profile of Avoidable phone contact removed")
    expect(chart).to_be_visible()
    expect(page.locator("figure figcaption")).to_contain_text("against an approved baseline of £1,018,800")
    expect(page.locator("figure figcaption")).to_contain_text("Actuals recorded for 1 of 5 periods total £58,900")
    expect(page.locator("figure figcaption")).to_contain_text("Every figure is in the table below.")
    table = page.get_by_role("table", name="Profile against the approved baseline")
    expect(table.get_by_role("row", name=re.compile("2026-27"))).to_contain_text("£58,900")
    expect(page.get_by_text("No cash confirmed for this benefit yet.")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "benefit-profile-chart")
    page.get_by_role("link", name="Calls a month").click()
    expect(page.get_by_role("heading", name="Calls a month")).to_be_visible()

    page.go_back()
    page.get_by_role("link", name="Back to the initiative").click()
    page.get_by_role("link", name="Face-to-face visits shifted to the web").first.click()
    confirmations = page.get_by_role("table", name=re.compile("Budget reductions finance has confirmed"))
    row = confirmations.get_by_role("row", name=re.compile("2026-27"))
    expect(row).to_contain_text("£84,700")
    expect(row).to_contain_text("Frank Okafor")
    expect(row).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(page.get_by_text("No measure tracks this benefit yet.")).to_be_visible()
    assert serious_accessibility_problems(page) == []
