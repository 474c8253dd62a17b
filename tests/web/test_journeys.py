"""Each role's main journey through the pages, in real Chromium, on the worked example.

The journeys are plain functions so that `test_journeys_without_javascript` walks them again with scripts off.
"""

from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

PRINTING = "Printing and postage stopped"


def _open_initiative(page: Page) -> None:
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()


def _accessible(page: Page, scripts: bool) -> None:
    # axe-core runs in the page, so it can only run where scripts do.
    if scripts:
        assert serious_accessibility_problems(page) == []


def move_to_planned_after_a_refusal(page: Page, site: str, scripts: bool = True) -> None:
    """A programme manager's move is refused, the missing items are filled in, and the move goes through."""
    shot = "" if scripts else "-without-javascript"
    _sign_in(page, site, "Priya Patel")
    _open_initiative(page)
    page.get_by_role("button", name=f"Move {PRINTING} to planned").click()
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("Not moved")
    for missing in ("baseline value", "target value", "Profile the planned values", "realisation route"):
        expect(refused).to_contain_text(missing)
    _accessible(page, scripts)
    screenshot(page, "initiative-refused-move" + shot)

    # Each missing item links to the field that fills it.
    refused.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=PRINTING)).to_be_visible()
    page.get_by_label("Realisation route").select_option("cash")
    page.get_by_label("Cost centre (cash)").fill("corp310")  # on the example's list, in any case
    page.get_by_label("Baseline", exact=True).fill("0")
    page.get_by_label("Baseline date").fill("2026-03-31")
    page.get_by_label("Target", exact=True).fill("42000")
    page.get_by_label("Target date").fill("2028-03-31")
    page.get_by_label("Why (kept in the history)").fill("Print contract ends March 2027")
    page.get_by_role("button", name="Save details").click()
    page.get_by_label("Period 1", exact=True).fill("2027-28")
    page.get_by_label("Planned 1", exact=True).fill("42000")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Everything the planned stage needs is here.")).to_be_visible()
    _accessible(page, scripts)
    screenshot(page, "benefit-ready-for-planned" + shot)
    page.get_by_role("button", name="Move to planned").click()
    planned = page.get_by_role("region", name="planned")
    expect(planned.get_by_role("link", name=PRINTING)).to_be_visible()
    page.get_by_role("link", name=PRINTING).first.click()
    expect(page.get_by_text("Stage: planned")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="stage moved")).to_contain_text("Priya Patel")


def test_a_programme_manager_moves_a_benefit_to_planned_after_a_refused_move(page: Page, site: str) -> None:
    move_to_planned_after_a_refusal(page, site)


def viewer_is_offered_no_edit(page: Page, site: str, scripts: bool = True) -> None:
    """A viewer reads the initiative and a benefit and is offered nothing to change."""
    _sign_in(page, site, "Victor Shaw")
    _open_initiative(page)
    expect(page.get_by_role("button", name="Move", exact=False)).to_have_count(0)
    page.get_by_role("link", name=PRINTING).first.click()
    expect(page.get_by_role("button")).to_have_count(1)  # only "Sign out"
    expect(page.locator("input:not([type=hidden])")).to_have_count(0)
    _accessible(page, scripts)
    screenshot(page, "benefit-as-viewer" + ("" if scripts else "-without-javascript"))


def test_a_viewer_is_offered_no_edit(page: Page, site: str) -> None:
    viewer_is_offered_no_edit(page, site)
    # The check the journeys without JavaScript rely on: with scripts on, every page has htmx.
    assert page.evaluate("typeof window.htmx") == "object"


