"""Finance's settings as pages: each cost centre's budget by year (a grid, or a workbook uploaded), and the
appraisal settings (stage weights and the default discount schedule)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, undone_on_refusal
from benefits import appraisal, cost_centres, finance
from benefits.actors import Actor
from benefits.authz import Action, allowed, require
from benefits.errors import DomainError, Problem
from benefits.models.appraisal import AppraisalSettings
from benefits.models.finance import BudgetIn
from benefits.periods import Period, financial_year_of
from benefits.stages import STAGE_ORDER
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, BudgetSheet
from web.forms import FormFields, about_the_form, typed_amount
from web.render import problems_text, render, typed
from web.session import SESSION_COOKIE, PageActor, SignInRequired, check_csrf

router = APIRouter(include_in_schema=False)
BUDGETS = "/finance/budgets"
SETTINGS = "/finance/settings"
YEARS_AHEAD = 5  # the grid offers this year and the next four, beside every year that already has a budget


def _cell(code: str, year: str) -> str:
    return f"budget:{code}:{year}"


def _budgets_page(
    request: Request, session: Any, actor: Actor, *, sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, problems: list[Problem] | None = None, notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    stored = finance.list_budgets(session=session)
    this_year = financial_year_of(date.today()).start_year
    years = sorted({b.year for b in stored} | {Period(this_year + n).label for n in range(YEARS_AHEAD)})
    centres = [c for c in cost_centres.all_cost_centres(session=session) if c.active or any(
        b.cost_centre == c.code for b in stored)]  # fmt: skip
    amounts = {_cell(b.cost_centre, b.year): b.amount for b in stored}
    return render(request, "budgets.html", {
        "actor": actor, "years": years, "centres": centres, "amounts": amounts, "cell": _cell,
        "sent": sent, "errors": errors or {}, "problems": problems or [], "notice": notice,
        "may_set": allowed(session=session, actor=actor, action=Action.set_budgets),
    }, status_code=status_code)  # fmt: skip


@router.get(BUDGETS, response_class=HTMLResponse)
def budgets_page(request: Request, session: SessionDep, actor: PageActor, saved: int | None = None) -> Response:
    """Each cost centre's budget by financial year; finance and admins change them in the grid or by a workbook."""
    notice = None if saved is None else f"Budgets saved: {saved} budget line(s) now stand."
    return _budgets_page(request, session, actor, notice=notice)


