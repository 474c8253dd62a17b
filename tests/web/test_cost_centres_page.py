"""The cost-centre page: everyone reads the list; finance adds cost centres, edits their name and budget holder,
makes them active or inactive and uploads the list from a workbook."""

from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.web.conftest import serious_accessibility_problems
from tests.web.test_pages import _sign_in


def _rows(page: Page) -> dict[str, list[str]]:
    table = page.locator("table", has=page.locator("caption", has_text="Cost centres, by code"))
    rows = [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]
    return {row[0]: [cell.strip() for cell in row[1:]] for row in rows}


def test_finance_adds_a_cost_centre_and_a_code_taken_in_any_case_is_refused_beside_it(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    page.get_by_role("link", name="Cost centres").click()
    expect(page.get_by_role("heading", name="Cost centres", exact=True)).to_be_visible()
    listed = _rows(page)
    assert list(listed) == ["CORP310", "CS100", "CS200", "ICT400"]
    assert listed["CS200"][:3] == ["Customer Services: civic centre reception", "Head of Customer Services", "yes"]
    assert serious_accessibility_problems(page) == []

    page.get_by_label("Code").fill(" lib/500 ")
    page.get_by_label("Name", exact=True).fill("Libraries")
    page.get_by_label("Budget holder").fill("Head of Libraries")
    page.get_by_role("button", name="Add the cost centre").click()
    expect(page.locator("#centre-LIB\\/500")).to_be_visible()
    assert _rows(page)["LIB/500"][:3] == ["Libraries", "Head of Libraries", "yes"]

    page.get_by_label("Code").fill("cs100")
    page.get_by_label("Name", exact=True).fill("Contact centre, again")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the cost centre").click()
    assert posted.value.status == 409
    expect(page.locator("#error-code")).to_contain_text("CS100 is already on the list")
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Contact centre, again")
    assert serious_accessibility_problems(page) == []

    page.get_by_label("Code").fill("CS 9")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Add the cost centre").click()
    assert posted.value.status == 422
    expect(page.locator("#error-code")).to_be_visible()
    assert "CS 9" not in _rows(page) and len(_rows(page)) == 5


def test_finance_makes_a_cost_centre_inactive_and_a_stale_page_changes_nothing(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/cost-centres")
    stale = page.context.new_page()
    stale.goto(site + "/finance/cost-centres")

    page.get_by_role("button", name="Make ICT400 inactive").click()
    expect(page.get_by_role("button", name="Make ICT400 active")).to_be_visible()
    assert _rows(page)["ICT400"][2] == "no"

    # The other tab still shows ICT400 active, at the version before: its click is refused, and says so.
    with stale.expect_response(lambda answer: answer.request.method == "POST") as posted:
        stale.get_by_role("button", name="Make ICT400 inactive").click()
    assert posted.value.status == 412
    expect(stale.get_by_role("alert")).to_contain_text("Nothing was changed")
    assert _rows(stale)["ICT400"][2] == "no"

    page.get_by_role("button", name="Make ICT400 active").click()
    expect(page.get_by_role("button", name="Make ICT400 inactive")).to_be_visible()
    assert _rows(page)["ICT400"][2] == "yes"


def test_a_viewer_reads_the_list_but_cannot_change_it(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/finance/cost-centres")
    assert "CS100" in _rows(page)
    expect(page.get_by_role("heading", name="Add a cost centre")).to_have_count(0)
    expect(page.get_by_role("button", name="Make CS100 inactive")).to_have_count(0)
    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    forged = page.request.post(site + "/finance/cost-centres", form={"csrf": token, "code": "X1", "name": "Forged"})
    assert forged.status == 403
    flipped = page.request.post(site + "/finance/cost-centres/CS100/active", form={"csrf": token, "active": "0"})
    assert flipped.status == 403
    page.reload()
    assert "X1" not in _rows(page) and _rows(page)["CS100"][2] == "yes"
    assert serious_accessibility_problems(page) == []


def test_finance_edits_a_cost_centre_name_and_holder_but_never_its_code(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/cost-centres")
    page.get_by_role("link", name="Edit CS200").click()
    expect(page.get_by_role("heading", name="Edit cost centre CS200")).to_be_visible()
    expect(page.get_by_text("The code stays CS200")).to_be_visible()
    expect(page.get_by_label("Code", exact=False)).to_have_count(0)  # nothing to type a code into
    assert serious_accessibility_problems(page) == []
    stale = page.context.new_page()
    stale.goto(page.url)

    # An emptied name is refused beside the field, what was typed kept.
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_label("Budget holder").fill("Customer Services Manager")
    page.locator("#name").evaluate("field => field.removeAttribute('required')")  # as a browser without checks sends
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Save cost centre CS200").click()
    assert posted.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Nothing was changed")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Budget holder")).to_have_value("Customer Services Manager")

    page.get_by_label("Name", exact=True).fill("Customer Services: reception and post room")
    page.get_by_role("button", name="Save cost centre CS200").click()
    expect(page.get_by_role("status")).to_have_text("Cost centre CS200 saved.")
    assert "/finance/cost-centres?" in page.url and "/edit" not in page.url  # a list that can be reloaded
    assert _rows(page)["CS200"][:3] == [
        "Customer Services: reception and post room",
        "Customer Services Manager",
        "yes",
    ]
    assert serious_accessibility_problems(page) == []

    # The tab opened before the change sends the version it read: refused, and says to reload.
    stale.get_by_label("Name", exact=True).fill("Reception")
    with stale.expect_response(lambda answer: answer.request.method == "POST") as posted:
        stale.get_by_role("button", name="Save cost centre CS200").click()
    assert posted.value.status == 412
    expect(stale.get_by_role("alert")).to_contain_text("Reload")
    expect(stale.get_by_label("Name", exact=True)).to_have_value("Reception")
    page.reload()
    assert _rows(page)["CS200"][0] == "Customer Services: reception and post room"

    # Making one inactive says so too.
    page.get_by_role("button", name="Make CS200 inactive").click()
    expect(page.get_by_role("status")).to_contain_text("Cost centre CS200 is inactive")
    page.get_by_role("button", name="Make CS200 active").click()
    expect(page.get_by_role("status")).to_contain_text("Cost centre CS200 is active again")


def _workbook(folder: Path, name: str, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Cost centres"
    for row in [["Code", "Name", "Budget holder", "Active"], *rows]:
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


def test_finance_uploads_the_list_from_a_workbook_and_a_bad_row_is_named(page: Page, site: str, tmp_path: Path) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance/cost-centres")
    before = _rows(page)
    # Budgets are uploaded on their own page: this one points there rather than offering a second form.
    expect(page.get_by_role("link", name="budgets page")).to_have_attribute("href", "/finance/budgets#upload-heading")

    bad = _workbook(tmp_path, "bad.xlsx", [["park600", "Parks", None, "yes"], ["NEW 1", "Spaces", None, None],
                                           ["ICT400", None, "Chief Digital Officer", "perhaps"]])  # fmt: skip
    page.get_by_label("Workbook (.xlsx)").set_input_files(bad)
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.get_by_role("button", name="Upload the cost centres").click()
    assert posted.value.status == 422
    problems = page.locator("#upload-problems")
    expect(problems).to_contain_text("Nothing was imported")
    expect(problems).to_contain_text("row 3")
    expect(problems).to_contain_text("row 4")
    assert _rows(page) == before  # not even the good row
    assert serious_accessibility_problems(page) == []

    good = _workbook(tmp_path, "good.xlsx", [["park600", "Parks and open spaces", "Head of Parks", "yes"],
                                             ["ICT400", None, "Chief Digital Officer", None]])  # fmt: skip
    page.get_by_label("Workbook (.xlsx)").set_input_files(good)
    page.get_by_role("button", name="Upload the cost centres").click()
    expect(page.get_by_role("status")).to_have_text("Workbook imported: 1 cost centre(s) added, 1 changed.")
    after = _rows(page)
    assert after["PARK600"][:3] == ["Parks and open spaces", "Head of Parks", "yes"]
    assert after["ICT400"][:3] == [before["ICT400"][0], "Chief Digital Officer", before["ICT400"][2]]
    page.reload()  # post/redirect/get: reloading uploads nothing again
    expect(page.get_by_role("status")).to_have_text("Workbook imported: 1 cost centre(s) added, 1 changed.")
    assert _rows(page) == after


def test_a_viewer_can_neither_edit_nor_upload(page: Page, site: str, tmp_path: Path) -> None:
    _sign_in(page, site, "Victor Shaw")
    page.goto(site + "/finance/cost-centres")
    expect(page.get_by_role("link", name="Edit CS100")).to_have_count(0)
    expect(page.get_by_role("button", name="Upload the cost centres")).to_have_count(0)
    assert page.request.get(site + "/finance/cost-centres/CS100/edit").status == 403
    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    renamed = page.request.post(site + "/finance/cost-centres/CS100/edit", form={"csrf": token, "name": "Forged"})
    assert renamed.status == 403
    path = _workbook(tmp_path, "forged.xlsx", [["X9", "Forged", None, None]])
    uploaded = page.request.post(site + "/finance/cost-centres/upload", multipart={
        "csrf": token, "workbook": {"name": "forged.xlsx", "mimeType": "application/octet-stream",
                                    "buffer": path.read_bytes()}})  # fmt: skip
    assert uploaded.status == 403
    page.reload()
    assert "X9" not in _rows(page) and _rows(page)["CS100"][0] != "Forged"
