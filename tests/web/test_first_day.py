"""The first day, from a database holding only one admin, in real Chromium, with scripts on and with them off.

An admin adds the people; finance puts two cost centres and their budgets on the list; a programme manager builds
an initiative, its model and benefits and moves one to planned; finance confirms its cash; the board records a
portfolio review and marks an action done. Every step is a page: no request goes to the API, every page passes
axe-core (where scripts run) and is photographed at 1366 px and 390 px wide.

The steps are plain functions over one `Walk`, so the walk with scripts off is the same walk.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from benefits.periods import financial_year_of
from tests.support.server import running_server
from tests.web.conftest import AXE, PASSWORD, screenshot

ADMIN = "admin"
PEOPLE = {"Pat Manager": "programme_manager", "Fin Officer": "finance", "Bea Board": "board"}
SPONSOR = "Alison Grant"  # a named officer: she sponsors the initiative and never signs in
INITIATIVE = "Contact centre redesign"
CASH = "Post room closed"
BENEFITS = [CASH, "Calls avoided", "Residents served first time"]
CENTRES = {"CS100": "Customer Services: contact centre", "CS200": "Customer Services: post room"}
WIDTHS = (1366, 390)
# The outermost elements reaching past the right edge of a page `w` pixels wide, to name what widens it.
WIDENS = """w => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > w + 1 && e.parentElement.getBoundingClientRect().right <= w + 1)
  .slice(0, 3).map(e => `${e.tagName.toLowerCase()}#${e.id} in ${e.parentElement.tagName.toLowerCase()}`)"""


def serious_accessibility_problems(page: Page) -> list[str]:
    """What axe-core finds on the page that is serious or critical.

    axe is evaluated by the browser's driver rather than added as a script tag, so the pages' own Content Security
    Policy (no inline script) stays in force for the whole walk.
    """
    page.evaluate(AXE.read_text())
    found = page.evaluate("async () => (await axe.run()).violations.map(v => [v.impact, v.id, v.help])")
    return [f"{impact}: {rule} ({text})" for impact, rule, text in found if impact in ("serious", "critical")]


@pytest.fixture
def first_day(tmp_path: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database, migrated, with one admin made by the command line (no example), served on a free port."""
    url = f"sqlite:///{tmp_path}/first-day.db"
    environment = {**os.environ, "BENEFITS_DATABASE_URL": url}
    for command in (["db", "upgrade"], ["users", "create", ADMIN, "--role", "admin", "--password", PASSWORD]):
        done = subprocess.run([sys.executable, "-m", "benefits.cli", *command], env=environment, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)  # fmt: skip
        assert done.returncode == 0, done.stderr
    with running_server(url) as base:
        yield base


