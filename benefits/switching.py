"""Switching values: where each assumption of an initiative's model, moved across its range, turns economic NPV to zero.

A benefit valued by a model node is planned at the node's most-likely value. When an assumption moves, each such
benefit's planned values (not its recorded actuals, which are facts) scale by the node's new value over its
most-likely value; every other benefit and every cost stays as it is.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import sqlalchemy as sa
from sqlmodel import Session, col, func

from benefits.appraisal import appraise, valued_benefits
from benefits.cause_models import checked_model, get_model, model_view
from benefits.columns import SCALE
from benefits.errors import InvalidModel
from benefits.modelling.graph import CheckedModel
from benefits.models import Benefit, ProfileEntry
from benefits.models.appraisal import SwitchingValueRead, SwitchingValuesRead

# benefits.modelling.simulation (and with it numpy) is imported where a model is evaluated, so it loads with the
# first evaluation rather than when the service starts.


def _planned_present_values(*, session: Session, initiative_id: int, factors: dict[int, float]) -> dict[str, float]:
    """The present value of the still-planned values of the benefits each model node values."""
    year = sa.cast(func.substr(ProfileEntry.period, 1, 4), sa.Integer)
    sign = sa.case((col(Benefit.is_disbenefit), -1), else_=1)
    grouped = (
        sa.select(col(Benefit.model_node), year, func.sum(sign * sa.type_coerce(ProfileEntry.planned, sa.BigInteger)))
        .select_from(Benefit)
        .join(ProfileEntry, col(ProfileEntry.benefit_id) == col(Benefit.id))
        .where(
            *valued_benefits(initiative_id), col(Benefit.model_node).is_not(None), col(ProfileEntry.actual).is_(None)
        )
        .group_by(col(Benefit.model_node), year)
    )
    present: dict[str, float] = defaultdict(float)
    for node, start, raw in session.execute(grouped):
        present[str(node)] += float(Decimal(int(raw or 0)).scaleb(-SCALE)) * factors.get(int(start), 0.0)
    return dict(present)


def _or_none(npv_at: Callable[[str, float], float], name: str, value: float) -> float | None:
    """NPV with the assumption at `value`, or None where the model has no value there (a division by zero)."""
    try:
        return npv_at(name, value)
    except InvalidModel:
        return None


@dataclass(frozen=True)
class NpvModel:
    """The economic NPV as the model's assumptions move: benefits valued by a node scale with the node's value."""

    npv: Decimal
    linked_benefits: int
    model: CheckedModel | None
    most_likely: dict[str, float]
    scaled: dict[str, float]  # the present value of each node's still-planned benefits

    def at(self, overrides: Mapping[str, float]) -> float:
        """NPV with the assumptions overridden; InvalidModel where the model has no value there."""
        from benefits.modelling.simulation import deterministic

        if self.model is None:
            return float(self.npv)
        values = deterministic(self.model, overrides)
        return float(self.npv) + sum(
            pv * (values[node] / self.most_likely[node] - 1) for node, pv in self.scaled.items()
        )


def npv_model(*, session: Session, initiative_id: int) -> NpvModel:
    """The initiative's economic NPV, ready to be recomputed with some of its model's assumptions overridden."""
    from benefits.modelling.simulation import deterministic

    appraisal = appraise(session=session, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    linked = session.execute(
        sa.select(func.count())
        .select_from(Benefit)
        .where(*valued_benefits(initiative_id), col(Benefit.model_node).is_not(None))
    ).scalar_one()
    if not stored.nodes:
        return NpvModel(npv=appraisal.economic.npv, linked_benefits=0, model=None, most_likely={}, scaled={})
    model = checked_model(stored)
    factors = {int(period.period[:4]): period.discount_factor for period in appraisal.periods}
    present = _planned_present_values(session=session, initiative_id=initiative_id, factors=factors)
    most_likely = deterministic(model)
    # A node whose most-likely value is zero gives no ratio to scale by; its benefits are held fixed.
    scaled = {node: value for node, value in present.items() if most_likely.get(node)}
    return NpvModel(appraisal.economic.npv, int(linked), model, most_likely, scaled)


def switching_values(*, session: Session, initiative_id: int) -> SwitchingValuesRead:
    """For each ranged assumption: economic NPV at its low and high, and the value where NPV is zero, if any."""
    from benefits.modelling.simulation import first_crossing

    found = npv_model(session=session, initiative_id=initiative_id)
    if found.model is None:
        return SwitchingValuesRead(
            initiative_id=initiative_id, npv=Decimal(str(float(found.npv))), linked_benefits=0, assumptions=[]
        )

    def npv_at(assumption: str, value: float) -> float:
        return found.at({assumption: value})

    rows = []
    for node in found.model.assumptions:
        if not node.ranged:
            continue
        low, high = float(node.low or 0), float(node.high or 0)
        crossing = first_crossing(partial(npv_at, node.name), low, high) if found.scaled else None
        at_low, at_high = _or_none(npv_at, node.name, low), _or_none(npv_at, node.name, high)
        rows.append(
            SwitchingValueRead(
                assumption=node.name,
                unit=node.unit,
                low=low,
                most_likely=float(node.value or 0),
                high=high,
                npv_at_low=None if at_low is None else Decimal(repr(at_low)),
                npv_at_high=None if at_high is None else Decimal(repr(at_high)),
                switching_value=crossing,
            )
        )
    return SwitchingValuesRead(
        initiative_id=initiative_id, npv=found.npv, linked_benefits=found.linked_benefits, assumptions=rows
    )


def scenario_npvs(*, session: Session, initiative_id: int) -> tuple[Decimal, dict[str, Decimal | None]]:
    """The economic NPV at most-likely values, and under each stored scenario (None where it has no value)."""
    found = npv_model(session=session, initiative_id=initiative_id)
    stored = get_model(session=session, initiative_id=initiative_id)
    npvs: dict[str, Decimal | None] = {}
    for scenario in model_view(stored).scenarios:
        try:
            npvs[scenario.name] = Decimal(repr(found.at(scenario.overrides)))
        except InvalidModel:
            npvs[scenario.name] = None
    return found.npv, npvs
