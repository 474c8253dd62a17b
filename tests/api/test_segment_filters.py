"""Who gains: the register and the cash-versus-capacity summary keep only the benefits tagged with the segments asked
for, page as before, and refuse a segment that is not on the list by the parameter's name."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from benefits import register
from benefits.models import Benefit
from benefits.stages import RealisationRoute, Stage
from tests.support.factories import make_benefit, make_cost_centre, make_initiative

SEGMENTS = {"residents": "Residents", "businesses": "Businesses", "landlords": "Landlords"}


def _segments(client: TestClient) -> None:
    for code, name in SEGMENTS.items():
        made = client.post("/api/v1/demand/segments", json={"code": code, "name": name})
        assert made.status_code == 201, made.text


def _tag(client: TestClient, benefit_id: int | None, *segments: str) -> None:
    tagged = client.put(f"/api/v1/demand/tags/benefits/{benefit_id}", json={"segments": list(segments)})
    assert tagged.status_code == 200, tagged.text


def _refusal(answer: Any) -> tuple[int, str, list[tuple[str, str | None]], str]:
    body = answer.json()
    pairs = [(item["code"], item["field"]) for item in body["errors"]]
    return answer.status_code, answer.headers["content-type"], pairs, body["detail"]


def test_the_register_keeps_the_benefits_tagged_with_any_segment_asked_for(
    client: TestClient, session: Session
) -> None:
    _segments(client)
    initiative = make_initiative(session)
    titles = ["Calls avoided", "Rates paid online", "Repairs booked", "Letters stopped", "Visits avoided"]
    made = {title: make_benefit(session, initiative=initiative, title=title).id for title in titles}
    other = make_initiative(session, name="Elsewhere")
    elsewhere = make_benefit(session, initiative=other, title="Elsewhere's residents")
    session.commit()
    _tag(client, made["Calls avoided"], "residents")
    _tag(client, made["Rates paid online"], "businesses")
    _tag(client, made["Repairs booked"], "residents", "landlords")
    _tag(client, made["Visits avoided"], "residents")
    _tag(client, elsewhere.id, "residents")
    url = f"/api/v1/initiatives/{initiative.id}/benefits"

    def listed(**params: Any) -> tuple[list[str], int]:
        answer = client.get(url, params=params)
        assert answer.status_code == 200, answer.text
        return [item["title"] for item in answer.json()["items"]], answer.json()["total"]

    assert listed() == (titles, 5)
    assert listed(segment="residents") == (["Calls avoided", "Repairs booked", "Visits avoided"], 3)
    assert listed(segment="businesses") == (["Rates paid online"], 1)
    # Any of two: a benefit tagged with both is listed once.
    assert listed(segment=["residents", "landlords"]) == (["Calls avoided", "Repairs booked", "Visits avoided"], 3)
    assert listed(segment=["businesses", "landlords"]) == (["Rates paid online", "Repairs booked"], 2)
    # Paging and order hold over the filtered rows; the other filters still apply beside it.
    assert listed(segment="residents", limit=2, offset=1) == (["Repairs booked", "Visits avoided"], 3)
    assert listed(segment="residents", limit=1) == (["Calls avoided"], 3)
    assert listed(segment="residents", stage="scoped") == ([], 0)
    assert listed(segment=["landlords"], stage="opportunity") == (["Repairs booked"], 1)


def test_an_unknown_segment_is_refused_naming_the_parameter_and_where_segments_are_listed(
    client: TestClient, session: Session
) -> None:
    _segments(client)
    initiative = make_initiative(session)
    session.commit()
    url = f"/api/v1/initiatives/{initiative.id}/benefits"
    status, kind, problems, detail = _refusal(client.get(url, params={"segment": ["residents", "pensioners"]}))
    assert (status, kind, problems) == (422, "application/problem+json", [("unknown_segment", "segment")])
    assert "pensioners" in detail and "/api/v1/demand/segments" in detail
    status, kind, problems, detail = _refusal(client.get("/api/v1/finance/cash-capacity", params={"segment": "x"}))
    assert (status, kind, problems) == (422, "application/problem+json", [("unknown_segment", "segment")])
    assert "/api/v1/demand/segments" in detail
    # A code no list could hold is refused by the schema, under the same parameter.
    answer = client.get(url, params={"segment": "two words"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "segment[0]"


def test_the_finance_summary_sums_only_the_tagged_benefits(client: TestClient, session: Session) -> None:
    _segments(client)
    make_cost_centre(session, code="CS1")
    initiative = make_initiative(session)
    cash = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Print", category="financial",
                        unit="GBP", route="cash", cost_centre="CS1")  # fmt: skip
    capacity = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Rework", category="financial",
                            unit="GBP", route="capacity", redeployment="Casework")  # fmt: skip
    also_cash = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Post", category="financial",
                             unit="GBP", route="cash", cost_centre="CS1")  # fmt: skip
    session.commit()
    _tag(client, cash.id, "residents")
    _tag(client, capacity.id, "businesses")
    _tag(client, also_cash.id, "landlords")

    def years(**params: Any) -> dict[str, tuple[Decimal, Decimal]]:
        answer = client.get("/api/v1/finance/cash-capacity", params=params)
        assert answer.status_code == 200, answer.text
        rows = answer.json()["years"]
        return {row["year"]: (Decimal(str(row["cash"])), Decimal(str(row["capacity"]))) for row in rows}

    def summed(*benefits: Benefit) -> dict[str, tuple[Decimal, Decimal]]:
        """Cash and capacity by year worked out from the benefits' own profiles: the actual where recorded."""
        found: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for made in benefits:
            benefit = register.get_benefit(session=session, benefit_id=made.id or 0)
            for row in benefit.profile:
                value = row.actual if row.actual is not None else row.planned or Decimal(0)
                found[row.period][0 if benefit.route == RealisationRoute.cash else 1] += value
        return {year: (cash, capacity) for year, (cash, capacity) in found.items()}

    def planned(*benefits: Benefit) -> dict[str, Decimal]:
        """Cash planned by year, from the benefits' own profiles."""
        found: dict[str, Decimal] = defaultdict(Decimal)
        for made in benefits:
            for row in register.get_benefit(session=session, benefit_id=made.id or 0).profile:
                found[row.period] += row.planned or Decimal(0)
        return found

    everything = years()
    assert everything == summed(cash, capacity, also_cash)
    assert years(segment="residents") == summed(cash)
    assert years(segment="businesses") == summed(capacity)
    assert years(segment=["residents", "businesses", "landlords"]) == everything
    # What the whole portfolio claims against a budget stays whole: the budget is shared whoever gains.
    centres = client.get("/api/v1/finance/cash-capacity", params={"segment": "residents"}).json()["by_cost_centre"]
    claims = {(row["year"], Decimal(str(row["cash_planned"])), Decimal(str(row["portfolio_cash_planned"])))
              for row in centres}  # fmt: skip
    tagged, whole = planned(cash), planned(cash, also_cash)
    assert claims == {(year, tagged[year], whole[year]) for year in whole}