@dataclass
class Walk:
    """One walk through the pages: the browser page, the server, whether scripts run, what was asked and seen."""

    page: Page
    site: str
    scripts: bool
    requests: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    pictures: list[str] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    looked_at: set[str] = field(default_factory=set)

    def look(self, name: str) -> None:
        """The page passes axe-core (where scripts run) and is photographed at both widths."""
        self.looked_at.add(_kind_of_page(self.page.url))
        if self.scripts:
            assert serious_accessibility_problems(self.page) == [], name
        shot = f"first-day-{name}" + ("" if self.scripts else "-without-javascript")
        assert shot not in self.pictures, f"{shot} photographed twice"
        self.pictures.append(shot)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            screenshot(self.page, f"{shot}-{width}")
            # Wide content scrolls inside its own region: the page itself never scrolls sideways.
            if self.page.evaluate("document.documentElement.scrollWidth") > width:
                self.too_wide.append(f"{name} at {width} px: {self.page.evaluate(WIDENS, width)}")
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    def said(self, text: str | re.Pattern[str]) -> None:
        """The page announces what the last form did (a status message)."""
        expect(self.page.get_by_role("status").filter(has_text=text).first).to_be_visible()

    def sign_in(self, login: str) -> None:
        """Sign out whoever is signed in, and sign in as `login` with the password the admin gave them."""
        page = self.page
        if page.get_by_role("button", name="Sign out").count():
            page.get_by_role("button", name="Sign out").click()
        page.goto(self.site + "/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("Name or e-mail").fill(login)
        page.get_by_label("Password").fill(self.passwords.get(login, PASSWORD))
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()

    def nav(self, name: str) -> None:
        """Follow a link of the main navigation."""
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def start(page: Page, site: str, scripts: bool) -> Walk:
    """A walk that records every request the browser makes, and starts at the sign-in page."""
    walk = Walk(page, site, scripts)
    page.set_default_timeout(10_000)
    page.context.on("request", lambda request: walk.requests.append(request.url))
    page.on(
        "framenavigated", lambda frame: walk.visited.add(_kind_of_page(frame.url)) if frame == page.main_frame else None
    )
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    walk.look("sign-in")
    return walk


def _kind_of_page(url: str) -> str:
    """A page's address without its query, fragment and ids: /benefits/3?done=added is /benefits/{id}."""
    return re.sub(r"/[0-9]+(?=/|$)", "/{id}", urlsplit(url).path or "/")


def _figure(text: str) -> float:
    """A figure as a page writes it (£1,234.56, 12.5%, 600,000 calls), as a number."""
    found = re.search(r"-?[0-9][0-9,]*(\.[0-9]+)?", text)
    assert found is not None, text
    return float(found.group(0).replace(",", ""))


def admin_adds_the_people(walk: Walk) -> None:
    """The admin adds a programme manager, a finance officer and a board member, and gives each a password."""
    page = walk.page
    walk.sign_in(ADMIN)
    walk.look("portfolio-empty")
    walk.nav("People")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    walk.look("people-only-the-admin")
    for name, role in PEOPLE.items():
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Role", exact=True).select_option(role)
        page.get_by_role("button", name="Add the person").click()
        walk.said(name)
        page.get_by_role("button", name=f"Give a password of {name}").click()
        expect(page.get_by_role("heading", name=f"New password for {name}")).to_be_visible()
        walk.passwords[name] = page.get_by_label("The new password").input_value()
        assert len(walk.passwords[name]) >= 10
    walk.look("people-password-shown-once")
    page.reload()  # the password is shown once: not again on the page
    expect(page.get_by_label("The new password")).to_have_count(0)
    # A sponsor is a person in the service too: one who needs no sign-in, so no password.
    page.get_by_label("Name", exact=True).fill(SPONSOR)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add the person").click()
    walk.said(SPONSOR)


def finance_lists_cost_centres_and_budgets(walk: Walk) -> None:
    """The finance officer adds two cost centres and sets their budgets for the next two years in the grid."""
    page = walk.page
    walk.sign_in("Fin Officer")
    walk.nav("Finance")
    expect(page.get_by_role("heading", name="Cash versus capacity")).to_be_visible()
    walk.look("finance-empty")
    page.get_by_role("link", name="Cost centres").first.click()
    walk.look("cost-centres-empty")
    for code, name in CENTRES.items():
        page.get_by_label("Code").fill(code)
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Budget holder").fill("Head of Customer Services")
        page.get_by_role("button", name="Add the cost centre").click()
        walk.said(f"Cost centre {code} added")
    walk.look("cost-centres-listed")
    page.get_by_role("link", name="Edit CS200").click()
    expect(page.get_by_role("heading", name="Edit cost centre CS200")).to_be_visible()
    walk.look("cost-centre-edit")
    page.get_by_label("Budget holder").fill("Customer Services Manager")
    page.get_by_role("button", name="Save cost centre CS200").click()
    walk.said("Cost centre CS200 saved.")
    expect(page.get_by_role("row", name=re.compile("CS200"))).to_contain_text("Customer Services Manager")
    page.get_by_role("link", name="Budgets").first.click()
    expect(page.get_by_role("heading", name="Budgets by cost centre and year")).to_be_visible()
    this_year = financial_year_of(date.today())
    for code, amounts in {"CS100": ("1,250,000", "£1,200,000"), "CS200": ("180,000", "150000")}.items():
        for offset, amount in enumerate(amounts):
            year = this_year.label if offset == 0 else type(this_year)(this_year.start_year + 1).label
            page.get_by_label(f"Budget of {code} for {year} (£)").fill(amount)
    page.get_by_role("button", name="Save the budgets").click()
    walk.said("Budgets saved: 4 budget line(s)")
    saved = page.get_by_label(f"Budget of CS100 for {this_year.label} (£)").input_value()
    assert saved.replace(",", "") == "1250000"
    walk.look("budgets-set")


def manager_builds_the_initiative(walk: Walk) -> None:
    """The programme manager creates the initiative and adds three benefits."""
    page = walk.page
    walk.sign_in("Pat Manager")
    page.get_by_role("link", name="New initiative").click()
    expect(page.get_by_role("heading", name="New initiative")).to_be_visible()
    walk.look("initiative-new")
    this_year = financial_year_of(date.today())
    page.get_by_label("Name", exact=True).fill(INITIATIVE)
    page.get_by_label("Description").fill("One front door for residents' calls, post and visits.")
    page.get_by_label("Sponsor").fill(SPONSOR)
    # No owner to type: a programme manager owns the initiative she creates, as the form says.
    expect(page.get_by_text("You will own the initiative")).to_be_visible()
    page.get_by_label("Start date").fill(f"{this_year.start_year}-04-01")
    page.get_by_label("End date").fill(f"{this_year.start_year + 4}-03-31")
    page.get_by_label("Base year of the appraisal").fill(this_year.label)
    page.get_by_role("button", name="Create the initiative").click()
    expect(page.get_by_role("heading", name=INITIATIVE)).to_be_visible()
    walk.said("Initiative created")
    walk.look("initiative-created")
    for title in BENEFITS:
        page.get_by_role("link", name="Add a benefit").click()
        expect(page.get_by_role("heading", name=f"Add a benefit to {INITIATIVE}")).to_be_visible()
        if title == BENEFITS[0]:
            walk.look("benefit-new")
        page.get_by_label("Title").fill(title)
        page.get_by_role("button", name="Add the benefit").click()
        walk.said("Benefit added")
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        page.get_by_role("link", name="Back to the initiative").click()
    expect(page.get_by_role("heading", name=INITIATIVE)).to_be_visible()
    walk.look("initiative-three-benefits")


def manager_applies_the_model_template(walk: Walk) -> None:
    """The programme manager adds the call-handling template and reads P10/P50/P90 and the tornado."""
    page = walk.page
    page.get_by_role("link", name="Model", exact=True).click()
    walk.look("model-empty")
    page.get_by_role("radio", name="Economics of call handling").check()
    page.get_by_role("button", name="Add the template").click()
    walk.said(re.compile("template", re.IGNORECASE))
    results = page.locator("#results")
    expect(results.get_by_role("heading", name="Monte Carlo result")).to_be_visible()
    for column in ("P10", "P50", "P90"):
        expect(results.get_by_role("columnheader", name=column)).to_be_visible()
    # The chosen output's spread: P10 below P50 below P90, each a figure read back from the page.
    chosen = results.locator("#spread tr.chosen")
    spread = [_figure(chosen.locator(f"td.{column}").inner_text()) for column in ("p10", "p50", "p90")]
    assert spread[0] < spread[1] < spread[2], spread
    expect(page.get_by_role("heading", name=re.compile("What moves .* most"))).to_be_visible()
    expect(results.locator("svg")).not_to_have_count(0)  # the histogram and the tornado, drawn by the server
    expect(page.locator("#tornado-table tbody tr").first).to_be_visible()
    walk.look("model-with-template")


def back_to_the_benefit(page: Page) -> None:
    """After a move the page is the benefit's or its initiative's stage board: open the benefit from the board."""
    heading = page.get_by_role("heading", name=CASH, level=1)
    expect(heading.or_(page.get_by_role("heading", name="Stage board"))).to_be_visible()
    if not heading.count():
        page.get_by_role("link", name=CASH).first.click()
    expect(heading).to_be_visible()


def manager_profiles_and_moves_to_planned(walk: Walk) -> str:
    """The programme manager fills a five-year profile in the grid, fills what the gate asks, and moves the benefit
    to planned; the first year's planned cash, to confirm."""
    page = walk.page
    page.get_by_role("link", name=f"Back to {INITIATIVE}").click()
    page.get_by_role("link", name=CASH).first.click()
    expect(page.get_by_role("heading", name=CASH)).to_be_visible()
    walk.look("benefit-opportunity")
    first = financial_year_of(date.today())
    years = [type(first)(first.start_year + n).label for n in range(5)]
    planned = ["20,000", "£40,000", "40000", "40,000", "40,000"]
    grid = page.locator("#profile-grid")
    for number, (year, amount) in enumerate(zip(years, planned, strict=True), start=1):
        fixed = grid.get_by_label(f"Planned, {year}", exact=True)
        if fixed.count():
            fixed.fill(amount)
        else:
            grid.get_by_label(f"Period {number}", exact=True).fill(year)
            grid.get_by_label(f"Planned {number}", exact=True).fill(amount)
    grid.get_by_label("Why the profile changed").fill("Post room closes in the first autumn")
    grid.get_by_role("button", name="Save profile").click()
    walk.said("Profile saved")
    walk.look("benefit-profiled")

    # To scoped: an owner, a category and a valuation; the checklist names each before it is filled.
    missing = page.locator(".checklist")
    for item in ("owner", "financial", "valuation"):
        expect(missing).to_contain_text(item)
    # Plain figures: the details form does not yet read "30,000" or "£38,000" (the profile grid does).
    details = {"Owner": "Pat Manager", "Estimate: low": "30000", "Estimate: most likely": "38000",
               "Estimate: high": "45000", "Unit": "GBP"}  # fmt: skip
    for label, value in details.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Category", exact=True).select_option("financial")
    page.get_by_label("Why (kept in the history)").fill("Scoped with the head of service")
    page.get_by_role("button", name="Save details").click()
    walk.said("saved")
    expect(page.get_by_text("Everything the scoped stage needs is here.")).to_be_visible()
    page.get_by_role("button", name="Move to scoped").click()
    walk.said(f"Moved “{CASH}” to scoped")
    back_to_the_benefit(page)
    expect(page.get_by_text("Stage: scoped")).to_be_visible()
    walk.look("benefit-scoped")

    # To planned: a baseline, a target and its date, and a decided route (cash, from a listed cost centre).
    for item in ("baseline", "target", "route"):
        expect(missing).to_contain_text(item)
    this_year = financial_year_of(date.today())
    page.get_by_label("Realisation route", exact=True).select_option("cash")
    page.get_by_label("Cost centre (cash)").fill("cs200")
    page.get_by_label("Baseline", exact=True).fill("0")
    page.get_by_label("Baseline date").fill(f"{this_year.start_year}-03-31")
    page.get_by_label("Target", exact=True).fill("40000")
    page.get_by_label("Target date").fill(f"{this_year.start_year + 2}-03-31")
    page.get_by_label("Confidence", exact=True).select_option("medium")
    page.get_by_label("Evidence notes").fill("Post room staffing and franking contract")
    page.get_by_label("Why (kept in the history)").fill("Route agreed with finance")
    page.get_by_role("button", name="Save details").click()
    walk.said("saved")
    expect(page.get_by_text("Everything the planned stage needs is here.")).to_be_visible()
    walk.look("benefit-ready-for-planned")
    page.get_by_role("button", name="Move to planned").click()
    walk.said(f"Moved “{CASH}” to planned")
    back_to_the_benefit(page)
    expect(page.get_by_text("Stage: planned")).to_be_visible()
    walk.look("benefit-planned")
    return this_year.label


def finance_confirms_cash(walk: Walk, year: str) -> None:
    """The finance officer confirms part of this year's planned cash from the post room's budget line."""
    page = walk.page
    walk.sign_in("Fin Officer")
    walk.nav("Finance")
    row = page.locator("#cash-to-confirm").get_by_role("row", name=re.compile(CASH))
    expect(row).to_contain_text("CS200")
    expect(row).to_contain_text("£20,000")
    walk.look("finance-cash-to-confirm")
    page.get_by_label(f"Amount for {CASH}, {year} (£)").fill("£15,000")
    page.get_by_label(f"Note for {CASH}, {year}").fill("CS200 reduced by one post from October")
    page.get_by_role("button", name=f"Confirm cash for {CASH}").click()
    walk.said(f"Confirmed £15,000 of cash for {CASH}, {year}")
    expect(page.locator("#cash-to-confirm").get_by_role("row", name=re.compile(CASH))).to_contain_text("£5,000")
    walk.look("finance-cash-confirmed")


def board_reviews_the_portfolio(walk: Walk) -> None:
    """The board member records a portfolio review with two actions, and marks one done."""
    page = walk.page
    walk.sign_in("Bea Board")
    walk.nav("Board reviews")
    expect(page.get_by_role("heading", name="Board reviews")).to_be_visible()
    walk.look("reviews-none")
    page.get_by_label("Initiative, or the whole portfolio").select_option(label="The whole portfolio")
    page.get_by_label("Title").fill("Portfolio board, first meeting")
    page.get_by_label("Attendees (one a line, or separated by commas)").fill("Bea Board, Pat Manager, Fin Officer")
    page.get_by_label("Decisions (one a line)").fill("Approve the contact centre redesign\nReview cash quarterly")
    actions = [("Agree the post room closure date", "Pat Manager"), ("Report cash confirmed to date", "Fin Officer")]
    for number, (action, owner) in enumerate(actions, start=1):
        page.get_by_label(f"Action {number}", exact=True).fill(action)
        page.get_by_label(f"Owner of action {number}", exact=True).fill(owner)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("heading", name=re.compile("Portfolio board, first meeting"))).to_be_visible()
    walk.said("Review recorded")
    expect(page.get_by_text("Recorded by Bea Board")).to_be_visible()
    walk.look("review-recorded")
    page.get_by_label("Status of action 1").select_option("done")
    page.get_by_role("button", name="Mark action 1").click()
    walk.said("Action 1, “Agree the post room closure date”, is now done.")
    expect(page.get_by_role("row", name=re.compile("Agree the post room closure date"))).to_contain_text("done")
    expect(page.get_by_role("row", name=re.compile("Report cash confirmed to date"))).to_contain_text("open")
    walk.look("review-action-done")


