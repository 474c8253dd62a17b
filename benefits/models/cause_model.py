"""The stored form of an initiative's cause-and-effect model: its nodes, links, scenarios and last draft."""

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    GetPydanticSchema,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import EnumText, ShortText, TextPattern, UtcDateTime, utc_now
from benefits.modelling.graph import Distribution, NodeKind
from benefits.text import LINE_PATTERN, NAME_PATTERN, PROSE_PATTERN, check_line, check_name, check_prose

_LIMIT = 1e15

# Text checked as ShortText, LongText and Name are, held to the shorter lengths the model keeps (a length given
# beside one of those types is checked after its checks, and the refusal then speaks of items, not characters).
_Unit = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40),
    AfterValidator(check_line),
    TextPattern(LINE_PATTERN),
]
_Source = Annotated[str, StringConstraints(max_length=4000), AfterValidator(check_prose), TextPattern(PROSE_PATTERN)]
_ScenarioName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_name),
    TextPattern(NAME_PATTERN),
]
# A node's figure: finite, and within bounds every back end (Python, SQL, a workbook) computes alike.
_Figure = Annotated[float, PydanticField(ge=-_LIMIT, le=_LIMIT, allow_inf_nan=False)]


class NodeIn(BaseModel):
    """One node as a client sends it."""

    model_config = {"extra": "forbid"}

    # The name and formula follow the model's grammar, which names the node when it refuses them; NUL never comes in.
    name: str = PydanticField(min_length=1, max_length=60, pattern=r"^[^\x00]*$")
    kind: NodeKind
    label: ShortText = ""
    unit: _Unit = ""
    value: _Figure | None = None
    low: _Figure | None = None
    high: _Figure | None = None
    distribution: Distribution = Distribution.triangular
    formula: str | None = PydanticField(default=None, max_length=2000, pattern=r"^[^\x00]*$")
    source: _Source = ""


class LinkIn(BaseModel):
    """A link from one node to another (cause to effect)."""

    model_config = {"extra": "forbid", "populate_by_name": True}

    source: str = PydanticField(alias="from", min_length=1, max_length=60)
    target: str = PydanticField(alias="to", min_length=1, max_length=60)


class ScenarioIn(BaseModel):
    """A named set of assumption overrides, such as "low take-up", as the model keeps it."""

    model_config = {"extra": "forbid"}

    # Plain text: stored scenarios are read back through this model, and one an older version kept before
    # text was checked must still be shown. What a client sends is checked by ScenarioCreate.
    name: str = PydanticField(min_length=1, max_length=100, pattern=r"^[^\x00]*$")
    overrides: dict[str, _Figure] = PydanticField(default_factory=dict, max_length=500)


class ScenarioCreate(ScenarioIn):
    """A scenario as a client sends it in a whole model: its name is checked as every name is."""

    name: _ScenarioName


