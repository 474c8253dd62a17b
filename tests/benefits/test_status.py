"""Status at a glance: the RAG rule, the worked example's statuses against a hand calculation, the thresholds
setting, and the direction of travel since the last review."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlmodel import Session, select

from benefits import register, reviews, status
from benefits.errors import Forbidden
from benefits.example import load_example
from benefits.models import Initiative, ProfileEntryIn, Role
from benefits.models.review import ReviewCreate
from benefits.models.status import BenefitStatusRead, Rag, StatusThresholds, Travel, Unrated
from benefits.stages import Stage
from benefits.workbooks.business_case import business_case_workbook
from tests.support.factories import TESTER, actor_of, make_benefit, make_person


@pytest.mark.parametrize(
    ("baseline", "forecast", "start", "rag"),
    [
        ("100", "100", None, Rag.on_track),
        ("100", "95", None, Rag.on_track),  # exactly 5% short is still on track
        ("100", "94.99", None, Rag.at_risk),
        ("100", "85", None, Rag.at_risk),  # exactly 15% short is at risk
        ("100", "84.99", None, Rag.off_track),
        ("-100", "-110", None, Rag.at_risk),  # a dis-benefit grown 10% beyond its baseline
        ("-100", "-90", None, Rag.on_track),  # a dis-benefit smaller than planned is ahead
        ("0", "0", None, Rag.on_track),
        ("0", "-1", None, Rag.off_track),
        # A level from 76% to 98% promised 22 points: 95.8% is 2.2 points short, 10% of the gain.
        ("98", "95.8", "76", Rag.at_risk),
        ("98", "97", "76", Rag.on_track),  # 1 point of 22 is 4.5%
    ],
)
def test_the_rag_rule(baseline: str, forecast: str, start: str | None, rag: Rag) -> None:
    found = status.standing(Decimal(baseline), Decimal(forecast), Decimal(start) if start else None)
    assert found.rag is rag


def test_the_thresholds_must_rise_and_be_shares() -> None:
    with pytest.raises(ValidationError, match="greater than on_track_within"):
        StatusThresholds(on_track_within=Decimal("0.2"), at_risk_within=Decimal("0.1"))
    with pytest.raises(ValidationError):
        StatusThresholds(on_track_within=Decimal("0.1"), at_risk_within=Decimal("0.1"))
    with pytest.raises(ValidationError):
        StatusThresholds(on_track_within=Decimal("-0.01"))
    with pytest.raises(ValidationError):
        StatusThresholds(at_risk_within=Decimal("1.5"))
    assert StatusThresholds(on_track_within=Decimal(0), at_risk_within=Decimal("0.01")).on_track_within == 0


# The worked example by hand (examples/council_front_office.json): each benefit's approved baseline is its plan
# when it first reached planned; its forecast is the actuals where recorded, the plan otherwise, over those years.
PHONE_BASELINE = 63_675 + 191_025 + 3 * 254_700  # 1,018,800
PHONE_FORECAST = 58_900 + 191_025 + 3 * 254_700  # 2026-27's actual 58,900 in place of 63,675
SHIFT_BASELINE = 40_200 + 160_800 + 3 * 321_600  # no actuals yet: forecast = baseline
VISITS_BASELINE = 84_700 + 4 * 338_800  # 2026-27's actual equals its plan
# Satisfaction is a level, compared at its end: the last year's 98% (no actual yet) against the baseline's last
# 98%, from 76%.
SATISFACTION_BASELINE, SATISFACTION_ACTUAL, SATISFACTION_GAIN = 98, 98, 98 - 76
# Library time is a dis-benefit approved at the first review's plan, then re-forecast down (less time lost).
LIBRARY_BASELINE = -(14_000 + 34_000 + 3 * 33_600)  # -148,800
LIBRARY_FORECAST = -(14_000 + 28_000 + 3 * 28_000)  # -126,000
# Longer call handling is a dis-benefit whose one year's actual (41,500) exceeds its plan (36,000).
HANDLING_BASELINE, HANDLING_FORECAST = -36_000, -41_500


def by_hand(on_track_within: float, at_risk_within: float) -> dict[str, tuple[str | None, float | None]]:
    """Each example benefit's RAG and shortfall share, worked out from the figures above."""

    def rag(baseline: float, forecast: float, size: float | None = None) -> tuple[str, float]:
        short = (baseline - forecast) / (size if size is not None else abs(baseline))
        word = "on_track" if short <= on_track_within else "at_risk" if short <= at_risk_within else "off_track"
        return word, short

    return {
        "Avoidable phone contact removed": rag(PHONE_BASELINE, PHONE_FORECAST),
        "Phone transactions shifted to the web": rag(SHIFT_BASELINE, SHIFT_BASELINE),
        "Face-to-face visits shifted to the web": rag(VISITS_BASELINE, VISITS_BASELINE),
        "Printing and postage stopped": (None, None),  # scoped: no approved baseline
        "Customer satisfaction raised": rag(SATISFACTION_BASELINE, SATISFACTION_ACTUAL, SATISFACTION_GAIN),
        "Abandoned calls held under 3%": (None, None),  # scoped
        "Library staff time given to assisted digital support": rag(LIBRARY_BASELINE, LIBRARY_FORECAST),
        "Longer call handling during the CRM roll-out": rag(HANDLING_BASELINE, HANDLING_FORECAST),
        "Back-office rework avoided by first-time resolution": (None, None),  # an opportunity
        "A single customer record improves safeguarding referrals": (None, None),  # qualitative, an opportunity
    }