def walk_the_first_day(page: Page, site: str, scripts: bool) -> Walk:
    """Every role's first day, in order; then no request went to the API."""
    walk = start(page, site, scripts)
    admin_adds_the_people(walk)
    finance_lists_cost_centres_and_budgets(walk)
    manager_builds_the_initiative(walk)
    manager_applies_the_model_template(walk)
    year = manager_profiles_and_moves_to_planned(walk)
    finance_confirms_cash(walk, year)
    board_reviews_the_portfolio(walk)
    api = [url for url in walk.requests if "/api/" in url]
    assert api == []
    assert walk.requests, "the requests were recorded"
    # Every kind of page the walk came to was checked and photographed.
    assert {"/sign-in", "/people/{id}/password", "/initiatives/{id}/model", "/reviews/{id}"} <= walk.visited
    assert walk.visited - walk.looked_at == set()
    # Every page fits at both widths: wide content scrolls inside its own region.
    assert walk.too_wide == []
    return walk


def test_the_first_day_with_javascript(page: Page, first_day: str) -> None:
    walk_the_first_day(page, first_day, scripts=True)
    assert page.evaluate("typeof window.htmx") == "object"


def test_the_first_day_without_javascript(no_scripts: Page, first_day: str) -> None:
    walk_the_first_day(no_scripts, first_day, scripts=False)
    assert no_scripts.evaluate("typeof window.htmx") == "undefined"