def confirm_cash_and_download(page: Page, site: str, folder: Path, scripts: bool = True) -> None:
    """A finance officer confirms cash, sees cash at risk fall, and downloads the workbook."""
    _sign_in(page, site, "Frank Okafor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Finance").click()
    expect(page.get_by_role("heading", name="Cash versus capacity")).to_be_visible()
    # The example: 2026-27 has started, and the web shift's 40,200 there is not yet confirmed.
    expect(page.locator("#at-risk-2026-27")).to_have_text("£40,200")
    _accessible(page, scripts)
    screenshot(page, "finance" + ("" if scripts else "-without-javascript"))
    phone = "Phone transactions shifted to the web"
    page.get_by_label(f"Amount for {phone}, 2026-27").fill("30000")
    page.get_by_label("Note").first.fill("CS100 reduced by one post from January")
    page.get_by_role("button", name=f"Confirm cash for {phone}").click()
    expect(page.locator("#at-risk-2026-27")).to_have_text("£10,200")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the cash-versus-capacity workbook").click()
    saved = folder / "cash-capacity.xlsx"
    download.value.save_as(saved)
    assert load_workbook(saved).sheetnames[:2] == ["By year", "Cost centres"]


def test_a_finance_officer_confirms_cash_and_downloads_the_workbook(page: Page, site: str, tmp_path: Path) -> None:
    confirm_cash_and_download(page, site, tmp_path)


def record_a_review_and_read_what_changed(page: Page, site: str, scripts: bool = True) -> None:
    """A board member reads what changed since the last review, then records a review."""
    shot = "" if scripts else "-without-javascript"
    _sign_in(page, site, "Beatrice Lund")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board reviews").click()
    page.get_by_role("link", name="Programme board, October 2026, 2026-10-20").click()
    expect(page.get_by_role("heading", name="What changed since the last review")).to_be_visible()
    expect(page.get_by_text("Face-to-face visits shifted to the web: planned → delivered")).to_be_visible()
    expect(page.get_by_role("heading", name="New signals on measures")).to_be_visible()
    _accessible(page, scripts)
    screenshot(page, "review-what-changed" + shot)
    page.get_by_role("link", name="All reviews").click()
    page.get_by_label("Attendees (one a line, or separated by commas)").fill("Beatrice Lund, Priya Patel")
    page.get_by_label("Decisions (one a line)").fill("Keep going")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Recorded by Beatrice Lund")).to_be_visible()
    expect(page.get_by_role("heading", name="Variance against approved baselines")).to_be_visible()
    screenshot(page, "review-recorded" + shot)


def test_a_board_member_records_a_review_and_sees_what_changed(page: Page, site: str) -> None:
    record_a_review_and_read_what_changed(page, site)


def read_a_measure_and_add_observations(page: Page, site: str, folder: Path, scripts: bool = True) -> None:
    """A programme manager reads a measure's chart, adds an observation, uploads a file, and sees a bad row named."""
    _sign_in(page, site, "Priya Patel")
    _open_initiative(page)
    page.get_by_role("link", name="Calls a month").click()
    chart = page.get_by_role("img", name="XmR chart of Calls a month")
    expect(chart).to_be_visible()
    # The redesign's shift, in words as well as in the picture.
    expect(page.locator("figcaption")).to_contain_text("special cause improvement")
    _accessible(page, scripts)
    screenshot(page, "measure" + ("" if scripts else "-without-javascript"))
    page.get_by_label("Date", exact=True).fill("2026-11-01")
    page.get_by_label("Value", exact=True).fill("42100")
    page.get_by_role("button", name="Add the observation").click()
    expect(page.get_by_role("row", name="2026-11-01")).to_contain_text("42,100")
    upload = folder / "december.csv"
    upload.write_text("date,value,note\n2026-12-01,41800,after the winter letters\n", encoding="utf-8")
    page.get_by_label("CSV file (columns date, value and optionally note)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_role("row", name="2026-12-01")).to_contain_text("41,800")
    bad = folder / "bad.csv"
    bad.write_text("date,value\n2026-13-01,1\n", encoding="utf-8")
    page.get_by_label("CSV file (columns date, value and optionally note)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_role("alert")).to_contain_text("row 2, date")


def test_a_programme_manager_reads_a_measure_chart_and_adds_observations(page: Page, site: str, tmp_path: Path) -> None:
    read_a_measure_and_add_observations(page, site, tmp_path)
