"""The record's pages in real Chromium, on the worked example: confirmations of cash and of redeployed capacity
with what was confirmed said after each, a refusal said beside its field, a reversal, and a re-baseline asked for
by a programme manager and made by the board with the first baseline kept."""

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.web.conftest import csrf_of, screenshot, serious_accessibility_problems
from tests.web.test_pages import _sign_in

PHONE = "Phone transactions shifted to the web"
VISITS = "Face-to-face visits shifted to the web"
LIBRARY = "Library staff time given to assisted digital support"


def _pounds(text: str) -> Decimal:
    """A figure as the pages write pounds (£1,234 or -£1,234) read back as a number."""
    found = re.search(r"-?£[\d,]+(\.\d+)?", text)
    assert found is not None, text
    return Decimal(found.group().replace("£", "").replace(",", ""))


def _open_benefit(page: Page, title: str) -> None:
    page.get_by_role("link", name="Customer Access Programme").click()
    expect(page.get_by_role("heading", name="Customer Access Programme")).to_be_visible()
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_finance_confirms_capacity_and_not_yet_redeployed_falls_by_the_amount(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    # A started period with capacity still to confirm, as the page lists it.
    section = page.locator("#redeployment-to-confirm")
    row = section.locator("tbody tr").first
    benefit = row.locator("th").inner_text().strip()
    period = row.locator("td").nth(2).inner_text().strip()
    year = period[:7]  # a quarter's financial year, or the year itself
    not_yet = page.locator(f"#not-redeployed-{year}")
    before = _pounds(not_yet.inner_text())
    outstanding = _pounds(row.locator("td").nth(5).inner_text())
    amount = min(Decimal(1000), outstanding)
    assert amount > 0 and before >= outstanding
    row.get_by_label(f"Amount for {benefit}, {period}").fill(str(amount))
    row.get_by_label(f"Note for {benefit}, {period}").fill("Rotas show the released hours moved to casework")
    # The example's actuals are already confirmed in full, so more needs an override reason; it is kept if so.
    row.get_by_label(f"Override reason for {benefit}, {period}").fill("Timesheets show more hours moved than recorded")
    row.get_by_role("button", name=f"Confirm redeployment for {benefit}").click()
    notice = page.get_by_role("status").filter(has_text="Confirmed")
    expect(notice).to_contain_text(f"Confirmed £{amount:,.0f} of capacity redeployed for {benefit}, {period}")
    expect(not_yet).to_have_text(f"£{before - amount:,.0f}")
    assert "confirmed=redeployment" in page.url  # the answer to the form was a redirect to the page
    assert serious_accessibility_problems(page) == []
    screenshot(page, "finance-capacity-confirmed")
    # Reloading asks for the page again; nothing is confirmed twice.
    page.reload()
    expect(not_yet).to_have_text(f"£{before - amount:,.0f}")


def test_the_same_cash_confirmation_twice_is_refused_beside_the_amount(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    page.goto(site + "/finance")
    expect(page.locator("#at-risk-2026-27")).to_have_text("£40,200")
    amount = page.get_by_label(f"Amount for {PHONE}, 2026-27")
    for _ in range(2):
        amount.fill("30000")
        page.get_by_label(f"Note for {PHONE}, 2026-27").fill("CS100 reduced by one post from January")
        with page.expect_response(lambda answer: "/confirm-cash" in answer.url) as posted:
            page.get_by_role("button", name=f"Confirm cash for {PHONE}").click()
        if posted.value.status == 303:
            notice = page.get_by_role("status").filter(has_text="Confirmed")
            expect(notice).to_contain_text(f"Confirmed £30,000 of cash for {PHONE}, 2026-27")
            expect(page.locator("#at-risk-2026-27")).to_have_text("£10,200")
    assert posted.value.status == 422
    # The second is refused, the reason beside the amount, and what was typed is still there.
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value("30000")
    expect(amount).to_have_accessible_description(re.compile(r"at most £10,200\.00 more"))
    expect(page.get_by_label(f"Note for {PHONE}, 2026-27")).to_have_value("CS100 reduced by one post from January")
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was confirmed")
    expect(page.locator("#at-risk-2026-27")).to_have_text("£10,200")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "finance-cash-refused")


def test_finance_reverses_a_confirmation_and_the_benefits_confirmed_total_falls(page: Page, site: str) -> None:
    _sign_in(page, site, "Frank Okafor")
    _open_benefit(page, VISITS)
    held = page.locator("#cash-held")
    before = _pounds(held.inner_text())
    ledger = page.get_by_role("table", name=re.compile("Budget reductions finance has confirmed"))
    standing = ledger.get_by_role("row").filter(has=page.get_by_role("button", name=re.compile("^Reverse entry")))
    original = standing.first
    entry = original.locator("th").inner_text().strip()
    amount = _pounds(original.locator("td").nth(1).inner_text())
    original.get_by_label(f"Why reverse entry {entry}").fill("Posted to CS200 in error: the posts moved to CS210")
    original.get_by_role("button", name=f"Reverse entry {entry}").click()
    expect(held).to_contain_text(f"£{before - amount:,.0f}")
    reversal = ledger.get_by_role("row").filter(has_text=f"Reverses entry {entry}")
    expect(reversal).to_contain_text(f"-£{amount:,.0f}")
    expect(reversal).to_contain_text("Posted to CS200 in error")
    expect(page.locator(f"#cash-entry-{entry}")).to_contain_text("Reversed by entry")
    expect(page.get_by_role("button", name=f"Reverse entry {entry}")).to_have_count(0)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "benefit-confirmation-reversed")


