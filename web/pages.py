"""The pages: sign in and out, and the portfolio dashboard. Thin handlers over the domain, as the API's are."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, UnitsOfWorkDep
from benefits import demand, people, portfolio, register, sso, status
from benefits.authz import Action, allowed
from benefits.errors import InvalidInput, Unauthenticated
from benefits.portfolio import OverviewColumn, OverviewQuery, SortOrder
from web import (
    account_pages,
    appraisal_pages,
    benefit_pages,
    budget_pages,
    cost_centre_pages,
    demand_pages,
    finance_pages,
    import_pages,
    initiative_forms,
    initiative_pages,
    measure_pages,
    model_pages,
    people_pages,
    review_pages,
    sso_pages,
    work_pages,
)
from web.render import render
from web.session import (
    PageActor,
    check_csrf,
    end_session,
    signed_in_actor,
    start_session,
)
from web.session import safe_next as _safe_next

router = APIRouter(include_in_schema=False)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in page: the organisation's sign-in where it is set up, and the password form while passwords are on."""
    context = {"next": _safe_next(next), "error": None, "login": ""}
    return render(request, "sign_in.html", context | sso_pages.sign_in_choices(next_path=_safe_next(next)))


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    units: UnitsOfWorkDep,
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Sign in with name or e-mail and password; a session cookie keeps it."""
    check_csrf(request, csrf)
    limits = people.sign_in_limits()
    address = request.client.host if request.client else "unknown"
    form = {"next": _safe_next(next), "login": login}
    with units.standing() as refusing:  # a refusal is kept in the audit trail
        refused = people.local_password_refusal(session=refusing, login=login)
    if refused is not None:
        choices = sso_pages.sign_in_choices(next_path=form["next"], break_glass=True)
        return render(request, "sign_in.html", form | choices | {"error": refused.detail}, status_code=403)
    form |= sso_pages.sign_in_choices(next_path=form["next"], break_glass=True)
    # The attempt counts, in a unit of work of its own, before the slow password check.
    with units.standing() as counting:
        pending = people.start_sign_in(session=counting, login=login, address=address, limits=limits)
    if pending.throttled is not None:
        return render(request, "sign_in.html", form | {"error": pending.throttled.detail}, status_code=429)
    matched = people.password_matches(pending, password)
    try:
        issued = people.finish_sign_in(
            session=session, pending=pending, password=password, matched=matched, expires_in_days=1
        )
    except Unauthenticated as error:  # nothing to undo: the attempt already stands as failed
        return render(request, "sign_in.html", form | {"error": error.detail}, status_code=401)
    response = RedirectResponse(form["next"], status_code=303)
    start_session(request, response, issued.token)
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, session: SessionDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> RedirectResponse:
    """Sign out: the session's token is revoked."""
    check_csrf(request, csrf)
    actor = signed_in_actor(session, request)
    token = request.cookies.get("benefits_session")
    if actor is not None and token:
        people.sign_out(session=session, token=token, actor=actor)
    # With single sign-on, the page after offers the organisation's own sign-out too.
    response = RedirectResponse("/sign-in/signed-out" if sso.enabled() else "/sign-in", status_code=303)
    end_session(response)
    return response


# The dashboard's sortable columns: label, whether it holds figures (the first click sorts those largest first).
COLUMNS = [(OverviewColumn.name, "Initiative", False), (OverviewColumn.owner, "Owner", False),
           (OverviewColumn.economic_npv, "Economic NPV", True), (OverviewColumn.financial_npv, "Financial NPV", True),
           (OverviewColumn.cash_this_year, "Cash this year", True),
           (OverviewColumn.capacity_this_year, "Capacity this year", True),
           (OverviewColumn.cash_at_risk, "Cash at risk", True),
           (OverviewColumn.signals, "Measures signalling", True)]  # fmt: skip
# A sort or filter the page cannot take (an address edited by hand, an old bookmark) is said, then set aside.
QUERY_PROBLEMS = {
    "sort": "There is no such column to sort by, so the initiatives are sorted by name.",
    "order": "The order is asc (ascending) or desc (descending), so it is ascending.",
    "owner": "An owner's name has at most 200 characters, so initiatives of any owner are shown.",
    "q": "A search has at most 200 characters, so it is not applied.",
    "cash_at_risk": "“Only with cash at risk” is 1 (on) or left out (off), so it is off.",
    "signals": "“Only with signals” is 1 (on) or left out (off), so it is off.",
    "page": "A page is a whole number from 1, so the first page is shown.",
    "segment": "A segment's code has at most 40 characters, so the benefits of every segment are counted.",
}


def _overview_query(request: Request) -> tuple[OverviewQuery, list[str]]:
    """The sort and filters the address asks for, each one it cannot take set aside with a message."""
    given = {name: value for name, value in request.query_params.items() if name in QUERY_PROBLEMS and value}
    try:
        return OverviewQuery.model_validate(given), []
    except ValidationError as error:
        refused = {str(problem["loc"][0]) for problem in error.errors()}
        kept = {name: value for name, value in given.items() if name not in refused}
        return OverviewQuery.model_validate(kept), [text for name, text in QUERY_PROBLEMS.items() if name in refused]