@router.post(BUDGETS, response_class=HTMLResponse)
def save_budgets(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Make the budgets what the grid says (a blank cell is no budget); every cell it cannot read is named."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.set_budgets)
    cells = {name: value.strip() for name, value in form.items() if name.startswith("budget:")}
    errors: dict[str, str] = {}
    lines: list[BudgetIn] = []
    for name, text in cells.items():
        if not text:
            continue
        _, code, year = name.split(":", 2)
        try:
            lines.append(BudgetIn(cost_centre=code, year=year, amount=typed_amount(text)))
        except (InvalidOperation, ValidationError):
            errors[name] = f"“{text}” is not an amount of pounds: write it as 250,000 or £250,000."
    if errors:
        return _budgets_page(request, session, actor, sent=cells, errors=errors, status_code=422)
    try:
        with undone_on_refusal(session):
            saved = finance.replace_budgets(session=session, budgets=lines, actor=actor)
    except DomainError as error:
        refused = about_the_form(error)
        return _budgets_page(request, session, actor, sent=cells, problems=refused.problems, status_code=422)
    return RedirectResponse(f"{BUDGETS}?saved={len(saved)}", status_code=303)


def _uploaded_budgets(
    request: Request,
    workbook: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> BudgetSheet | DomainError | None:
    """The uploaded budgets, read under the import budget before the request's session is asked for (a long read
    holds no transaction); its refusal as a result, for the page to show; None when nobody is signed in."""
    # Imported here: the reader brings openpyxl, which loads with the first workbook read, not at start-up.
    from benefits.workbooks.budgets_import import read_budgets

    if SESSION_COOKIE not in request.cookies:
        return None  # the page's actor sends them to sign in; nothing is read
    check_csrf(request, csrf)
    try:
        return read_budgets(workbook.file.read(MAX_IMPORT_BYTES + 1), file_name=workbook.filename)
    except DomainError as error:
        return error


@router.post(f"{BUDGETS}/upload", response_class=HTMLResponse)
def upload_budgets(
    request: Request,
    sent: Annotated[BudgetSheet | DomainError | None, Depends(_uploaded_budgets)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Set the budgets a workbook names (headings Cost centre, Year, Amount); all, or none and each cell named."""
    require(session=session, actor=actor, action=Action.set_budgets)
    if sent is None:
        raise SignInRequired(request.url.path)  # the session ended between the read and the check
    refusal = sent if isinstance(sent, DomainError) else None
    if isinstance(sent, BudgetSheet):
        try:
            with undone_on_refusal(session):
                saved = finance.import_budgets(session=session, sheet=sent, actor=actor)
        except DomainError as error:
            refusal = error
    if refusal is not None:
        refused = about_the_form(refusal)
        problems = refused.problems or [Problem(refused.code, refused.detail, "file")]
        return _budgets_page(request, session, actor, problems=problems, status_code=422)
    return RedirectResponse(f"{BUDGETS}?saved={len(saved)}", status_code=303)


def _settings_page(
    request: Request, session: Any, actor: Actor, *, sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, notice: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    settings, version = appraisal.appraisal_settings(session=session)
    weights = settings.stage_weights.model_dump()
    shown = sent or {
        **{f"weight_{stage.value}": f"{typed(Decimal(weights[stage.value]) * 100)}%" for stage in STAGE_ORDER},
        "schedule": settings.default_discount_schedule, "version": str(version),
    }  # fmt: skip
    return render(request, "appraisal_settings.html", {
        "actor": actor, "stages": STAGE_ORDER, "sent": shown, "errors": errors or {}, "notice": notice,
        "may_set": allowed(session=session, actor=actor, action=Action.set_appraisal),
    }, status_code=status_code)  # fmt: skip


@router.get(SETTINGS, response_class=HTMLResponse)
def settings_page(request: Request, session: SessionDep, actor: PageActor, saved: int | None = None) -> Response:
    """The portfolio's appraisal settings: stage weights and the default discount schedule."""
    return _settings_page(request, session, actor, notice="Appraisal settings saved." if saved else None)


def _share(text: str) -> Decimal:
    """A weight as people type it: 40%, 40 or 0.4 are all forty per cent."""
    cleaned = text.replace("%", "").strip()
    value = Decimal(cleaned)
    return value / 100 if "%" in text or value > 1 else value


@router.post(SETTINGS, response_class=HTMLResponse)
def save_settings(request: Request, session: SessionDep, actor: PageActor, form: FormFields) -> Response:
    """Save the stage weights and default discount schedule (finance, admin); each unreadable weight is named."""
    check_csrf(request, form.get("csrf", ""))
    require(session=session, actor=actor, action=Action.set_appraisal)
    sent = {name: form.get(name, "").strip() for name in
            [f"weight_{stage.value}" for stage in STAGE_ORDER] + ["schedule", "version"]}  # fmt: skip
    errors: dict[str, str] = {}
    weights: dict[str, Decimal] = {}
    for stage in STAGE_ORDER:
        name = f"weight_{stage.value}"
        try:
            weights[stage.value] = _share(sent[name])
        except InvalidOperation:
            errors[name] = f"“{sent[name]}” is not a share: write it as 40%."
    try:
        fields = AppraisalSettings.model_validate(
            {"stage_weights": weights, "default_discount_schedule": sent["schedule"]}
        )
    except ValidationError as error:
        for item in error.errors(include_url=False):
            where = [str(part) for part in item["loc"]]
            name = f"weight_{where[1]}" if where[:1] == ["stage_weights"] and len(where) > 1 else "schedule"
            errors.setdefault(name, "A weight is between 0% and 100%." if name != "schedule" else item["msg"])
    if errors:
        return _settings_page(request, session, actor, sent=sent, errors=errors, status_code=422)
    expected = frozenset({int(sent["version"])}) if sent["version"].isdigit() else None
    try:
        with undone_on_refusal(session):
            appraisal.save_settings(session=session, fields=fields, expected_version=expected, actor=actor)
    except DomainError as error:
        return _settings_page(request, session, actor, sent=sent, errors={"form": problems_text(about_the_form(error))},
                              status_code=409)  # fmt: skip
    return RedirectResponse(f"{SETTINGS}?saved=1", status_code=303)