def _taken_as_made(scenario: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # A scenario already made was checked when it came in, or kept by an older version: the page's editor and a
    # template re-send the stored ones unchanged, and checking them again would refuse what the user cannot edit there.
    return scenario if isinstance(scenario, ScenarioIn) else handler(scenario)


# Checked as a ScenarioCreate when sent, typed as a ScenarioIn, so the domain handles sent and stored ones alike.
_SentScenario = Annotated[
    ScenarioIn, GetPydanticSchema(lambda _, handler: handler(ScenarioCreate)), WrapValidator(_taken_as_made)
]


class ModelIn(BaseModel):
    """A whole model as a client sends it: it replaces the stored one, or nothing changes."""

    model_config = {"extra": "forbid"}

    nodes: list[NodeIn] = PydanticField(max_length=2000)
    links: list[LinkIn] = PydanticField(default_factory=list, max_length=10000)
    scenarios: list[_SentScenario] = PydanticField(default_factory=list, max_length=100)


class ModelNode(SQLModel, table=True):
    """One node of an initiative's model."""

    __tablename__ = "model_node"
    __table_args__ = (sa.UniqueConstraint("initiative_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    position: int
    name: str = Field(max_length=60)
    kind: NodeKind = Field(sa_type=EnumText(NodeKind, 16))
    label: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=40)
    value: float | None = Field(default=None, sa_type=sa.Float)
    low: float | None = Field(default=None, sa_type=sa.Float)
    high: float | None = Field(default=None, sa_type=sa.Float)
    distribution: Distribution = Field(default=Distribution.triangular, sa_type=EnumText(Distribution, 16))
    formula: str | None = Field(default=None, sa_type=sa.Text)
    source: str = Field(default="", sa_type=sa.Text)


class ModelLink(SQLModel, table=True):
    """A link between two nodes of an initiative's model, by name."""

    __tablename__ = "model_link"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", index=True)
    source: str = Field(max_length=60)
    target: str = Field(max_length=60)


class CauseModel(SQLModel, table=True):
    """The model's own record: its version (the ETag of what is applied) and its scenarios."""

    __tablename__ = "cause_model"

    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", primary_key=True)
    version: int = Field(default=1)
    scenarios: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class ModelDraft(SQLModel, table=True):
    """The last model sent that had errors: kept for its author to fix, never applied."""

    __tablename__ = "model_draft"

    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", primary_key=True)
    model: dict[str, Any] = Field(sa_type=sa.JSON)
    problems: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    submitted_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    submitted_by: str = Field(max_length=200)


class ModelProblemRead(BaseModel):
    """One problem of a draft, naming its node."""

    node: str | None
    code: str
    detail: str


class DraftRead(BaseModel):
    """The last model sent that had errors: kept, never applied."""

    model: dict[str, Any]
    problems: list[ModelProblemRead]
    submitted_at: datetime
    submitted_by: str


class NodeRead(BaseModel):
    """One node as the API returns it."""

    name: str
    kind: NodeKind
    label: str
    unit: str
    value: float | None
    low: float | None
    high: float | None
    distribution: Distribution
    formula: str | None
    source: str


class LinkRead(BaseModel):
    """A link as the API returns it."""

    model_config = {"populate_by_name": True, "serialize_by_alias": True}

    source: str = PydanticField(alias="from")
    target: str = PydanticField(alias="to")


class ModelRead(BaseModel):
    """An initiative's model as the API returns it, with the last draft that had errors."""

    nodes: list[NodeRead]
    links: list[LinkRead]
    scenarios: list[ScenarioIn]
    version: int
    draft: DraftRead | None


class EvaluationRequest(BaseModel):
    """How to evaluate: samples and seed for Monte Carlo, a scenario or overrides, the output to analyse."""

    model_config = {"extra": "forbid"}

    samples: int = PydanticField(default=10_000, ge=1, le=200_000)
    seed: int = PydanticField(default=1, ge=0, le=2**32 - 1)
    scenario: str | None = PydanticField(default=None, max_length=100)
    overrides: dict[str, _Figure] = PydanticField(default_factory=dict, max_length=500)
    output: str | None = PydanticField(default=None, max_length=60, description="Node for the tornado.")
    threshold: float | None = PydanticField(
        default=None, allow_inf_nan=False, description="Find where the output crosses this value."
    )


class NodeSummaryRead(BaseModel):
    """One node's deterministic value and its Monte Carlo spread."""

    value: float
    mean: float
    p10: float
    p50: float
    p90: float


class SwingRead(BaseModel):
    """One bar of the tornado, with the switching value where the output crosses the threshold."""

    assumption: str
    low: float
    high: float
    output_at_low: float
    output_at_high: float
    swing: float
    switching_value: float | None


class SensitivityRead(BaseModel):
    """Which assumptions move the output most, widest first."""

    output: str
    threshold: float | None
    bars: list[SwingRead]


class EvaluationRead(BaseModel):
    """The model evaluated."""

    samples: int
    seed: int
    scenario: str | None
    nodes: dict[str, NodeSummaryRead]
    sensitivity: SensitivityRead | None


class TemplateRead(BaseModel):
    """A ready-made model fragment to load into an initiative and edit."""

    key: str
    name: str
    description: str
    model: ModelIn


class FromTemplate(BaseModel):
    """Which template to add to the model."""

    model_config = {"extra": "forbid"}

    template: str = PydanticField(max_length=60)
