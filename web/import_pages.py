"""Importing benefits from a workbook through a page: upload, progress, and every refused cell named."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.deps import ResourceId, SessionDep
from benefits import initiatives
from benefits.authz import Action, require
from benefits.errors import DomainError, Problem
from benefits.workbooks.register_import import MAX_IMPORT_BYTES, import_benefits, import_template
from web.finance_pages import XLSX
from web.forms import about_the_form
from web.render import render
from web.session import PageActor, check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/import-template.xlsx")
def import_template_workbook(actor: PageActor) -> Response:
    """The import template (the same workbook as the API's), for a signed-in person."""
    headers = {"Content-Disposition": 'attachment; filename="benefits-import-template.xlsx"'}
    return Response(import_template(), media_type=XLSX, headers=headers)


@router.get("/initiatives/{initiative_id}/import", response_class=HTMLResponse)
def import_page(initiative_id: ResourceId, request: Request, session: SessionDep, actor: PageActor) -> Response:
    """The form to import benefits from a workbook (the register export, or the template)."""
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    require(session=session, actor=actor, action=Action.edit_initiative, initiative_id=initiative_id)
    return render(request, "import.html", {"actor": actor, "initiative": initiative, "result": None, "problems": []})


@router.post("/initiatives/{initiative_id}/import", response_class=HTMLResponse)
def import_workbook(
    initiative_id: ResourceId,
    request: Request,
    session: SessionDep,
    actor: PageActor,
    workbook: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Apply every row of the uploaded workbook, or none and name each refused cell beside the form."""
    check_csrf(request, csrf)
    initiative = initiatives.get_initiative(session=session, initiative_id=initiative_id)
    context = {"actor": actor, "initiative": initiative, "result": None, "problems": list[Problem]()}
    try:
        context["result"] = import_benefits(session=session, initiative_id=initiative_id,
                                            data=workbook.file.read(MAX_IMPORT_BYTES + 1), actor=actor)  # fmt: skip
    except DomainError as error:
        session.rollback()
        context["problems"] = about_the_form(error).problems or [Problem(error.code, error.detail, "file")]
        context["refusal"] = error.detail
        return render(request, "import.html", context, status_code=422, block="outcome")
    session.commit()
    return render(request, "import.html", context, block="outcome")