def _example(session: Session) -> int:
    load_example(session=session)
    initiative = session.exec(select(Initiative)).one()
    assert initiative.id is not None
    return initiative.id


def _rag(row: BenefitStatusRead) -> str | None:
    return None if row.status is None else row.status.value


def _statuses(session: Session, initiative_id: int) -> dict[str, BenefitStatusRead]:
    return {row.title: row for row in status.initiative_status(session=session, initiative_id=initiative_id).benefits}


def test_the_worked_example_statuses_agree_with_a_hand_calculation(session: Session) -> None:
    initiative_id = _example(session)
    found = _statuses(session, initiative_id)
    expected = by_hand(0.05, 0.15)
    assert found.keys() == expected.keys()
    for title, (rag, short) in expected.items():
        row = found[title]
        assert _rag(row) == rag, title
        if short is None:
            assert (row.unrated, row.shortfall_share, row.direction) == (Unrated.no_baseline, None, None), title
        else:
            assert row.shortfall_share == pytest.approx(short), title
    # The figures behind two of them, as the hand calculation has them.
    assert found["Longer call handling during the CRM roll-out"].status is Rag.off_track  # 15.3% beyond its plan
    assert found["Avoidable phone contact removed"].shortfall_share == pytest.approx(4_775 / 1_018_800)
    assert found["Library staff time given to assisted digital support"].variance == 22_800  # ahead: less time lost
    # Every rated benefit was in the second review with the figures it has now.
    assert {row.direction for row in found.values() if row.status} == {Travel.same}


def test_the_thresholds_setting_changes_the_outcome(session: Session) -> None:
    initiative_id = _example(session)
    assert status.status_thresholds(session=session) == (StatusThresholds(), 0)
    # Tighter on track (0.4%) puts the phone contact at risk; a wider at-risk band (16%) takes in call handling.
    tighter = StatusThresholds(on_track_within=Decimal("0.004"), at_risk_within=Decimal("0.16"))
    saved, version = status.save_thresholds(session=session, fields=tighter, expected_version=None, actor=TESTER)
    assert (saved, version) == (tighter, 1)
    found = _statuses(session, initiative_id)
    for title, (rag, _) in by_hand(0.004, 0.16).items():
        assert _rag(found[title]) == rag, title
    assert found["Avoidable phone contact removed"].status is Rag.at_risk
    assert found["Longer call handling during the CRM roll-out"].status is Rag.at_risk
    counts = status.status_counts(session=session, initiative_ids=[initiative_id])[initiative_id]
    assert counts == {"on_track": 4, "at_risk": 2, "no_baseline": 4}


def test_only_those_who_keep_the_stage_weights_set_the_thresholds(session: Session) -> None:
    manager = actor_of(make_person(session, role=Role.programme_manager))
    with pytest.raises(Forbidden):
        status.save_thresholds(session=session, fields=StatusThresholds(), expected_version=None, actor=manager)
    finance = actor_of(make_person(session, role=Role.finance))
    assert status.save_thresholds(session=session, fields=StatusThresholds(), expected_version=None, actor=finance)


