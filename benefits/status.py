"""Status at a glance: each benefit's RAG status against its approved baseline, and its direction of travel.

The rule. A benefit with an approved baseline is judged by its forecast: actuals where recorded, planned
otherwise, over the periods of the baseline in force (periods added since are not promised, so not judged).
Figures are signed, dis-benefits negative, so a shortfall is always a lower figure: a dis-benefit that grows
beyond its baseline falls short. The shortfall as a share of the baseline's size gives the status against the
portfolio's thresholds (defaults: on track within 5% short, at risk to 15%, off track beyond). A zero baseline
has no size: it is on track unless the forecast is below it.

A level (satisfaction 98%) is never summed: the latest level (the last baseline period's actual, or else its
planned value) is compared with the baseline's last level, the target; its shortfall is a share of the
improvement the baseline promised over the benefit's starting value.

No approved baseline, no status ("no baseline" rather than a guess); withdrawn benefits have none either.

Direction of travel compares the shortfall share now with the one computed, by this same rule, from the snapshot
of the last review that included the benefit: better, worse or the same (to the tenth of a percent shown), or
new when that review did not rate it or no review included it.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from benefits import portfolio_settings
from benefits.actors import Actor
from benefits.errors import NotFound
from benefits.initiatives import get_initiative
from benefits.models import Benefit
from benefits.models.review import Review
from benefits.models.status import (
    BenefitStatusRead,
    InitiativeStatusRead,
    Rag,
    StatusThresholds,
    Travel,
    Unrated,
)
from benefits.stages import MeasuredAs, profile_size

SETTINGS_KEY = "status_thresholds"
DEFAULT_THRESHOLDS = StatusThresholds()
# Shares are compared as the pages show them, to a tenth of a percent: smaller moves are the same.
SAME_WITHIN = Decimal("0.001")


@dataclass(frozen=True)
class Standing:
    """Where a forecast stands against a baseline: the variance, its share of the baseline's size, and the RAG."""

    variance: Decimal
    share: Decimal | None  # variance over the baseline's size: negative when short; None for a zero-size baseline
    rag: Rag

    @property
    def shortfall_share(self) -> Decimal | None:
        """How far short, as a share of the baseline's size (negative when ahead)."""
        return None if self.share is None else -self.share


def rag_for(*, share: Decimal | None, variance: Decimal, thresholds: StatusThresholds = DEFAULT_THRESHOLDS) -> Rag:
    """The RAG of a variance and its share of the baseline, by the thresholds (the module's rule)."""
    if share is None:
        return Rag.on_track if variance >= 0 else Rag.off_track
    if -share <= thresholds.on_track_within:
        return Rag.on_track
    if -share <= thresholds.at_risk_within:
        return Rag.at_risk
    return Rag.off_track


def standing(
    baseline: Decimal,
    forecast: Decimal,
    start: Decimal | None = None,
    thresholds: StatusThresholds = DEFAULT_THRESHOLDS,
) -> Standing:
    """A signed forecast against a signed baseline; `start` is a level's starting value (its share is of the gain)."""
    variance = forecast - baseline
    size = abs(baseline - start) if start is not None and baseline != start else abs(baseline)
    share = None if size == 0 else variance / size
    return Standing(variance=variance, share=share, rag=rag_for(share=share, variance=variance, thresholds=thresholds))


def travel(now: Standing, then: Standing | None) -> Travel:
    """Which way the shortfall moved since `then` (None when the last review did not rate the benefit)."""
    if then is None:
        return Travel.new
    if now.share is not None and then.share is not None:
        before, after = then.share.quantize(SAME_WITHIN), now.share.quantize(SAME_WITHIN)
    else:  # a zero-size baseline has no share: its variance says how it moved
        before, after = then.variance, now.variance
    if after == before:
        return Travel.same
    return Travel.better if after > before else Travel.worse


def _signed(size: Decimal | None, benefit: Benefit) -> str | None:
    return None if size is None else str(-size if benefit.is_disbenefit else size)


