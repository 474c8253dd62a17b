"""Importing benefits from a workbook through a page: upload, progress, and every refused cell named."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.deps import ResourceId, SessionDep, undone_on_refusal
from benefits import initiatives
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.errors import DomainError, Problem
from benefits.formatting import quantity
from benefits.models import Initiative
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, RegisterSheet
from web.finance_pages import XLSX
from web.forms import about_the_form
from web.render import render
from web.session import SESSION_COOKIE, PageActor, SignInRequired, check_csrf

router = APIRouter(include_in_schema=False)
# The register's reader and writer (openpyxl, python-calamine, lxml) are imported where they are used: they load with
# the first import page or workbook, not when the service starts.


@router.get("/import-template.xlsx")
def import_template_workbook(actor: PageActor) -> Response:
    """The import template (the same workbook as the API's), for a signed-in person."""
    from benefits.workbooks.register_import import import_template

    headers = {"Content-Disposition": 'attachment; filename="benefits-import-template.xlsx"'}
    return Response(import_template(), media_type=XLSX, headers=headers)


@router.get("/initiatives/{initiative_id}/import", response_class=HTMLResponse)
def import_page(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form to import benefits from a workbook (the register export, or the template)."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return render(request, "import.html", _context(actor, initiative))


def _uploaded_register(
    request: Request,
    workbook: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> RegisterSheet | DomainError | None:
    """The uploaded register, read under the import budget before the request's session is asked for (a long read
    holds no transaction); its refusal as a result, for the page to show; None when nobody is signed in."""
    from benefits.workbooks.register_import import read_register

    if SESSION_COOKIE not in request.cookies:
        return None  # the page's actor sends them to sign in; nothing is read
    check_csrf(request, csrf)
    try:
        return read_register(workbook.file.read(MAX_IMPORT_BYTES + 1), file_name=workbook.filename)
    except DomainError as error:
        return error


@router.post("/initiatives/{initiative_id}/import", response_class=HTMLResponse)
def import_workbook(
    initiative_id: ResourceId,
    request: Request,
    sheet: Annotated[RegisterSheet | DomainError | None, Depends(_uploaded_register)],
    session: SessionDep,
    actor: PageActor,
) -> Response:
    """Apply every row of the uploaded workbook, or none and name each refused cell beside the form."""
    from benefits.workbooks.register_import import apply_register

    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    context = _context(actor, initiative)
    if sheet is None:
        raise SignInRequired(request.url.path)  # the session ended between the read and the check
    refusal = sheet if isinstance(sheet, DomainError) else None
    if isinstance(sheet, RegisterSheet):
        try:
            with undone_on_refusal(session):
                context["result"] = apply_register(
                    session=session, initiative_id=initiative_id, sheet=sheet, actor=actor
                )
        except DomainError as error:
            refusal = error
    if refusal is not None:
        context["problems"] = about_the_form(refusal).problems or [Problem(refusal.code, refusal.detail, "file")]
        context["refusal"] = refusal.detail
        return render(request, "import.html", context, status_code=422, block="outcome")
    return render(request, "import.html", context, block="outcome")


def _context(actor: Actor, initiative: Initiative) -> dict[str, Any]:
    """What the page shows: the initiative, the outcome so far, and the import budget in words."""
    from benefits.workbooks.import_budget import import_budget

    budget = import_budget()
    limits = (
        f"At most {quantity(budget.rows, places=0)} rows (empty ones count too), "
        f"{quantity(budget.cells, places=0)} cells and {quantity(MAX_IMPORT_BYTES / 2**20, 'MiB', places=0)}; "
        "a larger workbook is refused: split it and import each part. Workbooks with macros (.xlsm) are refused: "
        "save them as .xlsx without macros."
    )
    return {"actor": actor, "initiative": initiative, "result": None, "problems": list[Problem](), "limits": limits}
