"""Portfolio settings kept in the record (stage weights, RAG thresholds): read with their defaults, saved whole
with the caller's version checked and the change in the audit trail."""

from typing import TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from benefits import audit
from benefits.actors import Actor
from benefits.authz import Action, require
from benefits.columns import utc_now
from benefits.initiatives import check_version
from benefits.models import AppSetting

Setting = TypeVar("Setting", bound=BaseModel)


def read_setting(*, session: Session, key: str, model: type[Setting]) -> tuple[Setting, int]:
    """The setting as saved (the model's documented defaults until someone saves it) and its version (0 until then)."""
    stored = session.get(AppSetting, key)
    if stored is None:
        return model(), 0
    return model.model_validate(stored.value), stored.version


def save_setting(
    *, session: Session, key: str, entity_id: int, fields: Setting, expected_version: frozenset[int] | None,
    actor: Actor, what: str,
) -> tuple[Setting, int]:  # fmt: skip
    """Replace the setting (admin, finance) if the caller saw its current version; the change goes in the trail."""
    require(session=session, actor=actor, action=Action.set_appraisal)
    before, version = read_setting(session=session, key=key, model=type(fields))
    check_version(current=version, expected=expected_version, what=what)
    stored = session.get(AppSetting, key) or AppSetting(key=key, value={})
    stored.value = fields.model_dump(mode="json")
    stored.updated_at = utc_now()
    session.add(stored)
    session.flush()
    old, new = audit.changed_fields(before.model_dump(mode="json"), stored.value)
    if new:
        audit.record(
            session=session, actor=actor, action="updated", entity="setting", entity_id=entity_id, before=old, after=new
        )
    return type(fields).model_validate(stored.value), stored.version
