"""The cost-centre page: everyone reads the list; finance adds cost centres and makes them active or inactive."""

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
