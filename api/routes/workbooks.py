"""Workbooks: the business case of an initiative and finance's cash-versus-capacity summary, as .xlsx files."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import StreamingResponse

from api.deps import SIGNED_IN, ActorDep, ResourceId, SessionDep, bearer_token
from api.methods import not_an_id
from api.problems import PROBLEM_RESPONSES
from api.routes.finance import FiltersDep
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, ImportResult, RegisterSheet

# The workbooks' writers and readers (openpyxl, XlsxWriter, python-calamine) are imported in the handlers that use
# them: they load with the first workbook written or read, not when the service starts.

# Each route names SIGNED_IN itself: a router-wide one would open the request's transaction (on SQLite, take the
# write lock) before an upload is read, and reading a workbook may take as long as the import budget allows.
router = APIRouter(prefix="/api/v1", tags=["workbooks"], responses=PROBLEM_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_RESPONSE: dict[int | str, dict[str, object]] = {200: {"content": {XLSX: {}}, "description": "A workbook."}}


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/initiatives/{initiative_id}/business-case.xlsx",
    response_class=Response,
    responses=WORKBOOK_RESPONSE,
    dependencies=SIGNED_IN,
)
def business_case(initiative_id: ResourceId, session: SessionDep) -> Response:
    """The business-case workbook: assumptions, model, register, costs and appraisal as live formulas."""
    from benefits.workbooks.business_case import business_case_workbook

    content = business_case_workbook(session=session, initiative_id=initiative_id)
    return Response(content, media_type=XLSX, headers=_attachment(f"business-case-{initiative_id}.xlsx"))


@router.get(
    "/finance/cash-capacity.xlsx", response_class=StreamingResponse, responses=WORKBOOK_RESPONSE, dependencies=SIGNED_IN
)
def cash_capacity_workbook(session: SessionDep, filters: FiltersDep) -> StreamingResponse:
    """Cash versus capacity by year, initiative, cost centre and stage, with budgets, as live totals."""
    from benefits.workbooks.finance_summary import byte_count, chunks, spooled_finance_workbook

    spooled = spooled_finance_workbook(session=session, **asdict(filters))
    headers = _attachment("cash-capacity.xlsx") | {"Content-Length": str(byte_count(spooled))}
    return StreamingResponse(chunks(spooled), media_type=XLSX, headers=headers)


@router.get(
    "/benefits/import-template.xlsx", response_class=Response, responses=WORKBOOK_RESPONSE, dependencies=SIGNED_IN
)
def benefits_import_template() -> Response:
    """The simpler template for importing a benefits register, with notes on each column."""
    from benefits.workbooks.register_import import import_template

    return Response(import_template(), media_type=XLSX, headers=_attachment("benefits-import-template.xlsx"))


# Before the benefits router's /benefits/{benefit_id}, which would take the template's name for a benefit's id.
not_an_id(router, "/benefits/import-template.xlsx", ["PATCH", "DELETE"])


def uploaded_register(
    _token: Annotated[str, Depends(bearer_token)],
    file: Annotated[
        UploadFile, File(description="A workbook in the register layout the export writes, or the template.")
    ],
) -> RegisterSheet:
    """The uploaded register, read under the import budget before the request's session is asked for.

    Only a request carrying a token is read (one without is refused first); the token is checked, and the
    person's right to edit, once the read is done, by the session the apply step writes with.
    """
    from benefits.workbooks.register_import import read_register

    return read_register(file.file.read(MAX_IMPORT_BYTES + 1), file_name=file.filename)


@router.post("/initiatives/{initiative_id}/benefits/import", response_model=ImportResult)
def import_register(
    initiative_id: ResourceId,
    sheet: Annotated[RegisterSheet, Depends(uploaded_register)],
    session: SessionDep,
    actor: ActorDep,
) -> ImportResult:
    """Create and update benefits from a workbook: every row applies, or none does and each bad cell is named."""
    from benefits.workbooks.register_import import apply_register

    return apply_register(session=session, initiative_id=initiative_id, sheet=sheet, actor=actor)
