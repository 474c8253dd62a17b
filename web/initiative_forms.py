"""Forms that start the record: create, edit and delete an initiative; add, edit, withdraw and delete a benefit;
and the profile grid. Thin handlers: parse what was typed, call the domain, then redirect (post/redirect/get) to
a page whose `role="status"` message (chosen by `?done=`) says what happened, or show the form again with each
refusal beside its field and everything typed kept.
"""

from contextlib import suppress
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import cost_centres, initiatives, owners, people, register
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.errors import DomainError
from benefits.models import BenefitCreate, BenefitUpdate, InitiativeCreate, InitiativeUpdate, ProfileEntryIn
from benefits.models.benefit import Benefit
from benefits.models.initiative import Initiative, ScheduleKey
from benefits.periods import Granularity, Period, financial_year_of, parse_period
from benefits.stages import Confidence, RealisationRoute
from web.forms import (
    FormFields,
    about_the_form,
    checked_reason,
    field_errors,
    problem_fields,
    redirect_done,
    typed_amount,
)
from web.render import render, typed
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
# An initiative's fields as the form offers them: (name, label, kind, choices).
INITIATIVE_FIELDS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("name", "Name", "text", []),
    ("description", "Description", "textarea", []),
    ("sponsor", "Sponsor", "person", []),
    ("start_date", "Start date", "date", []),
    ("end_date", "End date", "date", []),
    ("fy_start_month", "Financial year starts in", "select",
     [(str(number), month) for number, month in enumerate(MONTHS, start=1)]),
    ("base_year", "Base year of the appraisal (year 0, e.g. 2026-27)", "text", []),
    ("granularity", "Profiles by", "select", [("year", "financial year"), ("quarter", "quarter")]),
    ("discount_schedule", "Discount schedule", "select",
     [("", "the portfolio's default")] + [(key.value, key.value.replace("_", " ")) for key in ScheduleKey]),
    ("discount_rate", "Flat discount rate (for a flat schedule, such as 3.5%)", "text", []),
]  # fmt: skip
# A benefit's fields as the forms offer them (labels unlike the details form's, so each names one input).
BENEFIT_FIELDS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("title", "Title", "text", []),
    ("description", "Description", "textarea", []),
    ("owner", "Benefit owner", "person", []),
    ("beneficiary", "Beneficiary (who gains)", "text", []),
    ("category", "Kind of benefit", "select",
     [("", "not decided"), ("financial", "financial"), ("non_financial", "non-financial")]),
    ("quantified", "Quantified (measured in numbers)", "checkbox", []),
    ("unit", "Unit of measure (GBP for money; calls, %, hours)", "text", []),
    ("measured_as", "Values are", "select",
     [("change", "a change (summed over periods)"), ("level", "a level (never summed)")]),
    ("is_disbenefit", "A dis-benefit (a harm, entered as a positive size)", "checkbox", []),
    ("route", "How it is realised (financial benefits)", "select",
     [("", "not said")] + [(route.value, route.value) for route in RealisationRoute]),
    ("cost_centre", "Budget that falls (cash route: a listed cost centre)", "list", []),
    ("redeployment", "Where freed capacity goes (capacity route)", "text", []),
    ("model_node", "Model node that values it", "text", []),
    ("estimate_low", "Low estimate", "text", []),
    ("estimate_likely", "Most likely estimate", "text", []),
    ("estimate_high", "High estimate", "text", []),
    ("baseline_value", "Starting value", "text", []),
    ("baseline_date", "Date of the starting value", "date", []),
    ("target_value", "Target value", "text", []),
    ("target_date", "Date the target is due", "date", []),
    ("confidence", "How confident", "select",
     [("", "not said")] + [(level.value, level.value) for level in Confidence]),
    ("evidence", "Evidence for the figures", "textarea", []),
]  # fmt: skip
AMOUNTS = {"estimate_low", "estimate_likely", "estimate_high", "baseline_value", "target_value"}
CHECKBOXES = {"quantified", "is_disbenefit"}
NEVER_BLANK = {"title", "description", "evidence", "measured_as", "quantified", "is_disbenefit"}
GRID_YEARS = 5  # the base year and the four after it
BLANK_ROWS = 3


def _unreadable(text: str) -> str:
    return f"“{text.strip()}” is not an amount: type a number, such as 45,000."


_done = redirect_done  # every form here ends on the page that says what it did


# --- initiatives ---------------------------------------------------------------------------------------------


