"""The measure page: its XmR chart drawn as SVG and explained in words, and observations by form or CSV."""

from datetime import date
from decimal import InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep
from benefits import measures
from benefits.actors import Actor
from benefits.authz import Action, allowed
from benefits.errors import DomainError
from benefits.models.measure import ObservationIn
from web.charts import xmr_svg
from web.forms import about_the_form, typed_amount
from web.render import problems_text, render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)
MAX_CSV_BYTES = 1024 * 1024


def _measure_page(
    request: Request, session: Any, actor: Actor, measure_id: int, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    measure = measures.get_measure(session=session, measure_id=measure_id)
    chart = measures.chart(session=session, measure_id=measure_id)
    return render(request, "measure.html", {
        "actor": actor, "measure": measures.measure_view(session=session, measure=measure), "chart": chart,
        "svg": xmr_svg(chart, title=f"XmR chart of {measure.name}", unit=measure.unit),
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative,
                            initiative_id=measure.initiative_id),
        "error": error, "today": date.today().isoformat(),
    }, status_code=status_code)  # fmt: skip


@router.get("/measures/{measure_id}", response_class=HTMLResponse)
def measure_page(measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A measure's XmR chart with its signals in words, its observations, and forms to add more."""
    return _measure_page(request, session, actor, measure_id)


def _record(request: Request, session: Any, actor: Actor, measure_id: int, rows: list[ObservationIn]) -> Response:
    try:
        measures.record_observations(session=session, measure_id=measure_id, rows=rows, actor=actor)
    except DomainError as error:
        session.rollback()
        return _measure_page(request, session, actor, measure_id, problems_text(about_the_form(error)),
                             status_code=422)  # fmt: skip
    session.commit()
    return RedirectResponse(f"/measures/{measure_id}#chart", status_code=303)


@router.post("/measures/{measure_id}/observations", response_class=HTMLResponse)
def add_observation(
    measure_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    observed_on: Annotated[str, Form(max_length=10)],
    value: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record one observation (a date already recorded is replaced)."""
    check_csrf(request, csrf)
    try:
        row = ObservationIn(date=date.fromisoformat(observed_on), value=typed_amount(value), note=note)
    except (ValueError, ValidationError, InvalidOperation):
        message = "Give a date such as 2026-11-01 and a number."
        return _measure_page(request, session, actor, measure_id, message, status_code=422)
    return _record(request, session, actor, measure_id, [row])


@router.post("/measures/{measure_id}/upload", response_class=HTMLResponse)
def upload(
    measure_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record observations from a CSV file with date and value columns: all rows, or none."""
    check_csrf(request, csrf)
    content = file.file.read(MAX_CSV_BYTES + 1)
    try:
        if len(content) > MAX_CSV_BYTES:
            raise ValueError("The file is larger than 1 MiB.")
        rows = measures.parse_csv(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        message = str(error) if isinstance(error, ValueError) else "Save the file as UTF-8 CSV."
        return _measure_page(request, session, actor, measure_id, message, status_code=422)
    except DomainError as error:
        return _measure_page(request, session, actor, measure_id, problems_text(error), status_code=422)
    return _record(request, session, actor, measure_id, rows)
