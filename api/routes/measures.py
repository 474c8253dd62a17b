"""Measures, their observations (JSON or CSV) and their XmR charts."""

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, ResourceId, SessionDep, etag
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead
from benefits import measures
from benefits.columns import Reason
from benefits.errors import InvalidInput, Problem
from benefits.models.measure import (
    MAX_REPHASES,
    AssumptionFromMeasure,
    AssumptionUpdated,
    ChartRead,
    MeasureCreate,
    MeasureRead,
    MeasureUpdate,
    ObservationIn,
    ObservationRead,
    ObservationsRecorded,
)

router = APIRouter(prefix="/api/v1/measures", tags=["measures"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)

_ROWS = TypeAdapter(list[ObservationIn])
_OBSERVATIONS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": ObservationIn.model_json_schema()}},
            "text/csv": {"schema": {"type": "string", "description": "A header row naming date and value (and note)."}},
        },
    }
}


async def observation_rows(request: Request) -> list[ObservationIn]:
    """The observations sent: a JSON list, or CSV when the body is `text/csv`."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    body = await request.body()
    if kind == "text/csv":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                "The CSV is not UTF-8 text.", [Problem("encoding_invalid", "Save the file as UTF-8.", "body")]
            ) from error
        return measures.parse_csv(text)
    try:
        return _ROWS.validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False)]
        ) from error


@router.post("", status_code=status.HTTP_201_CREATED, response_model=MeasureRead)
def create_measure(fields: MeasureCreate, session: SessionDep, actor: ActorDep, response: Response) -> MeasureRead:
    """Add a measure to an initiative: its unit, improvement direction, model node and benefits."""
    measure = measures.create_measure(session=session, fields=fields, actor=actor)
    response.headers["ETag"] = etag(measure.version)
    response.headers["Location"] = f"/api/v1/measures/{measure.id}"
    return measures.measure_view(session=session, measure=measure)


@router.get("", response_model=PageRead[MeasureRead])
def list_measures(
    session: SessionDep,
    paging: PagingDep,
    initiative_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> PageRead[MeasureRead]:
    """Measures, oldest first; `?initiative_id=` for one initiative's."""
    page = measures.list_measures(
        session=session, initiative_id=initiative_id, limit=paging.limit, offset=paging.offset
    )
    return PageRead[MeasureRead](
        items=measures.measure_views(session=session, measures=page.items),
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{measure_id}", response_model=MeasureRead)
def get_measure(measure_id: ResourceId, session: SessionDep, response: Response) -> MeasureRead:
    """Read one measure."""
    measure = measures.get_measure(session=session, measure_id=measure_id)
    response.headers["ETag"] = etag(measure.version)
    return measures.measure_view(session=session, measure=measure)


@router.patch("/{measure_id}", response_model=MeasureRead)
def update_measure(
    measure_id: ResourceId,
    changes: MeasureUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> MeasureRead:
    """Change a measure; lists sent (benefits, re-phase dates) replace the whole list."""
    measure = measures.update_measure(
        session=session, measure_id=measure_id, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(measure.version)
    return measures.measure_view(session=session, measure=measure)


@router.post("/{measure_id}/observations", response_model=ObservationsRecorded, openapi_extra=_OBSERVATIONS_BODY)
def record_observations(
    measure_id: ResourceId,
    rows: Annotated[list[ObservationIn], Depends(observation_rows)],
    session: SessionDep,
    actor: ActorDep,
    reason: Annotated[Reason | None, Query(description="Why, for the history (a correction, say).")] = None,
) -> ObservationsRecorded:
    """Record observations by date (a date sent again is replaced): all of them, or none if any row is bad."""
    return measures.record_observations(session=session, measure_id=measure_id, rows=rows, actor=actor, reason=reason)


@router.get("/{measure_id}/observations", response_model=list[ObservationRead])
def list_observations(measure_id: ResourceId, session: SessionDep) -> list[ObservationRead]:
    """Every observation of the measure, oldest first."""
    measures.get_measure(session=session, measure_id=measure_id)
    return [measures.observation_view(row) for row in measures.observations_of(session=session, measure_id=measure_id)]


@router.post("/{measure_id}/assumption", response_model=AssumptionUpdated)
def assumption_from_measure(
    measure_id: ResourceId, fields: AssumptionFromMeasure, session: SessionDep, actor: ActorDep
) -> AssumptionUpdated:
    """Set a model assumption (the measure's node by default) to the mean of the measure's last N points."""
    return measures.assumption_from_measure(session=session, measure_id=measure_id, fields=fields, actor=actor)


@router.get("/{measure_id}/chart", response_model=ChartRead)
def chart(
    measure_id: ResourceId,
    session: SessionDep,
    baseline_points: Annotated[
        int | None, Query(ge=2, le=1000, description="Fix each phase's limits from its first N points.")
    ] = None,
    rephase: Annotated[
        list[dt.date] | None, Query(max_length=MAX_REPHASES, description="Start a new phase on this date (repeat).")
    ] = None,
    screen_outliers: Annotated[
        bool | None, Query(description="Screen moving ranges at or above 3.267 x their mean.")
    ] = None,
) -> ChartRead:
    """The XmR chart: limits, centre line, signals and point types; the measure's own settings by default."""
    return measures.chart(
        session=session,
        measure_id=measure_id,
        baseline_points=baseline_points,
        rephase=rephase,
        screen_outliers=screen_outliers,
    )