def baseline_figures(benefit: Benefit) -> dict[str, Any]:
    """What the status needs of a benefit, as a review's snapshot keeps it (signed figures as text).

    Needs the benefit's profile and baseline rows loaded.
    """
    versions: dict[int, list[Any]] = defaultdict(list)
    for row in benefit.baseline_rows:
        versions[row.version].append(row)
    in_force = versions.get(benefit.baseline_version or 0, [])
    if in_force:
        entries = {entry.period: entry for entry in benefit.profile}
        judged = [entries.get(row.period) for row in sorted(in_force, key=lambda row: row.sort_key)]
        forecast = [None if entry is None else entry.planned if entry.actual is None else entry.actual
                    for entry in judged]  # fmt: skip
    else:
        forecast = [entry.planned if entry.actual is None else entry.actual for entry in benefit.profile]
    level = benefit.measured_as == MeasuredAs.level
    approved = benefit.baseline_version is not None
    # A level is compared at its end: the last period's forecast level (its actual, or the plan the owner keeps up
    # to date) against the level approved for it; an early year's shortfall counts once it changes that forecast.
    promised = [row.planned for row in sorted(in_force, key=lambda row: row.sort_key)]
    return {
        "measured_as": benefit.measured_as.value,
        "start": str(benefit.baseline_value) if level and benefit.baseline_value is not None else None,
        "forecast": _signed(profile_size(forecast, benefit.measured_as), benefit) or "0",
        "baseline_version": benefit.baseline_version,
        "baseline": _signed(profile_size(promised, benefit.measured_as), benefit) if approved else None,
        "original_baseline": _signed(profile_size([row.planned for row in versions[1]], benefit.measured_as), benefit)
        if approved
        else None,
    }


def standing_of(
    row: Mapping[str, Any], thresholds: StatusThresholds = DEFAULT_THRESHOLDS, *, original: bool = False
) -> Standing | None:
    """A snapshot row's standing against the baseline in force (or baseline 1); None when it has no status."""
    if row.get("baseline") is None or row.get("withdrawn"):
        return None
    # Snapshots taken before baselines had versions knew one baseline, the original.
    baseline = Decimal(row.get("original_baseline") or row["baseline"]) if original else Decimal(row["baseline"])
    start = Decimal(row["start"]) if row.get("start") is not None else None
    return standing(baseline, Decimal(row["forecast"]), start, thresholds)


def status_thresholds(*, session: Session) -> tuple[StatusThresholds, int]:
    """The portfolio's RAG thresholds (the documented defaults until someone saves them) and their version."""
    return portfolio_settings.read_setting(session=session, key=SETTINGS_KEY, model=StatusThresholds)


def save_thresholds(
    *, session: Session, fields: StatusThresholds, expected_version: frozenset[int] | None, actor: Actor
) -> tuple[StatusThresholds, int]:
    """Replace the RAG thresholds (admin, finance: those who keep the stage weights)."""
    return portfolio_settings.save_setting(
        session=session, key=SETTINGS_KEY, entity_id=2, fields=fields, expected_version=expected_version, actor=actor,
        what="status thresholds",
    )  # fmt: skip


def _judged_benefits(*, session: Session, initiative_ids: Sequence[int], rated_only: bool) -> Sequence[Benefit]:
    """The initiatives' benefits with what the rule reads (profile and baseline rows) loaded."""
    statement = (
        select(Benefit)
        .where(col(Benefit.initiative_id).in_(list(initiative_ids)))
        .order_by(col(Benefit.id))
        .options(selectinload(Benefit.profile), selectinload(Benefit.baseline_rows))  # type: ignore[arg-type]
    )
    if rated_only:
        statement = statement.where(col(Benefit.baseline_version).is_not(None), col(Benefit.withdrawn).is_(False))
    return session.exec(statement).all()


