"""Finance: the cash-versus-capacity summary, and budgets by cost centre and year."""

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from api.deps import MAX_ID, SIGNED_IN, ActorDep, SessionDep
from api.problems import PROBLEM_RESPONSES
from benefits import finance
from benefits.columns import YearLabel
from benefits.models.demand import ReferenceCode
from benefits.models.finance import BudgetIn, CashCapacitySummary

router = APIRouter(prefix="/api/v1/finance", tags=["finance"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)


@dataclass(frozen=True)
class SummaryFilters:
    """The cash-versus-capacity summary's filters, as the JSON summary and its workbook both take them."""

    initiative_id: int | None
    from_year: str | None
    to_year: str | None
    weighted: bool
    segments: list[str]


def summary_filters(
    initiative_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="One initiative; all when left out.")
    ] = None,
    from_year: Annotated[YearLabel | None, Query(alias="from", description="First year, e.g. 2026-27.")] = None,
    to_year: Annotated[YearLabel | None, Query(alias="to", description="Last year, e.g. 2030-31.")] = None,
    weighted: Annotated[bool, Query(description="Weight each benefit by its stage.")] = False,
    segment: Annotated[
        list[ReferenceCode],
        Query(max_length=50, description="Customer segment codes: only benefits tagged with any of them (who gains)."),
    ] = [],  # noqa: B006
) -> SummaryFilters:
    """The filters from the query."""
    return SummaryFilters(initiative_id, from_year, to_year, weighted, segment)


FiltersDep = Annotated[SummaryFilters, Depends(summary_filters)]


@router.get("/cash-capacity", response_model=CashCapacitySummary)
def cash_capacity(session: SessionDep, filters: FiltersDep) -> CashCapacitySummary:
    """Financial benefits by year, route, stage and cost centre; cash planned, confirmed and at risk; flags."""
    return finance.cash_capacity_summary_checked(session=session, **asdict(filters))


@router.get("/budgets", response_model=list[BudgetIn])
def list_budgets(session: SessionDep) -> list[BudgetIn]:
    """Every cost centre's budget by year."""
    return [
        BudgetIn(cost_centre=b.cost_centre, year=b.year, amount=b.amount) for b in finance.list_budgets(session=session)
    ]


@router.put("/budgets", response_model=list[BudgetIn])
def replace_budgets(
    budgets: Annotated[list[BudgetIn], Body(max_length=10_000)], session: SessionDep, actor: ActorDep
) -> list[BudgetIn]:
    """Replace the budgets with these lines (finance, admin)."""
    stored = finance.replace_budgets(session=session, budgets=budgets, actor=actor)
    return [BudgetIn(cost_centre=b.cost_centre, year=b.year, amount=b.amount) for b in stored]
