"""One formatting module: money, quantities and percentages rounded half-up, never half to even."""

from decimal import Decimal

import pytest

from benefits.formatting import money, money_short, percent, quantity, significant


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0.5, "£1"),  # banker's rounding would give £0
        (2.5, "£3"),  # and £2
        (1.5, "£2"),
        (-0.5, "-£1"),
        (-2.5, "-£3"),
        (-0.4, "£0"),  # no minus zero
        (1234, "£1,234"),
        (-1234, "-£1,234"),
        (Decimal("40200.0000"), "£40,200"),  # a stored value, its trailing zeros never shown
        (1234567.49, "£1,234,567"),
    ],
)
def test_whole_pounds_round_half_up(amount: float | Decimal, shown: str) -> None:
    assert money(amount, pence=False) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1234.565, "£1,234.57"),  # a float whose binary value is just under ...565 still reads as written
        (Decimal("1234.565"), "£1,234.57"),
        (0.125, "£0.13"),
        (2.675, "£2.68"),  # format(2.675, ".2f") gives 2.67
        (-1234.565, "-£1,234.57"),
        (1234.5, "£1,234.50"),  # pence shown as pence, never £1,234.5
        (1234, "£1,234"),  # pence only where they matter
        (Decimal("40200.0000"), "£40,200"),
        (1234.001, "£1,234"),  # under a halfpenny: no pence to show
        (1234.995, "£1,235"),
        (0.004, "£0"),
    ],
)
def test_pence_shown_only_where_they_matter(amount: float | Decimal, shown: str) -> None:
    assert money(amount) == shown


def test_pence_asked_for_are_always_shown_and_nothing_is_a_dash() -> None:
    assert money(1234, pence=True) == "£1,234.00"
    assert money(0.005, pence=True) == "£0.01"
    assert money(None) == "—"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1_655_565, "£1.66m"), (250_000, "£250k"), (-800_000, "-£800k"), (0, "£0"), (2_500_000, "£2.5m"),
     (1_005_000, "£1.01m"), (999, "£999"), (-0.4, "£0")],
)  # fmt: skip
def test_axis_money_is_shortened_half_up(amount: float, shown: str) -> None:
    assert money_short(amount) == shown


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(49790, "calls", "49,790 calls"), (2.5, "", "2.50"), (0.125, "", "0.13"), (Decimal("12.0000"), "FTE", "12 FTE"),
     (-1.005, "", "-1.01"), (None, "", "—")],
)  # fmt: skip
def test_quantities_round_half_up_to_two_places(value: float | Decimal | None, unit: str, shown: str) -> None:
    assert quantity(value, unit) == shown


def test_a_quantity_can_ask_for_fewer_places() -> None:
    assert quantity(12.45, places=1) == "12.5"
    assert quantity(1234.5, places=0) == "1,235"


@pytest.mark.parametrize(
    ("share", "places", "shown"),
    [(0.245, 0, "25%"), (0.125, 0, "13%"), (0.2445, 1, "24.5%"), (Decimal("0.0350"), 1, "3.5%"), (1, 0, "100%")],
)
def test_percentages_round_half_up(share: float | Decimal, places: int, shown: str) -> None:
    assert percent(share, places) == shown


def test_a_history_figure_drops_trailing_zeros_and_an_axis_tick_keeps_three_figures() -> None:
    assert quantity(45000.5, fixed=False) == "45,000.5"
    assert quantity(Decimal("286914.4479"), fixed=False) == "286,914.45"
    assert quantity("40200.0000", fixed=False) == "40,200"
    assert [significant(value) for value in (0.025, 0.301, 1.665, -2.5, 0, 49790.4)] == [
        "0.025", "0.301", "1.67", "-2.5", "0", "49,790"]  # fmt: skip
