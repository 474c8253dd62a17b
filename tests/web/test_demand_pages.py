"""The demand page in Chromium: the worked example's figures (checked against the generated rows), a filter chosen
with and without JavaScript, and a contact export refused naming each bad row and column, then loaded."""

from pathlib import Path

from playwright.sync_api import Page, expect

from benefits import example_demand, formatting
from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

AVOIDABLE = {"progress_chasing", "seeking_clarification", "repeat_contact", "misdirected", "could_self_serve"}


def _fact(page: Page, term: str) -> str:
    return page.locator(f'#facts th:text-is("{term}")').locator("xpath=following-sibling::td[1]").inner_text()


def test_the_example_s_demand_is_shown_and_filtered(page: Page, site: str) -> None:
    rows = example_demand.generate()
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/demand")
    expect(page.get_by_role("heading", name="Demand and avoidable contact")).to_be_visible()
    total = sum(row.count for row in rows)
    avoidable = sum(row.count for row in rows if row.demand_type in AVOIDABLE)
    assert _fact(page, "Contacts") == f"{formatting.quantity(total)} contacts"
    assert _fact(page, "Avoidable share") == f"{formatting.percent(avoidable / total, 1)} of contacts"
    assert "NI14" in page.locator("#definition").inner_text()
    assert "no cost per contact is kept for App, E-mail, Post" in _fact(page, "Cost to serve")
    expect(page.locator("figure svg")).to_be_visible()
    expect(page.get_by_role("button", name="Upload the contact counts")).to_have_count(0)  # a viewer only reads
    assert serious_accessibility_problems(page) == []
    screenshot(page, "demand")

    page.get_by_label("Service", exact=True).select_option(label="Council tax")
    page.get_by_label("Channel", exact=True).select_option(label="Phone")
    page.get_by_label("Chart limits from the first months").fill("29")
    page.get_by_role("button", name="Show these contacts").click()
    # Limits from the 29 months before the go-live: the months since show as special-cause improvement.
    expect(page.locator("#chart-caption")).to_contain_text("The latest point, 2026-10-01, is special cause improvement")
    phone = sum(row.count for row in rows if (row.service, row.channel) == ("council_tax", "phone"))
    assert _fact(page, "Contacts") == f"{formatting.quantity(phone)} contacts"
    assert _fact(page, "Cost to serve") == formatting.money(phone * 2.83, pence=False)
    expect(page.get_by_label("Service", exact=True)).to_have_value("council_tax")


def test_the_filter_works_without_javascript(no_scripts: Page, site: str) -> None:
    page = no_scripts
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/demand?service=waste&from=2026-04&to=2026-06")
    waste = sum(
        row.count
        for row in example_demand.generate()
        if row.service == "waste" and row.month.isoformat() >= "2026-04-01" and row.month.isoformat() <= "2026-06-01"
    )
    assert _fact(page, "Contacts") == f"{formatting.quantity(waste)} contacts"
    assert _fact(page, "Months counted") == "April 2026 to June 2026"
    page.goto(site + "/demand?service=nothing&from=April")
    expect(page.locator("#error-service")).to_contain_text("Choose a service")
    expect(page.locator("#error-from")).to_contain_text("2026-04")


def test_a_bad_export_is_refused_naming_each_cell_then_a_good_one_loads(page: Page, site: str, tmp_path: Path) -> None:
    _sign_in(page, site, "Priya Patel")
    page.goto(site + "/demand")
    before = _fact(page, "Contacts")
    bad = tmp_path / "contacts.csv"
    bad.write_text(
        "Period,Service,Channel,Type,Count\n2026-11-01,Council tax,Phone,Value demand,10\n"
        "2026-11-01,Libraries,Phone,Value demand,4\n2026-11-01,Waste and recycling,Pigeon,Value demand,4\n"
        "2026-11-05,Waste and recycling,Web,Value demand,x\n"
    )
    page.get_by_label("Contact export (.csv or .xlsx)").set_input_files(str(bad))
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Upload the contact counts").click()
    assert posted.value.status == 422
    listed = page.locator("#upload-problems li").all_inner_texts()
    # Three bad rows, each bad cell named: what a cell says is checked as the file is read, then the lists.
    assert [item.split(":")[0] for item in listed] == [
        "row 5, Period",
        "row 5, Count",
        "row 3, Service",
        "row 4, Channel",
    ]
    page.goto(site + "/demand")
    assert _fact(page, "Contacts") == before
    assert serious_accessibility_problems(page) == []

    good = tmp_path / "good.csv"
    good.write_text("Period,Service,Channel,Type,Count\n2026-11-01,Council tax,Phone,Value demand,10\n")
    page.get_by_label("Contact export (.csv or .xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Upload the contact counts").click()
    expect(page.get_by_role("status")).to_contain_text("1 added, 0 replaced")
    assert _fact(page, "Months counted").endswith("November 2026")
