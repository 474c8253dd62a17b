"""Numbers as a finance document writes them: one place for money, quantities and percentages.

Every figure is rounded half-up from its decimal text (`Decimal(str(value))`), never with Python's `round` or a
format specification, which round half to even (£2.5 would read £2) and work on binary floats.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Number = Decimal | float | int | str
NOTHING = "—"  # what a page shows for a figure nobody has given


def _decimal(value: Number) -> Decimal:
    """The value as the decimal people wrote, not the nearest binary float."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rounded(value: Number, places: int = 0) -> Decimal:
    """The value rounded half-up to `places` decimal places."""
    return _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _signed(text: str, negative: bool) -> str:
    return f"-{text}" if negative else text


def money(amount: Number | None, pence: bool | Literal["auto"] = "auto") -> str:
    """Pounds: £1,234, -£1,234, or £1,234.56 with `pence=True`, or with "auto" when the amount has pence."""
    if amount is None:
        return NOTHING
    to_pence = rounded(amount, 2)
    show_pence = pence is True or (pence == "auto" and to_pence != to_pence.to_integral_value())
    shown = to_pence if show_pence else rounded(amount, 0)
    text = f"£{abs(shown):,.2f}" if show_pence else f"£{abs(shown):,.0f}"
    return _signed(text, shown < 0)


def money_short(amount: Number) -> str:
    """Pounds shortened for an axis, to three significant figures: £1.66m, £250k, -£800k, £0."""
    value = _decimal(amount)
    size = abs(value)
    for scale, suffix in ((Decimal(1_000_000), "m"), (Decimal(1_000), "k")):
        if size >= scale:
            return _signed(f"£{significant(size / scale)}{suffix}", value < 0)
    whole = rounded(size, 0)
    return _signed(f"£{whole:,.0f}", value < 0 and whole != 0)


def significant(value: Number, figures: int = 3) -> str:
    """A value to `figures` significant figures, half-up, without trailing zeros: 0.025, 1.66, 250."""
    number = _decimal(value)
    if number == 0:
        return "0"
    places = max(0, figures - 1 - number.adjusted())
    shown = rounded(abs(number), places)
    return _signed(_plain(shown), shown != 0 and number < 0)


def _plain(value: Decimal) -> str:
    """A decimal with thousands separated and no trailing zeros after the point."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Number | None, unit: str = "", *, places: int = 2, fixed: bool = True) -> str:
    """A figure with thousands separated, rounded half-up to `places`: 1,234, 0.25 or 1,234.50 (45,000.5 unfixed).

    A whole figure shows no decimals; with `fixed=False` trailing zeros after the point are dropped as well.
    """
    if value is None:
        return NOTHING
    shown = rounded(value, places)
    if shown == shown.to_integral_value():
        text = f"{abs(shown):,.0f}"
    elif fixed:
        text = f"{abs(shown):,.{places}f}"
    else:
        text = _plain(abs(shown))
    text = _signed(text, shown < 0)
    return f"{text} {unit}" if unit else text


def percent(share: Number | None, places: int = 0) -> str:
    """A share as a percentage, rounded half-up: 0.245 reads 25%; with `places=1`, 24.5%."""
    if share is None:
        return NOTHING
    return f"{quantity(_decimal(share) * 100, places=places)}%"