def _listed_segment(session: SessionDep, query: OverviewQuery, problems: list[str]) -> OverviewQuery:
    """The query with its segment, if the list holds it; one it does not is said, then set aside."""
    if not query.segment.strip():
        return query.model_copy(update={"segment": ""})
    try:
        register.segment_ids(session=session, codes=[query.segment])
    except InvalidInput:
        problems.append(
            f"There is no customer segment “{query.segment}”, so the benefits of every segment are counted: "
            "choose one under “Who gains”, or add it to the demand page's customer segments first."
        )
        return query.model_copy(update={"segment": ""})
    # As the list keeps codes, so the choice shows and the links carry it as listed.
    return query.model_copy(update={"segment": query.segment.strip().lower()})


def _segments(session: SessionDep) -> list[tuple[str, str]]:
    """The customer segments to choose who gains from: code and name, by name."""
    return [(entry.code, entry.name)
            for entry in demand.list_references(session=session, kind=demand.ReferenceList.segments)]  # fmt: skip


def _filters(query: OverviewQuery) -> dict[str, str]:
    """The query's filters as an address keeps them (those left blank left out)."""
    filters = {"owner": query.owner, "q": query.q, "cash_at_risk": "1" if query.cash_at_risk else "",
               "signals": "1" if query.signals else "", "segment": query.segment}  # fmt: skip
    return {name: value for name, value in filters.items() if value}


def _sort_links(query: OverviewQuery) -> dict[str, str]:
    """Each column heading's address: sorted by it (the other way when it is the sorted one), filters kept."""
    kept = _filters(query)
    links = {}
    for column, _, figures in COLUMNS:
        if column is query.sort:
            order = SortOrder.descending if query.order is SortOrder.ascending else SortOrder.ascending
        else:
            order = SortOrder.descending if figures else SortOrder.ascending
        links[column.value] = "/?" + urlencode(kept | {"sort": column.value, "order": order.value})
    return links


def _page_links(query: OverviewQuery, shown: portfolio.OverviewPage) -> list[tuple[int, str]]:
    """The pages to offer (the first, the last, and two either side of this one), each with its address."""
    kept = _filters(query) | {"sort": query.sort.value, "order": query.order.value}
    near = {1, shown.pages, *range(shown.page - 2, shown.page + 3)}
    return [(number, "/?" + urlencode(kept | {"page": str(number)}))
            for number in sorted(near) if 1 <= number <= shown.pages]  # fmt: skip


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """The portfolio, a page at a time: each initiative's funnel, NPVs, cash and capacity, cash at risk and
    signals; sortable and filtered; the totals of all it chose on request (htmx fetches them by itself)."""
    # With htmx, the sort and page links and the filter form ask for the table alone.
    query, problems = _overview_query(request)
    query = _listed_segment(session, query, problems)
    shown = portfolio.overview_page(session=session, query=query)
    wants_totals = request.query_params.get("totals") == "1"
    segments = _segments(session)
    context = {
        "segments": segments, "segment_name": dict(segments).get(query.segment),
        "actor": actor, "shown": shown, "initiatives": shown.initiatives, "query": query, "columns": COLUMNS,
        "sort_links": _sort_links(query), "page_links": _page_links(query, shown), "problems": problems,
        "totals": portfolio.portfolio_totals(session=session, query=query) if wants_totals else None,
        "totals_link": "/portfolio/totals?" + urlencode(_filters(query)),
        "show_totals": "/?" + urlencode(_filters(query) | {"sort": query.sort.value, "order": query.order.value,
                                                           "page": str(shown.page), "totals": "1"}) + "#totals",
        # The filter form changed what is chosen, so the totals shown beside the table are fetched anew.
        "refresh_totals": request.headers.get("HX-Trigger") == "filters",
        "may_create": allowed(session=session, actor=actor, action=Action.create_initiative),
        # Each shown initiative's live benefits by RAG status (the page's initiatives only, as the rest are).
        "rag_counts": status.status_counts(session=session, initiative_ids=[item.id for item in shown.initiatives]),
    }  # fmt: skip
    return render(request, "dashboard.html", context, status_code=422 if problems else 200, block="table")


@router.get("/portfolio/totals", response_class=HTMLResponse)
def dashboard_totals(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """The totals of every initiative the dashboard's filters choose (the part of the page htmx fetches apart)."""
    query, problems = _overview_query(request)
    query = _listed_segment(session, query, problems)
    totals = portfolio.portfolio_totals(session=session, query=query)
    segment_name = dict(_segments(session)).get(query.segment)
    return render(request, "_portfolio_totals.html", {"totals": totals, "segment_name": segment_name})


def page_routes(app: FastAPI) -> APIRouter:
    """Every page's routes, in the order they are matched, taking `app`'s dependency overrides as its own do."""
    pages = APIRouter(include_in_schema=False, dependency_overrides_provider=app)
    for each in (
        router,
        account_pages.router,
        initiative_forms.router,
        initiative_pages.router,
        import_pages.router,
        benefit_pages.router,
        finance_pages.router,
        budget_pages.router,
        review_pages.router,
        work_pages.router,
        cost_centre_pages.router,
        measure_pages.router,
        model_pages.router,
        appraisal_pages.router,
        people_pages.router,
        sso_pages.router,
        demand_pages.router,
    ):
        pages.include_router(each)
    return pages
