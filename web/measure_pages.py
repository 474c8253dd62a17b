"""Measure pages: add a measure to an initiative and edit it; read its XmR chart (values and moving ranges) with
the assurance reading in words; record observations by form or CSV. Every form post ends in a redirect to the
measure's page, whose status message says what was done, or shows the form again with each refusal by its field.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from api.problems import status_for
from benefits import cause_models, demand, initiatives, measures, owners, register
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.demand import DemandFilter, ReferenceList, Tagged
from benefits.errors import DomainError
from benefits.models.demand import DemandFigure, DemandMeasureIn
from benefits.models.initiative import Initiative
from benefits.models.measure import Cadence, Measure, MeasureCreate, MeasureUpdate, ObservationIn
from benefits.xmr import Direction
from web.demand_list_pages import LISTED, Picked, refusal_words, said_on_pages, segments_context, tag_segments
from web.forms import FormFields, about_the_form, field_errors, problem_fields, typed_amount
from web.render import problems_text, render, typed
from web.session import PageActor, check_csrf
from web.xmr_chart import describe_ranges, xmr_svg

router = APIRouter(include_in_schema=False)
MAX_CSV_BYTES = 1024 * 1024
MAX_COUNT_SAID = 1_000_000  # a count in the address beyond any batch: the status message ignores larger ones

DIRECTIONS = [(Direction.increase.value, "goes up"), (Direction.decrease.value, "goes down"),
              (Direction.neutral.value, "stays steady (no better direction)")]  # fmt: skip
# A measure's fields as the form offers them: (name, label, kind, choices); the model node's choices are the
# initiative's nodes, filled in per form.
MEASURE_FIELDS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("name", "Name", "text", []),
    ("unit", "Unit (what one observation counts: calls, %, hours)", "text", []),
    ("description", "Description", "textarea", []),
    ("owner", "Owner", "person", []),
    ("direction", "Better when it", "select", DIRECTIONS),
    ("cadence", "Observed", "select", [(cadence.value, cadence.value) for cadence in Cadence]),
    ("target", "Target, in the measure's unit (such as 45,000 or 12.5%)", "text", []),
    ("model_node", "Model node it evidences", "select", []),
    ("baseline_points", "Fix each phase's limits from its first N points (blank: from all its points)", "text", []),
    ("screen_outliers", "Screen out moving ranges of about 3.27 times their mean or more before setting limits",
     "checkbox", []),
    ("rephase", "Re-phase dates: each real change starts new limits (one date a line, such as 2025-04-01)",
     "textarea", []),
]  # fmt: skip
DATE_SEPARATORS = re.compile(r"[\s,;]+")
# A demand figure as a measure's monthly observation.
FED_FIGURES = {
    DemandFigure.contacts: "contacts a month",
    DemandFigure.avoidable_contacts: "avoidable contacts a month",
    DemandFigure.avoidable_share: "the avoidable share (NI14) each month, from 0 to 1",
    DemandFigure.handling_minutes: "handling minutes a month",
    DemandFigure.cost_to_serve: "cost to serve a month (£)",
}


def _number(text: str) -> Decimal:
    """A number as people type it: 45,000, £45,000 or 12.5% (a percentage measure's unit is the %)."""
    return typed_amount(text.strip().removesuffix("%"))


def _unreadable_number(text: str) -> str:
    return f"“{text.strip()}” is not a number: type one such as 45,000, £45,000 or 12.5%."


def _measure_values(measure: Measure | None, benefit_ids: list[int]) -> dict[str, Any]:
    """The form's inputs as they start: the measure's own values, or a new measure's defaults."""
    if measure is None:
        return {"direction": Direction.neutral.value, "cadence": Cadence.monthly.value, "benefit_ids": [],
                "version": ""}  # fmt: skip
    values: dict[str, Any] = {name: typed(getattr(measure, name)) for name, *_ in MEASURE_FIELDS}
    values |= {"screen_outliers": "on" if measure.screen_outliers else "", "rephase": "\n".join(measure.rephase)}
    return values | {"benefit_ids": [str(number) for number in benefit_ids], "version": str(measure.version)}


def _measure_typed(form: dict[str, str], chosen: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """What the measure form sent, as the model reads it, and each value it could not read."""
    sent: dict[str, Any] = {name: form.get(name, "").strip() for name in ("name", "unit", "direction", "cadence")}
    sent["description"] = form.get("description", "")
    sent["owner"] = form.get("owner", "").strip() or None
    errors: dict[str, str] = {}
    target = form.get("target", "").strip()
    try:
        sent["target"] = _number(target) if target else None
    except InvalidOperation:
        errors["target"] = _unreadable_number(target)
    points = form.get("baseline_points", "").strip()
    try:
        counted = _number(points) if points else None
        if counted is not None and counted != counted.to_integral_value():
            raise InvalidOperation
        sent["baseline_points"] = int(counted) if counted is not None else None
    except InvalidOperation:
        errors["baseline_points"] = f"“{points}” is not a whole number: type one such as 12, or leave it blank."
    sent["model_node"] = form.get("model_node", "").strip() or None
    sent["screen_outliers"] = bool(form.get("screen_outliers"))
    days = []
    for text in DATE_SEPARATORS.split(form.get("rephase", "").strip()):
        if not text:
            continue
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            errors["rephase"] = f"“{text}” is not a date: write each as 2025-04-01, one a line."
            break
    sent["rephase"] = days
    sent["benefit_ids"] = [int(number) for number in chosen if number.isdigit()]
    return sent, errors


def _as_typed(form: dict[str, str], chosen: list[str]) -> dict[str, Any]:
    """What was typed, kept for the form shown again."""
    kept: dict[str, Any] = {name: form.get(name, "") for name, *_ in MEASURE_FIELDS}
    return kept | {"benefit_ids": chosen, "reason": form.get("reason", ""), "version": form.get("version", "")}


async def _chosen_benefits(request: Request) -> list[str]:
    """The benefits ticked (a checkbox list sends one field a benefit)."""
    form = await request.form()
    return [value for value in form.getlist("benefit_ids") if isinstance(value, str)]


ChosenBenefits = Annotated[list[str], Depends(_chosen_benefits)]


def _measure_form(
    request: Request, session: Any, actor: Actor, initiative: Initiative, measure: Measure | None, *,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    """The form that adds a measure to the initiative, or edits `measure`."""
    initiative_id = initiative.id or 0
    benefit_ids = [] if measure is None else measures.benefit_ids_of(
        session=session, measure_ids=[measure.id or 0])[measure.id or 0]  # fmt: skip
    shown = values or _measure_values(measure, benefit_ids)
    nodes = [(node.name, f"{node.name}: {node.label}" if node.label else node.name)
             for node in cause_models.get_model(session=session, initiative_id=initiative_id).nodes]  # fmt: skip
    if shown.get("model_node") and shown["model_node"] not in {name for name, _ in nodes}:
        nodes.append((shown["model_node"], shown["model_node"]))  # kept as typed, for the refusal beside it
    fields = [(name, label, kind, [("", "none"), *nodes] if name == "model_node" else choices)
              for name, label, kind, choices in MEASURE_FIELDS]  # fmt: skip
    benefits = register.list_benefits(session=session, initiative_id=initiative_id, limit=500, offset=0).items
    return render(request, "measure_form.html", {
        "actor": actor, "initiative": initiative, "measure": measure, "fields": fields, "benefits": benefits,
        "values": shown, "errors": errors or {}, "people_names": owners.people_names(session=session),
    }, status_code=status_code)  # fmt: skip


def _done(measure_id: int, done: str, **counts: int) -> RedirectResponse:
    """Post/redirect/get: the measure's page, whose status message (chosen by `?done=`) says what was done."""
    return RedirectResponse(f"/measures/{measure_id}?{urlencode({'done': done, **counts})}#done", status_code=303)


@router.get("/initiatives/{initiative_id}/measures/new", response_class=HTMLResponse)
def new_measure(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form that adds a measure to an initiative, for those who may edit it."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return _measure_form(request, session, actor, initiative, None)


@router.post("/initiatives/{initiative_id}/measures/new", response_class=HTMLResponse)
def add_measure(
    initiative_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
    chosen: ChosenBenefits,
) -> Response:
    """Add a measure; its page then says it was added."""
    check_csrf(request, form.get("csrf", ""))
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    sent, errors = _measure_typed(form, chosen)
    if not errors:
        try:
            with undone_on_refusal(session):
                fields = MeasureCreate.model_validate({**sent, "initiative_id": initiative_id})
                made = measures.create_measure(session=session, fields=fields, actor=actor)
        except (ValidationError, DomainError) as error:
            errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
    if errors:
        return _measure_form(request, session, actor, initiative, None, values=_as_typed(form, chosen),
                             errors=errors, status_code=422)  # fmt: skip
    return _done(made.id or 0, "added")


@router.get("/measures/{measure_id}/edit", response_class=HTMLResponse)
def edit_measure_page(measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form that edits every field of a measure, its links and its chart's settings."""
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    initiative = initiatives.get_initiative(session=session, initiative_id=measure.initiative_id)
    return _measure_form(request, session, actor, initiative, measure)


@router.post("/measures/{measure_id}/edit", response_class=HTMLResponse)
def edit_measure(
    measure_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
    chosen: ChosenBenefits,
) -> Response:
    """Save the measure's fields; the reason given is kept in its history."""
    check_csrf(request, form.get("csrf", ""))
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    sent, errors = _measure_typed(form, chosen)
    version = form.get("version", "").strip()
    # The version the form was read at: a change made meanwhile by someone else is refused, not overwritten.
    expected = frozenset({int(version)}) if version.isdigit() and len(version) < 10 else None
    if not errors:
        try:
            with undone_on_refusal(session):
                changes = MeasureUpdate.model_validate({**sent, "reason": form.get("reason", "").strip() or None})
                measures.update_measure(session=session, measure_id=measure_id, changes=changes,
                                        expected_version=expected, actor=actor)  # fmt: skip
        except (ValidationError, DomainError) as error:
            errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
    if errors:
        measure = measures.get_measure(session=session, measure_id=measure_id)
        initiative = initiatives.get_initiative(session=session, initiative_id=measure.initiative_id)
        return _measure_form(request, session, actor, initiative, measure, values=_as_typed(form, chosen),
                             errors=errors, status_code=422)  # fmt: skip
    return _done(measure_id, "edited")


def _count(request: Request, name: str) -> int:
    text = request.query_params.get(name, "")
    return int(text) if text.isdigit() and int(text) <= MAX_COUNT_SAID else 0


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def done_message(request: Request) -> str:
    """What the form just posted did, said after its redirect (`?done=` names it); empty when nothing was."""
    done = request.query_params.get("done", "")
    if done == "added":
        return "Measure added. Record its observations below."
    if done == "edited":
        return "Your changes to the measure are saved."
    if done in ("fed", "refreshed"):
        added, changed = _count(request, "added"), _count(request, "changed")
        how = "Fed from the contact counts" if done == "fed" else "Refreshed from the contact counts"
        return f"{how}: {_plural(added, 'observation')} added, {_plural(changed, 'observation')} changed."
    if done == "recorded":
        added, changed = _count(request, "added"), _count(request, "changed")
        if not added and not changed:
            return "Nothing changed: each observation was already recorded with that value and note."
        said = [f"{_plural(added, 'observation')} added" if added else "",
                f"{_plural(changed, 'observation')} changed" if changed else ""]  # fmt: skip
        return " and ".join(part for part in said if part).capitalize() + "."
    return ""


def _demand_feed(session: Any, measure_id: int, sent: dict[str, Any] | None) -> dict[str, Any]:
    """What the measure page shows of its feed from the contact counts: the feed kept, and the form's choices."""
    feed = demand.measure_feed(session=session, measure_id=measure_id)
    lists = {kind.value: demand.list_references(session=session, kind=kind)
             for kind in (ReferenceList.services, ReferenceList.channels, ReferenceList.segments)}  # fmt: skip
    names = {kind: {entry.code: entry.name for entry in entries} for kind, entries in lists.items()}
    over = ""
    if feed is not None:
        chosen = {"services": feed.services, "channels": feed.channels, "segments": feed.segments}
        over = "; ".join(f"{kind} {', '.join(names[kind].get(code, code) for code in codes)}"
                         for kind, codes in chosen.items() if codes) or "every service and channel"  # fmt: skip
    start = {"figure": feed.figure.value if feed else "", **({name: list(getattr(feed, name)) for name in LISTED}
                                                              if feed else {name: [] for name in LISTED})}  # fmt: skip
    return {"feed": feed, "feed_over": over, "feed_lists": lists, "feed_names": names, "feed_figures": FED_FIGURES,
            "feed_sent": sent or start}  # fmt: skip


def _measure_page(
    request: Request, session: Any, actor: Actor, measure_id: int, error: str | None = None, status_code: int = 200,
    *, errors: dict[str, str] | None = None, sent: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    measure = measures.get_measure(session=session, measure_id=measure_id)
    chart = measures.chart(session=session, measure_id=measure_id)
    errors = errors or {}
    return render(request, "measure.html", {
        **segments_context(session, Tagged.measures, measure_id, chosen=(sent or {}).get("tagged"),
                           error=errors.get("segments")),
        **_demand_feed(session, measure_id, sent if "figure" in (sent or {}) else None), "errors": errors,
        "actor": actor, "measure": measures.measure_view(session=session, measure=measure), "chart": chart,
        "svg": xmr_svg(chart, title=f"XmR chart of {measure.name}", unit=measure.unit),
        "ranges": describe_ranges(chart, unit=measure.unit), "figure": measures.figure,
        "may_edit": allowed(session=session, actor=actor, action=Action.edit_initiative,
                            initiative_id=measure.initiative_id),
        "error": error, "today": date.today().isoformat(),
        "done": "" if error or errors else done_message(request),
    }, status_code=status_code)  # fmt: skip


@router.get("/measures/{measure_id}", response_class=HTMLResponse)
def measure_page(measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A measure's XmR chart with its signals and assurance in words, its observations, and forms to add more."""
    return _measure_page(request, session, actor, measure_id)


def _record(request: Request, session: Any, actor: Actor, measure_id: int, rows: list[ObservationIn]) -> Response:
    try:
        with undone_on_refusal(session):
            recorded = measures.record_observations(session=session, measure_id=measure_id, rows=rows, actor=actor)
    except DomainError as error:
        return _measure_page(request, session, actor, measure_id, problems_text(about_the_form(error)),
                             status_code=422)  # fmt: skip
    return _done(measure_id, "recorded", added=recorded.added, changed=recorded.changed)


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
        row = ObservationIn(date=date.fromisoformat(observed_on), value=_number(value), note=note)
    except (ValueError, ValidationError, InvalidOperation):
        message = "Give a date such as 2026-11-01 and a number such as 42,100."
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
            raise ValueError("The file is larger than 1 MiB: split it into smaller files.")
        rows = measures.parse_csv(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        message = str(error) if isinstance(error, ValueError) else "Save the file as UTF-8 CSV."
        return _measure_page(request, session, actor, measure_id, message, status_code=422)
    except DomainError as error:
        return _measure_page(request, session, actor, measure_id, problems_text(error), status_code=422)
    return _record(request, session, actor, measure_id, rows)


@router.post("/measures/{measure_id}/segments", response_class=HTMLResponse)
def tag_measure(
    measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields, picked: Picked
) -> Response:
    """Say which customer segments the measure is about (the ticks replace those kept); kept in its history."""
    check_csrf(request, form.get("csrf", ""))
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    refused, status = tag_segments(session, actor, Tagged.measures, measure_id, picked["segments"])
    if refused is not None:
        return _measure_page(request, session, actor, measure_id, status_code=status, errors={"segments": refused},
                             sent={"tagged": picked["segments"]})  # fmt: skip
    return RedirectResponse(f"/measures/{measure_id}?done=segments#who-gains", status_code=303)


@router.post("/measures/{measure_id}/demand", response_class=HTMLResponse)
def feed_measure(
    measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields, picked: Picked
) -> Response:
    """Feed the measure from the contact counts: its observations become the figure chosen, month by month."""
    check_csrf(request, form.get("csrf", ""))
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    sent: dict[str, Any] = {"figure": form.get("figure", "").strip(), **picked}
    try:
        fields = DemandMeasureIn.model_validate({name: value for name, value in sent.items() if value != ""})
        where = DemandFilter(services=tuple(fields.services), channels=tuple(fields.channels),
                             segments=tuple(fields.segments))  # fmt: skip
        with undone_on_refusal(session):
            recorded = demand.feed_measure(session=session, measure_id=measure_id, figure=fields.figure, where=where,
                                           actor=actor)  # fmt: skip
    except ValidationError as error:
        errors = {f"feed_{name}" if name in LISTED else name: text for name, text in field_errors(error).items()}
        if "figure" in errors:
            errors["figure"] = "Choose the demand figure that feeds the measure."
        return _measure_page(request, session, actor, measure_id, status_code=422, errors=errors, sent=sent)
    except DomainError as error:
        about_the_form(error)
        # The lists' errors are the feed's own: the segments form beside it has a `segments` of its own.
        errors = {f"feed_{name}" if name in LISTED else "figure": text for name, text in said_on_pages(error).items()}
        return _measure_page(request, session, actor, measure_id, status_code=status_for(error), errors=errors,
                             sent=sent)  # fmt: skip
    return _done(measure_id, "fed", added=recorded.added, changed=recorded.changed)


@router.post("/measures/{measure_id}/demand/refresh", response_class=HTMLResponse)
def refresh_measure(
    measure_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Record the demand-fed measure's observations again from the counts as they stand."""
    check_csrf(request, form.get("csrf", ""))
    measure = measures.get_measure(session=session, measure_id=measure_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=measure.initiative_id)
    try:
        with undone_on_refusal(session):
            recorded = demand.refresh_measure(session=session, measure_id=measure_id, actor=actor)
    except DomainError as error:
        return _measure_page(request, session, actor, measure_id, status_code=status_for(error),
                             errors={"refresh": refusal_words(error)})  # fmt: skip
    return _done(measure_id, "refreshed", added=recorded.added, changed=recorded.changed)
