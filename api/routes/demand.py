"""Demand: the reference lists, contact counts (a JSON list or an uploaded export), cost per contact, and what the
counts say (the avoidable share, channel mix, cost to serve), with each figure's monthly XmR chart."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Path, Query, Response, UploadFile, status

from api.deps import SIGNED_IN, ActorDep, PagingDep, ResourceId, SessionDep, bearer_token
from api.methods import not_an_id
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import demand
from benefits.columns import Day
from benefits.demand import DemandFilter, ReferenceList, Tagged
from benefits.demand_import import MAX_CSV_BYTES, ContactSheet, load_contacts, read_contacts, sheet_of
from benefits.demand_lists_import import MAX_LIST_BYTES, ReferencesImported, import_reference_list
from benefits.models.demand import (
    ChannelCostIn,
    ChannelCostRead,
    ChannelCostsRead,
    ContactIn,
    ContactRead,
    ContactsLoaded,
    DemandAssumptionIn,
    DemandAssumptionRead,
    DemandFigure,
    DemandMeasureIn,
    DemandSeries,
    DemandSummary,
    DemandTypeCreate,
    DemandTypeUpdate,
    ReferenceCode,
    ReferenceCreate,
    ReferenceRead,
    ReferenceUpdate,
    SegmentTags,
    TaggedIds,
)
from benefits.models.measure import ObservationsRecorded

# Each route names SIGNED_IN itself: a router-wide one would open the request's transaction before an upload is read.
router = APIRouter(prefix="/api/v1/demand", tags=["demand"], responses=PROBLEM_RESPONSES)

CodePath = Annotated[str, Path(min_length=1, max_length=40, description="The entry's code, in any case.")]


def demand_filter(
    service: Annotated[list[ReferenceCode], Query(max_length=200, description="Service codes; none: all.")] = [],  # noqa: B006
    channel: Annotated[list[ReferenceCode], Query(max_length=50, description="Channel codes; none: all.")] = [],  # noqa: B006
    segment: Annotated[list[ReferenceCode], Query(max_length=50, description="Segment codes; none: all.")] = [],  # noqa: B006
    from_month: Annotated[Day | None, Query(alias="from", description="The first month, by any day in it.")] = None,
    to_month: Annotated[Day | None, Query(alias="to", description="The last month, by any day in it.")] = None,
) -> DemandFilter:
    """Which counts a figure is over."""
    return DemandFilter(
        services=tuple(service),
        channels=tuple(channel),
        segments=tuple(segment),
        from_month=from_month,
        to_month=to_month,
    )


FilterDep = Annotated[DemandFilter, Depends(demand_filter)]


@router.get("/summary", response_model=DemandSummary, dependencies=SIGNED_IN)
def demand_summary(session: SessionDep, where: FilterDep) -> DemandSummary:
    """Volumes, the avoidable share (NI14, its definition beside it), handling time, channel mix and cost to serve."""
    return demand.summary(session=session, where=where)


@router.get("/series", response_model=DemandSeries, dependencies=SIGNED_IN)
def demand_series(
    session: SessionDep,
    where: FilterDep,
    figure: Annotated[DemandFigure, Query(description="Which figure, month by month.")],
    rephase: Annotated[list[Day], Query(max_length=50, description="Days that start a new phase.")] = [],  # noqa: B006
    baseline_points: Annotated[
        int | None, Query(ge=2, le=1000, description="Fix each phase's limits from its first N months.")
    ] = None,
) -> DemandSeries:
    """A figure month by month with its XmR chart, so a redesign's effect shows as a signal."""
    return demand.series_view(
        session=session, figure=figure, where=where, rephase=rephase, baseline_points=baseline_points
    )


@router.get("/contacts", response_model=PageRead[ContactRead], dependencies=SIGNED_IN)
def list_contacts(session: SessionDep, where: FilterDep, paging: PagingDep) -> PageRead[ContactRead]:
    """List the contact counts under the filter, by period, service, channel and type."""
    page = demand.list_contacts(session=session, where=where, limit=paging.limit, offset=paging.offset)
    return page_read(page, lambda row: row)


@router.post("/contacts", response_model=ContactsLoaded, dependencies=SIGNED_IN)
def add_contacts(rows: list[ContactIn], session: SessionDep, actor: ActorDep) -> ContactsLoaded:
    """Load contact counts: every row, or none and each bad one named; the same keys again replace the counts."""
    return load_contacts(session=session, sheet=sheet_of(rows), actor=actor, api=True)


def uploaded_contacts(
    _token: Annotated[str, Depends(bearer_token)],
    file: Annotated[
        UploadFile,
        File(description="CSV or .xlsx: Period, Service, Channel, Type, Count (and Grain, Segment, Handling minutes)."),
    ],
) -> ContactSheet:
    """The uploaded export, read before the request's session is asked for (reading may take a while)."""
    return read_contacts(file.file.read(MAX_CSV_BYTES + 1), file_name=file.filename)


