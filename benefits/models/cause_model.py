"""The stored form of an initiative's cause-and-effect model: its nodes, links, scenarios and last draft."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import EnumText, UtcDateTime, utc_now
from benefits.modelling.graph import Distribution, NodeKind

_LIMIT = 1e15


def _finite(value: float | None) -> float | None:
    if value is not None and not -_LIMIT <= value <= _LIMIT:
        raise ValueError("a value is between -1e15 and 1e15")
    return value


class NodeIn(BaseModel):
    """One node as a client sends it."""

    model_config = {"extra": "forbid"}

    name: str = PydanticField(min_length=1, max_length=60)
    kind: NodeKind
    label: str = PydanticField(default="", max_length=200)
    unit: str = PydanticField(default="", max_length=40)
    value: float | None = PydanticField(default=None, allow_inf_nan=False)
    low: float | None = PydanticField(default=None, allow_inf_nan=False)
    high: float | None = PydanticField(default=None, allow_inf_nan=False)
    distribution: Distribution = Distribution.triangular
    formula: str | None = PydanticField(default=None, max_length=2000)
    source: str = PydanticField(default="", max_length=4000)

    _check_value = field_validator("value", "low", "high")(_finite)

    @field_validator("name", "label", "unit", "formula", "source")
    @classmethod
    def _no_nul(cls, text: str | None) -> str | None:
        if text is not None and "\x00" in text:
            raise ValueError("must not contain the NUL character")
        return text


class LinkIn(BaseModel):
    """A link from one node to another (cause to effect)."""

    model_config = {"extra": "forbid", "populate_by_name": True}

    source: str = PydanticField(alias="from", min_length=1, max_length=60)
    target: str = PydanticField(alias="to", min_length=1, max_length=60)


class ScenarioIn(BaseModel):
    """A named set of assumption overrides, such as "low take-up"."""

    model_config = {"extra": "forbid"}

    name: str = PydanticField(min_length=1, max_length=100, pattern=r"^[^\x00]*$")
    overrides: dict[str, float] = PydanticField(default_factory=dict, max_length=500)

    _check_overrides = field_validator("overrides")(
        lambda overrides: {name: _finite(value) for name, value in overrides.items()}
    )


class ModelIn(BaseModel):
    """A whole model as a client sends it: it replaces the stored one, or nothing changes."""

    model_config = {"extra": "forbid"}

    nodes: list[NodeIn] = PydanticField(max_length=2000)
    links: list[LinkIn] = PydanticField(default_factory=list, max_length=10000)
    scenarios: list[ScenarioIn] = PydanticField(default_factory=list, max_length=100)


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
    overrides: dict[str, float] = PydanticField(default_factory=dict, max_length=500)
    output: str | None = PydanticField(default=None, max_length=60, description="Node for the tornado.")
    threshold: float | None = PydanticField(
        default=None, allow_inf_nan=False, description="Find where the output crosses this value."
    )

    _check_overrides = field_validator("overrides")(
        lambda overrides: {name: _finite(value) for name, value in overrides.items()}
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
