"""Workbooks: the business case of an initiative and finance's cash-versus-capacity summary, as .xlsx files."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import StreamingResponse

from api.deps import SIGNED_IN, ActorDep, ResourceId, SessionDep
from api.problems import PROBLEM_RESPONSES
from api.routes.finance import FiltersDep
from benefits.workbooks.business_case import business_case_workbook
from benefits.workbooks.finance_summary import byte_count, chunks, spooled_finance_workbook
from benefits.workbooks.register_import import MAX_IMPORT_BYTES, ImportResult, import_benefits, import_template

router = APIRouter(prefix="/api/v1", tags=["workbooks"], responses=PROBLEM_RESPONSES, dependencies=SIGNED_IN)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK_RESPONSE: dict[int | str, dict[str, object]] = {200: {"content": {XLSX: {}}, "description": "A workbook."}}


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/initiatives/{initiative_id}/business-case.xlsx", response_class=Response, responses=WORKBOOK_RESPONSE)
def business_case(initiative_id: ResourceId, session: SessionDep) -> Response:
    """The business-case workbook: assumptions, model, register, costs and appraisal as live formulas."""
    content = business_case_workbook(session=session, initiative_id=initiative_id)
    return Response(content, media_type=XLSX, headers=_attachment(f"business-case-{initiative_id}.xlsx"))


@router.get("/finance/cash-capacity.xlsx", response_class=StreamingResponse, responses=WORKBOOK_RESPONSE)
def cash_capacity_workbook(session: SessionDep, filters: FiltersDep) -> StreamingResponse:
    """Cash versus capacity by year, initiative, cost centre and stage, with budgets, as live totals."""
    spooled = spooled_finance_workbook(session=session, **asdict(filters))
    headers = _attachment("cash-capacity.xlsx") | {"Content-Length": str(byte_count(spooled))}
    return StreamingResponse(chunks(spooled), media_type=XLSX, headers=headers)


@router.get("/benefits/import-template.xlsx", response_class=Response, responses=WORKBOOK_RESPONSE)
def benefits_import_template() -> Response:
    """The simpler template for importing a benefits register, with notes on each column."""
    return Response(import_template(), media_type=XLSX, headers=_attachment("benefits-import-template.xlsx"))


@router.post("/initiatives/{initiative_id}/benefits/import", response_model=ImportResult)
def import_register(
    initiative_id: ResourceId,
    file: Annotated[
        UploadFile, File(description="A workbook in the register layout the export writes, or the template.")
    ],
    session: SessionDep,
    actor: ActorDep,
) -> ImportResult:
    """Create and update benefits from a workbook: every row applies, or none does and each bad cell is named."""
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    return import_benefits(session=session, initiative_id=initiative_id, data=data, actor=actor)