def test_a_programme_manager_asks_for_a_rebaseline_and_the_board_makes_it(page: Page, site: str) -> None:
    _sign_in(page, site, "Priya Patel")
    _open_benefit(page, LIBRARY)
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)  # not a programme manager's
    page.get_by_label("Why the approved baseline no longer holds").fill(
        "Library bookings re-forecast from the first quarter: the baseline overstates the time given"
    )
    page.get_by_role("button", name="Request a re-baseline").click()
    asked = page.locator(".requests li").first
    expect(asked).to_contain_text("by Priya Patel")
    expect(asked).to_contain_text("Open")
    assert serious_accessibility_problems(page) == []
    _sign_out(page)

    _sign_in(page, site, "Beatrice Lund")
    _open_benefit(page, LIBRARY)
    versions = page.get_by_role("table", name=re.compile("Every approved baseline"))
    expect(versions.locator("tbody tr")).to_have_count(1)
    asked = page.locator(".requests li").first
    request_id = re.sub(r"\D", "", asked.get_attribute("id") or "")
    asked.get_by_label(f"Why approve request {request_id}").fill("Agreed at the board: bookings re-forecast")
    asked.get_by_role("button", name=f"Approve request {request_id}: re-baseline as baseline 2").click()
    expect(versions.locator("tbody tr")).to_have_count(2)
    expect(versions.get_by_role("row", name=re.compile("^Baseline 1"))).to_contain_text("First approval")
    current = versions.get_by_role("row", name=re.compile("^Baseline 2"))
    expect(current).to_contain_text("(in force)")
    expect(current).to_contain_text("Beatrice Lund")
    expect(current).to_contain_text("Agreed at the board")
    periods = page.get_by_role("table", name="Baseline 2 (in force) beside baseline 1, by period")
    # Baseline 1 is kept as approved; baseline 2 is the re-forecast plan.
    expect(periods.get_by_role("row", name=re.compile("^2027-28"))).to_contain_text("£34,000")
    expect(periods.get_by_role("row", name=re.compile("^2027-28"))).to_contain_text("£28,000")
    expect(page.locator(".requests li").first).to_contain_text("Approved by Beatrice Lund")
    expect(page.locator(".requests li").first).to_contain_text("as baseline 2")
    assert serious_accessibility_problems(page) == []
    screenshot(page, "benefit-rebaselined")


def test_a_viewer_is_offered_none_of_the_records_forms(page: Page, site: str) -> None:
    _sign_in(page, site, "Victor Shaw")
    _open_benefit(page, VISITS)
    expect(page.get_by_role("heading", name="Baselines")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)  # only "Sign out"
    page.goto(site + "/finance")
    expect(page.get_by_role("heading", name="Capacity to confirm")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)


def test_the_records_forms_forced_by_those_not_allowed_are_refused_and_change_nothing(page: Page, site: str) -> None:
    for login, refused in (
        (
            "Victor Shaw",
            (
                "rebaseline",
                "rebaseline-requests",
                "rebaseline-requests/1/decline",
                "cash-confirmations/1/reverse",
                "redeployment-confirmations/1/reverse",
                "confirm-cash",
                "confirm-redeployment",
            ),
        ),
        (
            "Priya Patel",
            ("rebaseline", "rebaseline-requests/1/decline", "cash-confirmations/1/reverse", "confirm-cash"),
        ),
    ):
        _sign_in(page, site, login)
        _open_benefit(page, VISITS)
        benefit = page.url.split("#")[0]
        before = page.request.get(benefit).text()
        for action in refused:
            # What is typed is never read: "lots" is no amount, yet the answer is that the person may not.
            fields: dict[str, str | float | bool] = {"csrf": csrf_of(page), "reason": "forced", "amount": "lots"}
            fields["period"] = "2026-27"
            answer = page.request.post(f"{benefit}/{action}", form=fields, max_redirects=0)
            assert answer.status == 403, (login, action, answer.status)
            assert "Not allowed" in answer.text() and "Nothing was changed." in answer.text(), (login, action)
        assert page.request.get(benefit).text() == before
        _sign_out(page)