def test_direction_of_travel_after_a_review_then_a_changed_actual(session: Session) -> None:
    initiative_id = _example(session)
    shift = "Phone transactions shifted to the web"
    benefit_id = _statuses(session, initiative_id)[shift].benefit_id

    def record(actual_2026: int) -> None:
        rows = [ProfileEntryIn(period="2026-27", planned=Decimal(40_200), actual=Decimal(actual_2026))]
        rows += [ProfileEntryIn(period=year, planned=Decimal(amount)) for year, amount in
                 [("2027-28", 160_800), ("2028-29", 321_600), ("2029-30", 321_600), ("2030-31", 321_600)]]  # fmt: skip
        register.replace_profile(session=session, benefit_id=benefit_id, rows=rows, expected_version=None, actor=TESTER)

    # 10,200 short of 1,165,600 after the last review: worse, though still on track (0.9% short).
    record(30_000)
    now = _statuses(session, initiative_id)[shift]
    assert (now.status, now.direction, now.previous_shortfall_share) == (Rag.on_track, Travel.worse, 0)
    assert now.shortfall_share == pytest.approx(10_200 / SHIFT_BASELINE)
    # The board meets and sees it; then 2026-27's actual is corrected up to 35,000: better than that review.
    review = reviews.record_review(
        session=session, fields=ReviewCreate(initiative_id=initiative_id, held_on=date(2027, 1, 15)), actor=TESTER
    )
    assert _statuses(session, initiative_id)[shift].direction is Travel.same
    record(35_000)
    now = _statuses(session, initiative_id)[shift]
    assert (now.direction, now.previous_review_id) == (Travel.better, review.id)
    assert now.previous_shortfall_share == pytest.approx(10_200 / SHIFT_BASELINE)
    assert now.shortfall_share == pytest.approx(5_200 / SHIFT_BASELINE)
    assert status.benefit_status(session=session, benefit_id=benefit_id) == now  # a register row's status alone
    # A benefit approved since the last review has no earlier rating: new.
    initiative = session.get(Initiative, initiative_id)
    assert initiative is not None
    fresh = make_benefit(session, initiative=initiative, stage=Stage.planned, title="Approved after the review")
    assert _statuses(session, initiative_id)[fresh.title].direction is Travel.new


def test_a_withdrawn_benefit_has_no_status(session: Session) -> None:
    initiative_id = _example(session)
    handling = _statuses(session, initiative_id)["Longer call handling during the CRM roll-out"]
    register.withdraw_benefit(session=session, benefit_id=handling.benefit_id, reason="Counted in the model",
                              expected_version=None, actor=TESTER)  # fmt: skip
    row = _statuses(session, initiative_id)[handling.title]
    assert (row.status, row.unrated, row.direction) == (None, Unrated.withdrawn, None)
    assert "off_track" not in status.status_counts(session=session, initiative_ids=[initiative_id])[initiative_id]


def test_the_forecast_is_judged_over_the_baseline_years_only(session: Session) -> None:
    initiative_id = _example(session)
    shift = _statuses(session, initiative_id)["Phone transactions shifted to the web"]
    rows = [ProfileEntryIn(period="2026-27", planned=Decimal(40_200)), ProfileEntryIn(period="2027-28",
            planned=Decimal(160_800)), ProfileEntryIn(period="2028-29", planned=Decimal(321_600)),
            ProfileEntryIn(period="2029-30", planned=Decimal(321_600)), ProfileEntryIn(period="2030-31",
            planned=Decimal(321_600)), ProfileEntryIn(period="2031-32", planned=Decimal(321_600))]  # fmt: skip
    register.replace_profile(session=session, benefit_id=shift.benefit_id, rows=rows, expected_version=None,
                             actor=TESTER)  # fmt: skip
    # A year added after approval was never promised, so it neither helps nor hides a shortfall.
    assert _statuses(session, initiative_id)[shift.title].forecast == SHIFT_BASELINE


def test_the_business_case_workbook_carries_each_status_beside_the_register(session: Session) -> None:
    initiative_id = _example(session)
    book = load_workbook(io.BytesIO(business_case_workbook(session=session, initiative_id=initiative_id)))
    sheet = book["Benefits"]
    headings = [cell.value for cell in sheet[4]]
    at = headings.index("Status") + 1
    assert headings[at - 2 : at + 2] == ["Forecast total", "Status", "Shortfall against approved baseline",
                                         "Since the last review"]  # fmt: skip
    words = {"on_track": "On track", "off_track": "Off track", None: "No baseline"}
    shown = {}
    for r in range(5, sheet.max_row + 1):
        shown[sheet.cell(r, 2).value] = (sheet.cell(r, at).value, sheet.cell(r, at + 1).value)
    expected = by_hand(0.05, 0.15)
    assert shown.keys() == expected.keys()
    for title, (rag, short) in expected.items():
        word, share = shown[title]
        assert word == words[rag], title
        assert share == (pytest.approx(short) if short is not None else None), title
    handling_row = next(r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 2).value.startswith("Longer call"))
    assert sheet.cell(handling_row, at).fill.fgColor.rgb.endswith("F8D7DA")  # the word, and its colour
    assert sheet.cell(handling_row, at + 1).number_format == "0.0%"
    assert sheet.cell(handling_row, at + 2).value == "Same"
    assert sheet.auto_filter.ref.endswith(f"{get_column_letter(at + 2)}{sheet.max_row}")