def _initiative_values(initiative: Initiative | None) -> dict[str, str]:
    if initiative is None:
        return {"fy_start_month": "4", "granularity": "year", "owner_id": ""}
    shown = {name: typed(getattr(initiative, name)) for name, *_ in INITIATIVE_FIELDS}
    return shown | {"owner_id": typed(initiative.owner_id)}


def _initiative_typed(form: dict[str, str]) -> dict[str, Any]:
    """What the initiative form sent, as the model reads it: a blank optional field is unset (None)."""
    sent: dict[str, Any] = {}
    for name, *_ in INITIATIVE_FIELDS:
        value = form.get(name, "").strip()
        if name == "discount_rate" and value.endswith("%"):
            with suppress(InvalidOperation):  # left as typed, for the model to refuse beside the field
                value = str(typed_amount(value.rstrip("%")) / 100)
        sent[name] = value if value or name in ("name", "description") else None
    if form.get("owner_id", "").strip():
        sent["owner_id"] = form["owner_id"].strip()
    return sent


def _initiative_form(
    request: Request, session: Any, actor: Actor, initiative: Initiative | None, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    everyone = people.list_people(session=session, limit=500, offset=0).items
    members = (
        set(people.initiative_members(session=session, initiative_id=initiative.id))
        if initiative is not None and initiative.id is not None
        else set()
    )
    if values is not None and "members" in values:
        members = {int(pid) for pid in values["members"].split(",") if pid}
    return render(request, "initiative_form.html", {
        "people_names": owners.people_names(session=session),
        "actor": actor, "initiative": initiative, "fields": INITIATIVE_FIELDS, "people": everyone,
        "members": members, "values": values or _initiative_values(initiative), "errors": errors or {},
    }, status_code=status_code)  # fmt: skip


@router.get("/initiatives/new", response_class=HTMLResponse)
def new_initiative(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form that creates an initiative, for those allowed to."""
    require(session=session, actor=actor, action=Action.create_initiative)
    return _initiative_form(request, session, actor, None)


@router.post("/initiatives/new", response_class=HTMLResponse)
def create_initiative(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Create an initiative; the new initiative's page then says it was created."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.create_initiative)
    sent = _initiative_typed(form)
    try:
        with undone_on_refusal(session):
            made = initiatives.create_initiative(
                session=session, fields=InitiativeCreate.model_validate(sent), actor=actor
            )
    except (ValidationError, DomainError) as error:
        errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
        return _initiative_form(request, session, actor, None, values=_as_typed(form), errors=errors,
                                status_code=422)  # fmt: skip
    return _done(f"/initiatives/{made.id}", "created")


def _as_typed(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name, *_ in INITIATIVE_FIELDS} | {"owner_id": form.get("owner_id", "")}


@router.get("/initiatives/{initiative_id}/edit", response_class=HTMLResponse)
def edit_initiative_page(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor
) -> Response:
    """The form that edits every field of an initiative and its members, and deletes it."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return _initiative_form(request, session, actor, initiative)


async def _chosen_members(request: Request) -> list[str]:
    """The people ticked as members (a checkbox list sends one field a person)."""
    form = await request.form()
    return [value for value in form.getlist("members") if isinstance(value, str)]


@router.post("/initiatives/{initiative_id}/edit", response_class=HTMLResponse)
def edit_initiative(
    initiative_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    form: FormFields,
    chosen: Annotated[list[str], Depends(_chosen_members)],
) -> Response:
    """Save the initiative's fields and its members; only what changed is written."""
    check_csrf(request, form.get("csrf", ""))
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    current = _initiative_values(initiative)
    sent = _initiative_typed(form)
    changed = {name: value for name, value in sent.items() if typed(value) != current.get(name, "")}
    typed_back = _as_typed(form) | {"members": ",".join(chosen)}
    try:
        with undone_on_refusal(session):
            member_ids = [int(pid) for pid in chosen if pid.isdigit()]
            initiatives.update_initiative(session=session, initiative_id=initiative_id,
                                          changes=InitiativeUpdate.model_validate(changed), expected_version=None,
                                          actor=actor)  # fmt: skip
            people.set_initiative_members(
                session=session, initiative_id=initiative_id, person_ids=member_ids, actor=actor
            )
    except (ValidationError, DomainError) as error:
        errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
        errors = {("members" if name == "person_ids" else name): text for name, text in errors.items()}
        initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
        return _initiative_form(request, session, actor, initiative, values=typed_back, errors=errors,
                                status_code=422)  # fmt: skip
    return _done(f"/initiatives/{initiative_id}", "edited")


@router.post("/initiatives/{initiative_id}/delete", response_class=HTMLResponse)
def delete_initiative(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Delete an initiative once its name is typed to confirm; a refusal's reason is shown beside the form."""
    check_csrf(request, form.get("csrf", ""))
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    name = initiative.name
    if form.get("confirm", "").strip() != name:
        errors = {"confirm": f"Type the initiative's name, {name}, to confirm."}
        return _initiative_form(request, session, actor, initiative, errors=errors, status_code=422)
    try:
        with undone_on_refusal(session):
            initiatives.delete_initiative(
                session=session, initiative_id=initiative_id, expected_version=None, actor=actor
            )
    except DomainError as error:
        about_the_form(error)
        initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
        return _initiative_form(request, session, actor, initiative, errors={"delete": error.detail},
                                status_code=409)  # fmt: skip
    return _done("/", "deleted", name=name)


# --- benefits ------------------------------------------------------------------------------------------------


def _cost_centres(session: Any) -> list[tuple[str, str]]:
    listed = cost_centres.list_cost_centres(session=session, limit=500, offset=0, active=True).items
    return [(centre.code, f"{centre.code}: {centre.name}") for centre in listed]


def _benefit_values(benefit: Benefit | None) -> dict[str, str]:
    if benefit is None:
        return {"quantified": "on", "measured_as": "change"}
    values = {name: typed(getattr(benefit, name)) for name, *_ in BENEFIT_FIELDS}
    return values | {name: "on" if getattr(benefit, name) else "" for name in CHECKBOXES}


def _benefit_typed(form: dict[str, str], *, keep_blank: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """What a benefit form sent, as the model reads it, and each amount it could not read."""
    sent: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, *_ in BENEFIT_FIELDS:
        value = form.get(name, "").strip()
        if name in CHECKBOXES:
            sent[name] = bool(value)
        elif name in AMOUNTS and value:
            try:
                sent[name] = typed_amount(value)
            except InvalidOperation:
                errors[name] = _unreadable(value)
        elif value or name in NEVER_BLANK:
            sent[name] = value
        elif keep_blank:
            sent[name] = None
    return sent, errors


def benefit_forms(session: Any, benefit: Benefit, values: dict[str, Any]) -> dict[str, Any]:
    """What the benefit page's own forms need: every field, the profile grid, and whether it may be deleted."""
    initiative = initiatives.get_initiative(session=session, initiative_id=benefit.initiative_id)
    return {
        "fields_of_benefit": BENEFIT_FIELDS, "cost_centres": _cost_centres(session),
        "every": values.get("every") or _benefit_values(benefit),
        "grid": values.get("grid") or grid_rows(initiative, benefit),
        "deletable": register.deletion_refusal(benefit) is None,
    }  # fmt: skip


def _benefit_form_page(
    request: Request, session: Any, actor: Actor, initiative: Initiative, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    return render(request, "initiative_form.html", {
        "actor": actor, "initiative": initiative, "adding_benefit": True, "fields_of_benefit": BENEFIT_FIELDS,
        "people_names": owners.people_names(session=session),
        "cost_centres": _cost_centres(session), "every": values or _benefit_values(None), "errors": errors or {},
    }, status_code=status_code)  # fmt: skip


@router.get("/initiatives/{initiative_id}/benefits/new", response_class=HTMLResponse)
def new_benefit(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form that adds a benefit to an initiative, with every field a benefit has."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return _benefit_form_page(request, session, actor, initiative)


@router.post("/initiatives/{initiative_id}/benefits/new", response_class=HTMLResponse)
def add_benefit(
    initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Add a benefit at the opportunity stage; its page then says it was added."""
    check_csrf(request, form.get("csrf", ""))
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    sent, errors = _benefit_typed(form, keep_blank=False)
    typed_back = {name: form.get(name, "") for name, *_ in BENEFIT_FIELDS}
    if not errors:
        try:
            with undone_on_refusal(session):
                made = register.create_benefit(session=session, initiative_id=initiative_id,
                                               fields=BenefitCreate.model_validate(sent), actor=actor)  # fmt: skip
        except (ValidationError, DomainError) as error:
            errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
    if errors:
        return _benefit_form_page(request, session, actor, initiative, values=typed_back, errors=errors,
                                  status_code=422)  # fmt: skip
    return _done(f"/benefits/{made.id}", "added")


def _benefit_again(
    request: Request, session: Any, actor: Actor, benefit_id: int, errors: dict[str, str], values: dict[str, Any],
    status_code: int = 422,
) -> HTMLResponse:  # fmt: skip
    from web import benefit_pages  # imported here: the benefit page imports this module for its forms

    return benefit_pages._benefit_page(request, session, actor, benefit_id, errors, values, status_code=status_code)


def _may_edit(session: Any, actor: Actor, benefit_id: int) -> Benefit:
    """The benefit, once the actor is known to be allowed to edit it (checked before what was typed is read)."""
    benefit = register.get_benefit(session=session, benefit_id=benefit_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=benefit.initiative_id)
    return benefit


@router.post("/benefits/{benefit_id}/every-field", response_class=HTMLResponse)
def edit_every_field(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Save every field of a benefit (a blank field is cleared), with the reason; only what changed is written."""
    check_csrf(request, form.get("csrf", ""))
    benefit = _may_edit(session, actor, benefit_id)
    current = _benefit_values(benefit)
    sent, errors = _benefit_typed(form, keep_blank=True)
    typed_back = {name: form.get(name, "") for name, *_ in BENEFIT_FIELDS}
    changed = {
        name: value for name, value in sent.items()
        if (typed(value) if name not in CHECKBOXES else ("on" if value else "")) != current.get(name, "")
    }  # fmt: skip
    if not errors:
        try:
            with undone_on_refusal(session):
                fields = BenefitUpdate.model_validate(changed | {"reason": form.get("reason", "").strip() or None})
                register.update_benefit(session=session, benefit_id=benefit_id, changes=fields, expected_version=None,
                                        actor=actor)  # fmt: skip
        except (ValidationError, DomainError) as error:
            errors = field_errors(error) if isinstance(error, ValidationError) else problem_fields(error)
    if errors:
        shown = {f"every_{name}": text for name, text in errors.items()}
        shown.setdefault("every_form", "Not saved: each problem is said beside its field.")
        return _benefit_again(request, session, actor, benefit_id, shown, {"every": typed_back,
                              "every_reason": form.get("reason", "")})  # fmt: skip
    return _done(f"/benefits/{benefit_id}#every-field", "edited")


@router.post("/benefits/{benefit_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Withdraw a benefit for good, with the reason; it and its history are kept."""
    check_csrf(request, form.get("csrf", ""))
    _may_edit(session, actor, benefit_id)
    reason = form.get("reason", "")
    try:
        with undone_on_refusal(session):
            register.withdraw_benefit(session=session, benefit_id=benefit_id, reason=checked_reason(reason.strip()),
                                      expected_version=None, actor=actor)  # fmt: skip
    except DomainError as error:
        about_the_form(error)
        return _benefit_again(request, session, actor, benefit_id, {"withdraw": error.detail},
                              {"withdraw_reason": reason})  # fmt: skip
    return _done(f"/benefits/{benefit_id}", "withdrawn")


@router.post("/benefits/{benefit_id}/delete", response_class=HTMLResponse)
def delete_benefit(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Delete a benefit that never left opportunity; its initiative's page then says so."""
    check_csrf(request, form.get("csrf", ""))
    benefit = _may_edit(session, actor, benefit_id)
    initiative_id, title = benefit.initiative_id, benefit.title
    try:
        with undone_on_refusal(session):
            register.delete_benefit(session=session, benefit_id=benefit_id, expected_version=None, actor=actor)
    except DomainError as error:
        about_the_form(error)
        return _benefit_again(request, session, actor, benefit_id, {"delete": error.detail}, {}, status_code=409)
    return _done(f"/initiatives/{initiative_id}", "benefit_deleted", title=title)


# --- the profile grid ----------------------------------------------------------------------------------------


def _periods(initiative: Initiative) -> list[str]:
    """The initiative's periods from its base year over five years (from this financial year if it has none)."""
    try:
        first = parse_period(initiative.base_year) if initiative.base_year else None
    except ValueError:
        first = None
    start = (first or financial_year_of(date.today(), initiative.fy_start_month)).start_year
    years = [Period(start + offset) for offset in range(GRID_YEARS)]
    if initiative.granularity == Granularity.quarter:
        return [Period(year.start_year, quarter).label for year in years for quarter in range(1, 5)]
    return [year.label for year in years]


def _period_order(label: str) -> tuple[int, int]:
    try:
        return parse_period(label).sort_key()
    except ValueError:
        return (9999, 0)


def grid_rows(initiative: Initiative, benefit: Benefit) -> list[dict[str, Any]]:
    """The grid's rows: the initiative's periods and every period already profiled, then blank rows to add."""
    held = {entry.period: entry for entry in benefit.profile}
    labels = sorted(set(_periods(initiative)) | set(held), key=_period_order)
    rows: list[dict[str, Any]] = []
    for label in labels:
        entry = held.get(label)
        rows.append({"period": label, "fixed": True, "planned": typed(entry.planned) if entry else "",
                     "actual": typed(entry.actual) if entry else ""})  # fmt: skip
    rows.extend({"period": "", "fixed": False, "planned": "", "actual": ""} for _ in range(BLANK_ROWS))
    return rows


def _grid_typed(form: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for index in range(400):
        if f"period_{index}" not in form:
            break
        rows.append({
            "period": form.get(f"period_{index}", "").strip(), "fixed": form.get(f"fixed_{index}") == "1",
            "planned": form.get(f"planned_{index}", ""), "actual": form.get(f"actual_{index}", ""),
        })  # fmt: skip
    return rows


def _cell(row: dict[str, Any], name: str) -> Decimal | None:
    text = row[name].strip()
    return typed_amount(text) if text else None


@router.post("/benefits/{benefit_id}/profile-grid", response_class=HTMLResponse)
def save_profile_grid(
    benefit_id: ResourceId, request: Request, session: SessionDep, actor: PageActor, form: FormFields
) -> Response:
    """Replace the profile with the grid's rows (a row left empty is no period); each unreadable cell is named."""
    check_csrf(request, form.get("csrf", ""))
    _may_edit(session, actor, benefit_id)
    typed_rows = _grid_typed(form)
    errors: dict[str, str] = {}
    kept: list[ProfileEntryIn] = []
    places: list[int] = []  # which grid row each profile row came from
    for index, row in enumerate(typed_rows):
        amounts: dict[str, Decimal | None] = {}
        for name in ("planned", "actual"):
            try:
                amounts[name] = _cell(row, name)
            except InvalidOperation:
                errors[f"grid_{name}_{index}"] = _unreadable(row[name])
        if not row["period"] and any(row[name].strip() for name in ("planned", "actual")):
            errors[f"grid_period_{index}"] = "Name the period, such as 2027-28."
        if row["period"] and (amounts.get("planned") is not None or amounts.get("actual") is not None):
            try:
                kept.append(ProfileEntryIn(period=row["period"], **amounts))
                places.append(index)
            except ValidationError as error:
                errors[f"grid_period_{index}"] = next(iter(field_errors(error).values()))
    if not errors:
        try:
            with undone_on_refusal(session):
                reason = checked_reason(form.get("reason", "").strip()) or None
                register.replace_profile(session=session, benefit_id=benefit_id, rows=kept, expected_version=None,
                                         actor=actor, reason=reason)  # fmt: skip
        except DomainError as error:
            about_the_form(error)
            errors = _grid_problems(error, places)
    if errors:
        count = sum(1 for name in errors if name != "grid")
        errors.setdefault("grid", f"Nothing was saved: {count} {'cell needs' if count == 1 else 'cells need'} "
                                  "a look, each named beside it.")  # fmt: skip
        return _benefit_again(request, session, actor, benefit_id, errors,
                              {"grid": typed_rows, "grid_reason": form.get("reason", "")})  # fmt: skip
    return _done(f"/benefits/{benefit_id}#profile", "profiled")


def _grid_problems(error: DomainError, places: list[int]) -> dict[str, str]:
    """A refused profile's problems beside the grid cells they name (`profile[2].planned`), the rest above it."""
    found: dict[str, str] = {"grid": error.detail}
    for problem in error.problems:
        field = problem.field or ""
        if field.startswith("profile[") and "]" in field:
            number = field[len("profile[") : field.index("]")]
            name = field.split(".")[1] if "." in field else "period"
            if number.isdigit() and int(number) < len(places) and name in ("period", "planned", "actual"):
                found.setdefault(f"grid_{name}_{places[int(number)]}", problem.detail)
                continue
        found["grid"] = f"{found['grid']} {problem.detail}"
    return found
