"""Starting the record from the pages, in real Chromium: create and edit an initiative, add benefits with every
field, fill the profile grid, edit, withdraw and delete; a viewer is offered none of it and refused each post.

`create_and_add` is a plain function, walked again with JavaScript switched off.
"""

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

YEARS = ["2026-27", "2027-28", "2028-29", "2029-30", "2030-31"]
CASH = "Post room costs removed"
CAPACITY = "Caseworker hours released"
LEVEL = "Residents satisfied with the front office"


def _accessible(page: Page, scripts: bool) -> None:
    if scripts:  # axe-core runs in the page, so only where scripts do
        assert serious_accessibility_problems(page) == [], page.url


def _status(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def _add_benefit(
    page: Page, fields: dict[str, str], selects: dict[str, str], ticks: dict[str, bool], scripts: bool
) -> None:
    page.get_by_role("link", name="Add a benefit").click()
    expect(page.get_by_role("heading", name=re.compile("Add a benefit to"))).to_be_visible()
    _accessible(page, scripts)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in selects.items():
        page.get_by_label(label, exact=True).select_option(value)
    for label, ticked in ticks.items():
        page.get_by_label(label, exact=True).set_checked(ticked)
    page.get_by_role("button", name="Add the benefit").click()
    _status(page, "Benefit added at the opportunity stage.")
    expect(page.get_by_role("heading", name=fields["Title"], exact=True)).to_be_visible()


def create_and_add(page: Page, site: str, name: str, scripts: bool = True) -> str:
    """Priya creates an initiative with every field, edits it, and adds three benefits; its address is returned."""
    _sign_in(page, site, "Priya Patel")
    page.get_by_role("link", name="New initiative").click()
    expect(page.get_by_role("heading", name="New initiative")).to_be_visible()
    _accessible(page, scripts)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description", exact=True).fill("One post room for the council's three offices.")
    page.get_by_label("Sponsor", exact=True).fill("Alison Grant")  # a person: the example's director of resources
    # The owner is a person, not text: a programme manager owns what she creates, and the form says so.
    expect(page.get_by_text("You will own the initiative")).to_be_visible()
    page.get_by_label("Start date").fill("2026-04-01")
    page.get_by_label("End date").fill("2031-03-31")
    page.get_by_label("Financial year starts in").select_option("4")
    page.get_by_label("Base year of the appraisal (year 0, e.g. 2026-27)").fill("2026-27")
    page.get_by_label("Profiles by").select_option("year")
    page.get_by_label("Discount schedule").select_option("flat")
    page.get_by_label("Flat discount rate (for a flat schedule, such as 3.5%)").fill("3.5%")
    page.get_by_role("button", name="Create the initiative").click()
    _status(page, "Initiative created.")
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    address = page.url.split("?")[0]
    _accessible(page, scripts)
    screenshot(page, "initiative-created" + ("" if scripts else "-without-javascript"))

    # Edit: every field is there with what was saved, and members are chosen from the people.
    page.get_by_role("link", name="Edit the initiative").click()
    expect(page.get_by_label("Flat discount rate (for a flat schedule, such as 3.5%)")).to_have_value("0.035")
    expect(page.get_by_label("Start date")).to_have_value("2026-04-01")
    _accessible(page, scripts)
    page.get_by_label("Sponsor", exact=True).fill("frank  OKAFOR")  # a person, found in any case
    page.get_by_label("Sam Hughes (programme manager)").check()
    page.get_by_role("button", name="Save the initiative").click()
    _status(page, "Your changes are saved.")
    page.get_by_role("link", name="Edit the initiative").click()
    expect(page.get_by_label("Sponsor", exact=True)).to_have_value("Frank Okafor")  # read back as their name
    expect(page.get_by_label("Sam Hughes (programme manager)")).to_be_checked()
    page.get_by_role("link", name=f"Back to {name}").click()

    # Three benefits: cash naming a listed cost centre in lower case, capacity, and a non-financial level.
    _add_benefit(
        page,
        {"Title": CASH, "Description": "Two post rooms close.", "Benefit owner": "Martin Cole",
         "Beneficiary (who gains)": "Council tax payers", "Unit of measure (GBP for money; calls, %, hours)": "GBP",
         "Budget that falls (cash route: a listed cost centre)": "corp310", "Low estimate": "£40,000",
         "Most likely estimate": "45,000", "High estimate": "£50,000.00", "Starting value": "0",
         "Date of the starting value": "2026-03-31", "Target value": "45000", "Date the target is due": "2028-03-31",
         "Evidence for the figures": "Post room budgets for 2025-26."},
        {"Kind of benefit": "financial", "How it is realised (financial benefits)": "cash", "How confident": "high"},
        {},
        scripts,
    )  # fmt: skip
    expect(page.get_by_label("Cost centre (cash)")).to_have_value("CORP310")
    expect(page.get_by_label("Estimate: most likely")).to_have_value("45000")
    _accessible(page, scripts)
    page.get_by_role("link", name="Back to the initiative").click()
    _add_benefit(
        page,
        {"Title": CAPACITY, "Description": "Less time spent chasing post.",
         "Unit of measure (GBP for money; calls, %, hours)": "GBP",
         "Where freed capacity goes (capacity route)": "Casework backlog", "Most likely estimate": "12,500"},
        {"Kind of benefit": "financial", "How it is realised (financial benefits)": "capacity"},
        {},
        scripts,
    )  # fmt: skip
    expect(page.get_by_label("Redeployed to (capacity)")).to_have_value("Casework backlog")
    page.get_by_role("link", name="Back to the initiative").click()
    _add_benefit(
        page,
        {"Title": LEVEL, "Unit of measure (GBP for money; calls, %, hours)": "%", "Starting value": "81",
         "Target value": "90"},
        {"Kind of benefit": "non_financial", "Values are": "level"},
        {"Quantified (measured in numbers)": True, "A dis-benefit (a harm, entered as a positive size)": False},
        scripts,
    )  # fmt: skip
    expect(page.get_by_label("Values are", exact=True)).to_have_value("level")
    page.get_by_role("link", name="Back to the initiative").click()
    for title in (CASH, CAPACITY, LEVEL):
        expect(page.get_by_role("region", name="opportunity").get_by_role("link", name=title)).to_be_visible()
    return address


def test_a_programme_manager_starts_an_initiative_and_keeps_its_benefits(page: Page, site: str) -> None:
    name = "Post room consolidation"
    address = create_and_add(page, site, name)

    # A five-year profile typed as people write amounts; the grid offers the initiative's years.
    page.get_by_role("region", name="opportunity").get_by_role("link", name=CASH).click()
    expect(page.get_by_role("heading", name=CASH, exact=True)).to_be_visible()
    cash = page.url.split("?")[0].split("#")[0]
    for year in YEARS:
        page.get_by_label(f"Planned, {year}", exact=True).fill("£45,000")
    page.get_by_label("Actual, 2026-27", exact=True).fill("44,250.50")
    page.get_by_label("Why the profile changed (kept in the history)").fill("Five-year plan agreed")
    _accessible(page, True)
    page.get_by_role("button", name="Save profile").click()
    _status(page, "Profile saved.")
    table = page.locator("#profile-against-baseline")
    for year in YEARS:
        expect(table.get_by_role("row", name=re.compile(year))).to_contain_text("£45,000")
        expect(page.get_by_label(f"Planned, {year}", exact=True)).to_have_value("45000")
    expect(page.get_by_label("Actual, 2026-27", exact=True)).to_have_value("44250.5")
    expect(page.get_by_role("list").filter(has_text="profile replaced")).to_contain_text("Five-year plan agreed")

    # A cell it cannot read is named beside it, everything typed stays, and nothing is saved.
    page.get_by_label("Planned, 2028-29", exact=True).fill("forty")
    page.get_by_label("Planned, 2029-30", exact=True).fill("£50,000")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved")).to_be_visible()
    expect(page.get_by_text("“forty” is not an amount")).to_be_visible()
    expect(page.get_by_label("Planned, 2028-29", exact=True)).to_have_value("forty")
    expect(page.get_by_label("Planned, 2028-29", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Planned, 2029-30", exact=True)).to_have_value("£50,000")
    _accessible(page, True)
    screenshot(page, "profile-grid-refused-cell")
    page.goto(cash)
    expect(page.get_by_label("Planned, 2028-29", exact=True)).to_have_value("45000")
    expect(page.get_by_label("Planned, 2029-30", exact=True)).to_have_value("45000")

    # Edit every field, title and description included, with a reason.
    page.get_by_text(f"Edit every field of {CASH}").click()
    page.get_by_label("Title", exact=True).fill("Post rooms merged")
    page.get_by_label("Description", exact=True).fill("Three post rooms become one.")
    page.get_by_label("Why these changed (kept in the history)").fill("Scope widened to three offices")
    page.get_by_role("button", name="Save every field").click()
    _status(page, "Your changes are saved.")
    expect(page.get_by_role("heading", name="Post rooms merged", exact=True)).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="Scope widened")).to_contain_text("Three post rooms become one.")
    page.get_by_role("link", name="Back to the initiative").click()

    # Withdraw the capacity benefit with a reason.
    page.get_by_role("region", name="opportunity").get_by_role("link", name=CAPACITY).click()
    page.get_by_label("Why it is withdrawn").fill("The post room staff move with the post")
    page.get_by_role("button", name=f"Withdraw {CAPACITY}").click()
    _status(page, "Benefit withdrawn.")
    expect(page.get_by_text("Stage: opportunity (withdrawn)")).to_be_visible()
    expect(page.get_by_role("button", name="Save profile")).to_have_count(0)
    page.get_by_role("link", name="Back to the initiative").click()

    # Delete an opportunity: its initiative's page says so.
    page.get_by_role("region", name="opportunity").get_by_role("link", name=LEVEL).click()
    page.get_by_role("button", name=f"Delete {LEVEL}").click()
    _status(page, f"Benefit deleted: {LEVEL}.")
    expect(page.get_by_role("link", name=LEVEL)).to_have_count(0)

    # The example's initiative holds a record: its deletion is refused with the domain's reason.
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").click()
    page.get_by_role("link", name="Edit the initiative").click()
    page.get_by_label("Type the initiative's name to confirm").fill("Customer Access Programme")
    page.get_by_role("button", name="Delete the initiative").click()
    expect(page.get_by_role("alert")).to_contain_text("Not deleted:")
    _accessible(page, True)

    # A benefit that moved on offers no delete.
    page.goto(site + "/")
    page.get_by_role("link", name="Customer Access Programme").click()
    page.get_by_role("region", name="delivered").get_by_role("link").first.click()
    expect(page.get_by_role("button", name=re.compile("^Delete "))).to_have_count(0)

    # Delete an empty initiative: the portfolio says so.
    empty = "An initiative never started"
    page.goto(site + "/initiatives/new")
    page.get_by_label("Name", exact=True).fill(empty)
    page.get_by_role("button", name="Create the initiative").click()
    _status(page, "Initiative created.")
    page.get_by_role("link", name="Edit the initiative").click()
    page.get_by_label("Type the initiative's name to confirm").fill("not its name")
    page.get_by_role("button", name="Delete the initiative").click()
    expect(page.get_by_text(f"Type the initiative's name, {empty}, to confirm.")).to_be_visible()
    page.get_by_label("Type the initiative's name to confirm").fill(empty)
    page.get_by_role("button", name="Delete the initiative").click()
    _status(page, f"Initiative deleted: {empty}.")
    expect(page.get_by_role("link", name=empty)).to_have_count(0)
    assert page.request.get(address).ok


def test_a_viewer_is_offered_none_of_the_forms_and_each_post_is_refused(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.get_by_role("link", name="New initiative")).to_have_count(0)
    page.get_by_role("link", name="Customer Access Programme").click()
    initiative = page.url.split("?")[0].rstrip("/")
    expect(page.get_by_role("link", name="Add a benefit")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit the initiative")).to_have_count(0)
    page.get_by_role("region", name="opportunity").get_by_role("link").first.click()
    benefit = page.url.split("?")[0]
    title = page.get_by_role("heading", level=1).inner_text()
    for form in ("Edit every field", "Withdraw", "Delete", "Save profile"):
        expect(page.get_by_role("button", name=re.compile(form))).to_have_count(0)
    expect(page.locator("input:not([type=hidden])")).to_have_count(0)
    _accessible(page, True)
    assert page.request.get(site + "/initiatives/new").status == 403
    assert page.request.get(initiative + "/edit").status == 403
    assert page.request.get(initiative + "/benefits/new").status == 403

    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    forged = {
        site + "/initiatives/new": {"name": "Viewer's initiative"},
        initiative + "/edit": {"name": "Renamed by a viewer", "members": "1"},
        initiative + "/delete": {"confirm": "Customer Access Programme"},
        initiative + "/benefits/new": {"title": "Viewer's benefit"},
        benefit + "/every-field": {"title": "Retitled by a viewer", "reason": "no"},
        benefit + "/withdraw": {"reason": "no"},
        benefit + "/delete": {},
        benefit + "/profile-grid": {"period_0": "2027-28", "fixed_0": "1", "planned_0": "£1"},
    }
    for url, fields in forged.items():
        answer = page.request.post(url, form={"csrf": token, **fields})
        assert answer.status == 403, url
    page.reload()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.get_by_text("(withdrawn)")).to_have_count(0)
    page.goto(site + "/")
    expect(page.get_by_role("link", name="Customer Access Programme")).to_be_visible()
    for made in ("Viewer's initiative", "Renamed by a viewer"):
        expect(page.get_by_role("link", name=made)).to_have_count(0)
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("link", name="Viewer's benefit")).to_have_count(0)


def test_creating_and_adding_works_without_javascript(no_scripts: Page, site: str) -> None:
    create_and_add(no_scripts, site, "Post room consolidation, second site", scripts=False)
