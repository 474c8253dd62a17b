"""Long work in Chromium: workbook downloads that say what they are doing, and imports with progress and errors."""

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from benefits.workbooks.register_import import TEMPLATE_COLUMNS
from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

NEW_BENEFIT = "Fewer complaints about lost post"


def _workbook(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    """A register in the template's layout, with the given cells filled in."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(TEMPLATE_COLUMNS)
    for row in rows:
        sheet.append([row.get(heading) for heading in TEMPLATE_COLUMNS])
    path = tmp_path / "register.xlsx"
    book.save(path)
    return path


def _open_import(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    page.get_by_role("link", name="Customer Access Programme").click()
    page.get_by_role("link", name="Import benefits").click()
    expect(page.get_by_role("heading", name="Import benefits")).to_be_visible()


def _record_status(page: Page) -> None:
    # Every text the progress line shows, kept on the page as it changes (small files go by too fast to watch).
    page.evaluate("""() => { window.statusSeen = [];
        const span = document.querySelector('#import-progress span');
        new MutationObserver(() => window.statusSeen.push(span.textContent))
          .observe(span, {childList: true, characterData: true, subtree: true}); }""")


def test_an_import_shows_its_progress_names_each_bad_cell_and_then_applies(
    page: Page, site: str, tmp_path: Path
) -> None:
    _open_import(page, site)
    address = page.url
    assert serious_accessibility_problems(page) == []
    (tmp_path / "notes.txt").write_text("not a workbook", encoding="utf-8")
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(tmp_path / "notes.txt"))
    page.get_by_role("button", name="Import the workbook").click()
    expect(page.get_by_role("alert")).to_contain_text("The file is not an Excel workbook (.xlsx).")
    bad = _workbook(tmp_path, [
        {"Title": NEW_BENEFIT, "Category": "financial", "Unit": "GBP", "Estimate likely": "lots"},
        {"Title": "", "Owner": "Martin Cole", "Category": "sideways"},  # only the title and category at fault
    ])  # fmt: skip
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(bad))
    _record_status(page)
    page.get_by_role("button", name="Import the workbook").click()
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text("Nothing was imported.")
    expect(refused).to_contain_text("row 2, Estimate likely")
    expect(refused).to_contain_text("row 3, Category")
    assert page.url == address  # the answer came in place, beside the form
    assert "Uploaded. Checking every row…" in page.evaluate("window.statusSeen")
    expect(page.locator("#import-progress")).to_be_hidden()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "import-refused")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("link", name=NEW_BENEFIT)).to_have_count(0)  # nothing half-written

    page.go_back()
    good = _workbook(tmp_path, [{"Title": NEW_BENEFIT, "Owner": "Martin Cole", "Category": "financial",
                                 "Unit": "GBP", "Estimate likely": 12000}])  # fmt: skip
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Import the workbook").click()
    expect(page.locator("#outcome")).to_contain_text("Imported: 1 added, 0 changed, 0 unchanged.")
    page.get_by_role("link", name="See the register").click()
    expect(page.locator("#register").get_by_role("link", name=NEW_BENEFIT, exact=True)).to_be_visible()


def test_an_import_works_without_javascript(no_scripts: Page, site: str, tmp_path: Path) -> None:
    _open_import(no_scripts, site)
    bad = _workbook(tmp_path, [{"Title": "Another", "Category": "financial", "Unit": "GBP", "Estimate likely": "x"}])
    no_scripts.get_by_label("Workbook (.xlsx)").set_input_files(str(bad))
    no_scripts.get_by_role("button", name="Import the workbook").click()
    expect(no_scripts.get_by_role("alert")).to_contain_text("row 2, Estimate likely")
    expect(no_scripts.get_by_role("heading", name="Import benefits")).to_be_visible()  # the whole page came back


def test_a_workbook_download_says_it_is_preparing_then_how_much_arrived(page: Page, site: str, tmp_path: Path) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    page.evaluate("""() => { window.statusSeen = [];
        const span = document.querySelector('#finance-download span');
        new MutationObserver(() => window.statusSeen.push(span.textContent))
          .observe(span, {childList: true, characterData: true, subtree: true}); }""")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the cash-versus-capacity workbook").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "cash-capacity.xlsx"
    assert load_workbook(saved).sheetnames[:2] == ["By year", "Cost centres"]
    size = saved.stat().st_size
    kilobytes = f"{round(size / 1024):,} KB"
    expect(page.locator("#finance-download")).to_have_text(f"Downloaded cash-capacity.xlsx ({kilobytes}).")
    seen = page.evaluate("window.statusSeen")
    assert seen[0] == "Preparing the workbook…"
    assert f"Downloading: {kilobytes} of {kilobytes}" in seen  # the server said the length, so the bar can fill
    answer = page.request.get(site + "/finance/cash-capacity.xlsx")
    # Made afresh, the workbook may differ by a few bytes (it is stamped with when it was made): its own length.
    assert answer.headers["content-length"] == str(len(answer.body()))
    assert load_workbook(io.BytesIO(answer.body())).sheetnames[0] == "By year"


def test_import_is_not_offered_to_a_viewer_nor_open_to_one(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    expect(page.get_by_role("link", name="Import benefits")).to_have_count(0)
    answer = page.goto(page.url.split("#")[0] + "/import")
    assert answer is not None and answer.status == 403
