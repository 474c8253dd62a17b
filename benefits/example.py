"""Loading the worked example: a council's customer-access programme, driven through the domain's own rules."""

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from benefits import initiatives, pipeline, register
from benefits.audit import Actor
from benefits.models import (
    BenefitCreate,
    CashConfirmationCreate,
    Initiative,
    InitiativeCreate,
    ProfileEntryIn,
)
from benefits.stages import STAGE_ORDER, Stage

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COUNCIL = EXAMPLES / "council_front_office.json"
LOADER = Actor(name="example loader")


def load_example(*, session: Session, path: Path = COUNCIL) -> Initiative | None:
    """Load the example once; return the new initiative, or None when one of that name exists already."""
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    fields = InitiativeCreate.model_validate(spec["initiative"])
    if session.exec(select(Initiative).where(Initiative.name == fields.name)).first() is not None:
        return None
    initiative = initiatives.create_initiative(session=session, fields=fields, actor=LOADER)
    assert initiative.id is not None
    for item in spec["benefits"]:
        _load_benefit(session=session, initiative_id=initiative.id, item=item)
    return initiative


def _load_benefit(*, session: Session, initiative_id: int, item: dict[str, Any]) -> None:
    benefit = register.create_benefit(
        session=session,
        initiative_id=initiative_id,
        fields=BenefitCreate.model_validate(item["fields"]),
        actor=LOADER,
    )
    assert benefit.id is not None
    if item["profile"]:
        rows = [ProfileEntryIn.model_validate(row) for row in item["profile"]]
        register.replace_profile(session=session, benefit_id=benefit.id, rows=rows, expected_version=None, actor=LOADER)
    for confirmation in item.get("cash_confirmations", []):
        pipeline.confirm_cash(
            session=session,
            benefit_id=benefit.id,
            fields=CashConfirmationCreate.model_validate(confirmation),
            actor=LOADER,
        )
    # Each stage is reached through its gate, so the example obeys the same rules as users do.
    for stage in STAGE_ORDER[1 : Stage(item["stage"]).rank + 1]:
        pipeline.move_stage(session=session, benefit_id=benefit.id, to=stage, reason="Worked example", actor=LOADER)
