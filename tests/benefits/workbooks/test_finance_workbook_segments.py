"""The cash-versus-capacity workbook of who gains: with a customer segment asked for, its detail holds the benefits
tagged with it alone, its totals are the JSON summary's of the same segment, and the finance page's download link
asks for what the page shows."""

import html
import io
import re
from datetime import date
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from benefits import demand, finance, register
from benefits.demand import ReferenceList, Tagged
from benefits.models import Benefit, ProfileEntryIn, Role
from benefits.models.demand import ReferenceCreate
from benefits.stages import Stage
from benefits.workbooks.finance_summary import DETAIL, write_finance_workbook
from tests.support.factories import (
    TESTER,
    make_benefit,
    make_cost_centre,
    make_initiative,
    make_person,
    make_token,
)
from web.session import SESSION_COOKIE

TODAY = date(2026, 11, 23)
# Each benefit's route, the segments it is tagged with, its initiative (0 or 1) and its plan for 2027-28 in pounds.
PLANS = {
    "Print": ("cash", ["residents"], 0, 120),
    "Rework": ("capacity", ["businesses"], 1, 70),
    "Post": ("cash", ["residents", "businesses"], 1, 45),
    "Rent": ("cash", [], 0, 300),
}


def _portfolio(session: Session) -> dict[str, Benefit]:
    """Two initiatives' cash and capacity benefits, tagged as PLANS says."""
    for code in ("residents", "businesses"):
        demand.create_reference(session=session, kind=ReferenceList.segments,
                                fields=ReferenceCreate(code=code, name=code.title()), actor=TESTER)  # fmt: skip
    make_cost_centre(session, code="CS1")
    programmes = [make_initiative(session, name="Programme A"), make_initiative(session, name="Programme B")]
    made: dict[str, Benefit] = {}
    for title, (route, segments, which, amount) in PLANS.items():
        extra = {"redeployment": "Casework"} if route == "capacity" else {"cost_centre": "CS1"}
        benefit = make_benefit(session, initiative=programmes[which], stage=Stage.planned, title=title,
                               category="financial", unit="GBP", route=route, **extra)  # fmt: skip
        assert benefit.id is not None
        register.replace_profile(session=session, benefit_id=benefit.id, expected_version=None, actor=TESTER,
                                 rows=[ProfileEntryIn(period="2027-28", planned=Decimal(amount))])  # fmt: skip
        demand.tag(session=session, target=Tagged.benefits, target_id=benefit.id, segments=segments, actor=TESTER)
        made[title] = benefit
    session.commit()
    return made


def _detail(content: bytes) -> list[dict[str, object]]:
    """The detail sheet's rows by heading."""
    rows = list(load_workbook(io.BytesIO(content), read_only=True)[DETAIL].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_workbook_of_a_segment_holds_its_tagged_benefits_alone(session: Session) -> None:
    made = _portfolio(session)
    for segment in ("residents", "businesses"):
        target = io.BytesIO()
        write_finance_workbook(session=session, target=target, segments=[segment], today=TODAY)
        detail = _detail(target.getvalue())
        tagged = {title for title, plan in PLANS.items() if segment in plan[1]}
        assert {row["Benefit"] for row in detail} == tagged
        assert {row["Benefit id"] for row in detail} == {made[title].id for title in tagged}
        # The detail's forecast is each tagged benefit's own plan, and the JSON summary of the segment agrees.
        assert sum(Decimal(str(row["Forecast"])) for row in detail) == sum(PLANS[title][3] for title in tagged)
        summary = finance.cash_capacity_summary(session=session, segments=[segment], today=TODAY)
        assert sum(year.cash + year.capacity for year in summary.years) == sum(PLANS[t][3] for t in tagged)
        book = load_workbook(io.BytesIO(target.getvalue()), read_only=True)
        listed = [row[1] for row in list(book["Initiatives"].iter_rows(values_only=True))[1:]]
        assert listed == sorted({f"Programme {'AB'[PLANS[title][2]]}" for title in tagged})
        notes = " ".join(str(cell) for row in book["Notes"].iter_rows(values_only=True) for cell in row if cell)
        assert f"the benefits that reach {segment}" in notes


def test_the_download_asks_for_what_the_finance_page_shows(app: FastAPI, session: Session, client: TestClient) -> None:
    _portfolio(session)
    officer = make_person(session, role=Role.finance)
    browser = TestClient(
        app, raise_server_exceptions=False, cookies={SESSION_COOKIE: make_token(session, person=officer)}
    )
    whole = browser.get("/finance")
    assert 'href="/finance/cash-capacity.xlsx"' in whole.text  # nothing chosen: the whole portfolio
    page = browser.get("/finance", params={"segment": "Residents", "weighted": "1"})
    link = re.search(r'<a href="([^"]+)" download data-progress="finance-download">([^<]+)</a>', page.text)
    assert link is not None
    address = html.unescape(link.group(1))
    assert address == "/finance/cash-capacity.xlsx?weighted=1&segment=residents"
    assert link.group(2) == "Download the cash-versus-capacity workbook of what is shown"
    downloaded = browser.get(address)
    assert downloaded.status_code == 200
    assert {row["Benefit"] for row in _detail(downloaded.content)} == {"Print", "Post"}
    # A segment set aside on the page (not on the list) is not asked for by its download either.
    unknown = browser.get("/finance", params={"segment": "tourists"})
    assert 'href="/finance/cash-capacity.xlsx"' in unknown.text
    # The API's workbook takes the JSON summary's segment filter, and refuses one not on the list by its name.
    api = client.get("/api/v1/finance/cash-capacity.xlsx", params={"segment": ["businesses"]})
    assert api.status_code == 200
    assert {row["Benefit"] for row in _detail(api.content)} == {"Rework", "Post"}
    refused = client.get("/api/v1/finance/cash-capacity.xlsx", params={"segment": ["tourists"]})
    assert refused.status_code == 422
    assert [item["field"] for item in refused.json()["errors"]] == ["segment"]


def test_filters_set_aside_on_the_finance_page_are_not_asked_for_by_its_download(
    app: FastAPI, session: Session
) -> None:
    officer = make_person(session, role=Role.finance)
    browser = TestClient(
        app, raise_server_exceptions=False, cookies={SESSION_COOKIE: make_token(session, person=officer)}
    )
    # No initiative 999, and years in the wrong order: the page sets both aside, says so, and links the whole book.
    page = browser.get("/finance", params={"initiative": "999", "from": "2030-31", "to": "2026-27"})
    assert page.status_code == 422
    link = re.search(r'<a href="([^"]+)" download data-progress="finance-download">', page.text)
    assert link is not None and html.unescape(link.group(1)) == "/finance/cash-capacity.xlsx"
    assert browser.get(html.unescape(link.group(1))).status_code == 200