@router.post("/contacts/import", response_model=ContactsLoaded)
def import_contacts(
    sheet: Annotated[ContactSheet, Depends(uploaded_contacts)], session: SessionDep, actor: ActorDep
) -> ContactsLoaded:
    """Load a contact centre's export: every row, or none and each bad cell named by row and column."""
    return load_contacts(session=session, sheet=sheet, actor=actor)


@router.get("/costs", response_model=ChannelCostsRead, dependencies=SIGNED_IN)
def channel_costs(session: SessionDep) -> ChannelCostsRead:
    """The costs per contact kept by channel, with published figures offered beside them (each with its citation)."""
    return demand.costs_view(session=session)


@router.post("/costs", response_model=ChannelCostRead, dependencies=SIGNED_IN)
def set_channel_cost(fields: ChannelCostIn, session: SessionDep, actor: ActorDep) -> ChannelCostRead:
    """Keep a channel's cost per contact from a date, with its source; the same channel and date is replaced."""
    return demand.set_channel_cost(session=session, fields=fields, actor=actor)


@router.put("/measures/{measure_id}", response_model=ObservationsRecorded, dependencies=SIGNED_IN)
def feed_measure(
    measure_id: ResourceId, fields: DemandMeasureIn, session: SessionDep, actor: ActorDep
) -> ObservationsRecorded:
    """Feed a measure from the contact counts: its observations become the figure's monthly series."""
    where = DemandFilter(
        services=tuple(fields.services), channels=tuple(fields.channels), segments=tuple(fields.segments)
    )
    return demand.feed_measure(session=session, measure_id=measure_id, figure=fields.figure, where=where, actor=actor)


@router.post("/measures/{measure_id}/refresh", response_model=ObservationsRecorded, dependencies=SIGNED_IN)
def refresh_measure(measure_id: ResourceId, session: SessionDep, actor: ActorDep) -> ObservationsRecorded:
    """Record a demand-fed measure's observations again from the counts as they stand."""
    return demand.refresh_measure(session=session, measure_id=measure_id, actor=actor)


@router.get("/assumptions/{initiative_id}", response_model=list[DemandAssumptionRead], dependencies=SIGNED_IN)
def list_bound_assumptions(initiative_id: ResourceId, session: SessionDep) -> list[DemandAssumptionRead]:
    """The initiative's model assumptions bound to demand figures, with the value each figure now takes."""
    found = demand.bindings(session=session, initiative_id=initiative_id)
    return [demand.binding_view(session=session, binding=binding) for binding in found]


@router.put("/assumptions/{initiative_id}", response_model=DemandAssumptionRead, dependencies=SIGNED_IN)
def bind_assumption(
    initiative_id: ResourceId, fields: DemandAssumptionIn, session: SessionDep, actor: ActorDep
) -> DemandAssumptionRead:
    """Bind a model assumption to a demand figure and set it from the counts (kept in the model's history)."""
    return demand.bind_assumption(session=session, initiative_id=initiative_id, fields=fields, actor=actor)


@router.post("/assumptions/{initiative_id}/refresh", response_model=list[DemandAssumptionRead], dependencies=SIGNED_IN)
def refresh_assumptions(initiative_id: ResourceId, session: SessionDep, actor: ActorDep) -> list[DemandAssumptionRead]:
    """Set every bound assumption of the initiative from the counts as they stand; the benefits it values follow."""
    return demand.refresh_assumptions(session=session, initiative_id=initiative_id, actor=actor)


@router.get("/tags/{target}", response_model=TaggedIds, dependencies=SIGNED_IN)
def tagged_with(
    target: Tagged,
    session: SessionDep,
    segment: Annotated[list[ReferenceCode], Query(min_length=1, max_length=50, description="Segment codes.")],
) -> TaggedIds:
    """The benefits (or measures) tagged with any of the segments: who gains."""
    return TaggedIds(ids=demand.tagged_with(session=session, target=target, segments=segment))


@router.get("/tags/{target}/{target_id}", response_model=SegmentTags, dependencies=SIGNED_IN)
def segments_of(target: Tagged, target_id: ResourceId, session: SessionDep) -> SegmentTags:
    """The customer segments a benefit (who gains) or a measure is tagged with."""
    return SegmentTags(segments=demand.segments_of(session=session, target=target, target_id=target_id))


@router.put("/tags/{target}/{target_id}", response_model=SegmentTags, dependencies=SIGNED_IN)
def tag(
    target: Tagged, target_id: ResourceId, fields: SegmentTags, session: SessionDep, actor: ActorDep
) -> SegmentTags:
    """Tag a benefit or measure with customer segments; the list sent replaces the one kept."""
    kept = demand.tag(session=session, target=target, target_id=target_id, segments=fields.segments, actor=actor)
    return SegmentTags(segments=kept)


