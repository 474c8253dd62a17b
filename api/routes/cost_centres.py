"""The managed list of cost centres that benefits, cost lines and budgets name (kept by finance and admins)."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile, status

from api.deps import SIGNED_IN, ActorDep, ExpectedVersion, PagingDep, SessionDep, bearer_token, etag
from api.problems import PROBLEM_RESPONSES
from api.schemas import PageRead, page_read
from benefits import cost_centres
from benefits.columns import ShortText
from benefits.models.finance import CostCentreCreate, CostCentreRead, CostCentreUpdate
from benefits.workbooks.sheets import MAX_IMPORT_BYTES, CentreSheet, ImportResult

# Each route names SIGNED_IN itself: a router-wide one would open the request's transaction (on SQLite, take the
# write lock) before an upload is read, and reading a workbook may take as long as the import budget allows.
router = APIRouter(prefix="/api/v1/cost-centres", tags=["cost centres"], responses=PROBLEM_RESPONSES)

# A code may hold a slash (CS/100), so the path takes it whole.
CentrePath = Annotated[str, Path(min_length=1, max_length=40, description="The code, in any case.")]


@router.get("", response_model=PageRead[CostCentreRead], dependencies=SIGNED_IN)
def list_cost_centres(
    session: SessionDep,
    paging: PagingDep,
    active: Annotated[bool | None, Query(description="Only active (true) or inactive (false) ones.")] = None,
    q: Annotated[ShortText | None, Query(max_length=200, description="A word in the code or name.")] = None,
) -> PageRead[CostCentreRead]:
    """List the cost centres by code, filtered by whether they are active or by a word in the code or name."""
    page = cost_centres.list_cost_centres(session=session, limit=paging.limit, offset=paging.offset, active=active, q=q)
    return page_read(page, CostCentreRead.model_validate)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CostCentreRead, dependencies=SIGNED_IN)
def create_cost_centre(
    fields: CostCentreCreate, session: SessionDep, actor: ActorDep, response: Response
) -> CostCentreRead:
    """Add a cost centre to the list (finance, admin); its code is kept in capitals."""
    centre = cost_centres.create_cost_centre(session=session, fields=fields, actor=actor)
    response.headers["ETag"] = etag(centre.version)
    # Percent-encoded: a code may hold a slash (CS/100), which the Location must keep inside the one segment.
    response.headers["Location"] = f"{router.prefix}/{quote(centre.code, safe='')}"
    return CostCentreRead.model_validate(centre)


def uploaded_cost_centres(
    _token: Annotated[str, Depends(bearer_token)],
    file: Annotated[UploadFile, File(description="A workbook with the headings Code, Name, Budget holder, Active.")],
) -> CentreSheet:
    """The uploaded list, read under the import budget before the request's session is asked for.

    Only a request carrying a token is read (one without is refused first); the token is checked, and the
    person's right to keep the list, once the read is done, by the session the import writes with.
    """
    # Imported here: the reader brings openpyxl, which loads with the first workbook read, not at start-up.
    from benefits.workbooks.cost_centres_import import read_cost_centres

    return read_cost_centres(file.file.read(MAX_IMPORT_BYTES + 1), file_name=file.filename)


@router.post("/import", response_model=ImportResult)
def import_cost_centres(
    sheet: Annotated[CentreSheet, Depends(uploaded_cost_centres)], session: SessionDep, actor: ActorDep
) -> ImportResult:
    """Add and change cost centres from a workbook: every row applies, or none does and each bad cell is named."""
    return cost_centres.import_cost_centres(session=session, sheet=sheet, actor=actor)


@router.get("/{code:path}", response_model=CostCentreRead, dependencies=SIGNED_IN)
def get_cost_centre(code: CentrePath, session: SessionDep, response: Response) -> CostCentreRead:
    """Read one cost centre; its code matches in any case."""
    centre = cost_centres.get_cost_centre(session=session, code=code)
    response.headers["ETag"] = etag(centre.version)
    return CostCentreRead.model_validate(centre)


@router.patch("/{code:path}", response_model=CostCentreRead, dependencies=SIGNED_IN)
def update_cost_centre(
    code: CentrePath,
    changes: CostCentreUpdate,
    session: SessionDep,
    actor: ActorDep,
    expected: ExpectedVersion,
    response: Response,
) -> CostCentreRead:
    """Change a cost centre's name, budget holder or whether it is active; send If-Match with the ETag you read."""
    centre = cost_centres.update_cost_centre(
        session=session, code=code, changes=changes, expected_version=expected, actor=actor
    )
    response.headers["ETag"] = etag(centre.version)
    return CostCentreRead.model_validate(centre)