def _last_reviewed(*, session: Session, initiative_id: int, benefit_ids: Iterable[int]) -> dict[int, tuple[int, Any]]:
    """Each benefit's row in the last review's snapshot that included it (of its initiative, or portfolio-wide)."""
    wanted = {str(benefit_id) for benefit_id in benefit_ids}
    found: dict[int, tuple[int, Any]] = {}
    # The last review of the initiative and the last of the portfolio, newest first (by recording order, since that
    # is when each snapshot was taken): a benefit neither included is new since, and older snapshots are not read.
    latest = [
        session.exec(select(func.max(Review.id)).where(scope)).one()
        for scope in (col(Review.initiative_id) == initiative_id, col(Review.initiative_id).is_(None))
    ]
    for review_id in sorted((found_id for found_id in latest if found_id is not None), reverse=True):
        if not wanted:
            break
        review = session.get(Review, review_id)
        assert review is not None
        rows = review.snapshot.get("benefits", {})
        for key in wanted & rows.keys():
            found[int(key)] = (review.id or 0, rows[key])
        wanted -= rows.keys()
    return found


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _statuses(
    *, session: Session, initiative_id: int, benefits: Sequence[Benefit], thresholds: StatusThresholds
) -> list[BenefitStatusRead]:
    """The benefits' statuses now, each with its direction since the last review that included it."""
    last = _last_reviewed(session=session, initiative_id=initiative_id, benefit_ids=[b.id or 0 for b in benefits])
    found = []
    for benefit in benefits:
        row = baseline_figures(benefit) | {"withdrawn": benefit.withdrawn}
        now = standing_of(row, thresholds)
        review_id, then_row = last.get(benefit.id or 0, (None, None))
        then = standing_of(then_row, thresholds) if then_row is not None else None
        found.append(
            BenefitStatusRead(
                benefit_id=benefit.id or 0,
                title=benefit.title,
                stage=benefit.stage.value,
                measured_as=benefit.measured_as.value,
                unit=benefit.unit,
                status=now.rag if now else None,
                unrated=None if now else Unrated.withdrawn if benefit.withdrawn else Unrated.no_baseline,
                baseline_version=benefit.baseline_version,
                approved_baseline=Decimal(row["baseline"]) if row["baseline"] is not None else None,
                forecast=Decimal(row["forecast"]) if now else None,
                variance=now.variance if now else None,
                shortfall_share=_float(now.shortfall_share) if now else None,
                direction=travel(now, then) if now else None,
                previous_review_id=review_id,
                previous_shortfall_share=_float(then.shortfall_share) if then else None,
            )
        )
    return found


def initiative_status(*, session: Session, initiative_id: int) -> InitiativeStatusRead:
    """Every benefit of an initiative with its RAG status, shortfall and direction since the last review."""
    get_initiative(session=session, initiative_id=initiative_id)
    thresholds, _ = status_thresholds(session=session)
    benefits = _judged_benefits(session=session, initiative_ids=[initiative_id], rated_only=False)
    found = _statuses(session=session, initiative_id=initiative_id, benefits=benefits, thresholds=thresholds)
    return InitiativeStatusRead(initiative_id=initiative_id, thresholds=thresholds, benefits=found)


def benefit_status(*, session: Session, benefit_id: int) -> BenefitStatusRead:
    """One benefit's RAG status, shortfall and direction since the last review, or NotFound."""
    benefit = session.exec(
        select(Benefit)
        .where(Benefit.id == benefit_id)
        .options(selectinload(Benefit.profile), selectinload(Benefit.baseline_rows))  # type: ignore[arg-type]
    ).first()
    if benefit is None:
        raise NotFound(f"There is no benefit {benefit_id}.")
    thresholds, _ = status_thresholds(session=session)
    (found,) = _statuses(
        session=session, initiative_id=benefit.initiative_id, benefits=[benefit], thresholds=thresholds
    )
    return found


def status_counts(*, session: Session, initiative_ids: Sequence[int]) -> dict[int, Counter[str]]:
    """For each initiative, how many live benefits are on track, at risk, off track, or have no baseline."""
    counts: dict[int, Counter[str]] = {initiative_id: Counter() for initiative_id in initiative_ids}
    if not initiative_ids:
        return counts
    thresholds, _ = status_thresholds(session=session)
    for benefit in _judged_benefits(session=session, initiative_ids=initiative_ids, rated_only=True):
        rated = standing_of(baseline_figures(benefit) | {"withdrawn": False}, thresholds)
        assert rated is not None
        counts[benefit.initiative_id][rated.rag.value] += 1
    unrated = session.exec(
        select(Benefit.initiative_id, func.count())
        .where(
            col(Benefit.initiative_id).in_(list(initiative_ids)),
            col(Benefit.baseline_version).is_(None),
            col(Benefit.withdrawn).is_(False),
        )
        .group_by(col(Benefit.initiative_id))
    ).all()
    for initiative_id, number in unrated:
        counts[initiative_id][Unrated.no_baseline.value] = number
    return counts