@dataclass(frozen=True)
class ListFile:
    """An uploaded list file as bytes, with the name it was sent under."""

    data: bytes
    name: str | None


def uploaded_list(
    _token: Annotated[str, Depends(bearer_token)],
    file: Annotated[
        UploadFile,
        File(description="CSV or .xlsx with the headings Code and Name (and Avoidable, yes or no, for demand types)."),
    ],
) -> ListFile:
    """The uploaded list, read before the request's session is asked for; a file over the bound is refused as 413."""
    data = file.file.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise HTTPException(413, f"A list file is at most {MAX_LIST_BYTES >> 20} MiB: split it.")
    return ListFile(data, file.filename)


def _reference_routes(kind: ReferenceList, create: type[ReferenceCreate], update: type[ReferenceUpdate]) -> None:
    """The routes of one reference list: list, add, read, change and take off, each named for its list."""
    one = demand.ONE[kind].replace(" ", "_")
    path = f"/{kind.value}"

    def list_entries(session: SessionDep) -> list[ReferenceRead]:
        return [demand.reference_view(entry) for entry in demand.list_references(session=session, kind=kind)]

    def create_entry(fields: create, session: SessionDep, actor: ActorDep, response: Response) -> ReferenceRead:  # type: ignore[valid-type]
        entry = demand.create_reference(session=session, kind=kind, fields=fields, actor=actor)
        response.headers["Location"] = f"{router.prefix}{path}/{entry.code}"
        return demand.reference_view(entry)

    def get_entry(code: CodePath, session: SessionDep) -> ReferenceRead:
        return demand.reference_view(demand.get_reference(session=session, kind=kind, code=code))

    def update_entry(code: CodePath, changes: update, session: SessionDep, actor: ActorDep) -> ReferenceRead:  # type: ignore[valid-type]
        changed = demand.update_reference(session=session, kind=kind, code=code, changes=changes, actor=actor)
        return demand.reference_view(changed)

    def delete_entry(code: CodePath, session: SessionDep, actor: ActorDep) -> Response:
        demand.delete_reference(session=session, kind=kind, code=code, actor=actor)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    def import_entries(
        upload: Annotated[ListFile, Depends(uploaded_list)], session: SessionDep, actor: ActorDep
    ) -> ReferencesImported:
        return import_reference_list(session=session, kind=kind, data=upload.data, actor=actor, file_name=upload.name)

    words = kind.value.replace("-", " ")
    routes = (
        ("GET", path, list_entries, f"list_{one}s", f"List the {words} by name.", 200, list[ReferenceRead]),
        (
            "POST",
            path,
            create_entry,
            f"create_{one}",
            f"Add to the {words}; code and name both new.",
            201,
            ReferenceRead,
        ),
        ("GET", path + "/{code}", get_entry, f"get_{one}", f"Read one of the {words} by its code.", 200, ReferenceRead),
        (
            "PATCH",
            path + "/{code}",
            update_entry,
            f"update_{one}",
            f"Change one of the {words}; its code stays.",
            200,
            ReferenceRead,
        ),
        (
            "DELETE",
            path + "/{code}",
            delete_entry,
            f"delete_{one}",
            f"Take one of the {words} off its list; refused while contact counts name it.",
            204,
            None,
        ),
    )
    headings = "Code, Name, Avoidable" if kind is ReferenceList.demand_types else "Code, Name"
    # Before the entry's own routes: GET /services/import is a method the upload does not allow, not a service
    # coded "import" (the import refuses that code). No router-wide sign-in check, since that would open the
    # request's transaction before the upload is read.
    not_an_id(router, path + "/import", ("GET", "PATCH", "DELETE"))
    router.add_api_route(
        path + "/import",
        import_entries,
        methods=["POST"],
        name=f"import_{one}s",
        description=(
            f"Load the {words} from a CSV file or workbook ({headings}): a listed code takes the file's name, a new "
            "one is added; every row, or none and each bad cell named by row and column."
        ),
        response_model=ReferencesImported,
    )
    for method, route_path, handler, name, summary, code, model in routes:
        router.add_api_route(
            route_path,
            handler,
            methods=[method],
            name=name,
            description=summary,
            status_code=code,
            response_model=model,
            dependencies=SIGNED_IN,
        )


for _kind in ReferenceList:
    if _kind is ReferenceList.demand_types:
        _reference_routes(_kind, DemandTypeCreate, DemandTypeUpdate)
    else:
        _reference_routes(_kind, ReferenceCreate, ReferenceUpdate)
