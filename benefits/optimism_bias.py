"""The Green Book's published upper bounds for optimism bias, offered as reference values for cost lines."""

from decimal import Decimal

# (project type, works duration, capital expenditure) as fractions; supplementary Green Book guidance.
UPPER_BOUNDS: tuple[tuple[str, Decimal | None, Decimal], ...] = (
    ("Standard buildings", Decimal("0.04"), Decimal("0.24")),
    ("Non-standard buildings", Decimal("0.39"), Decimal("0.51")),
    ("Standard civil engineering", Decimal("0.20"), Decimal("0.44")),
    ("Non-standard civil engineering", Decimal("0.25"), Decimal("0.66")),
    ("Equipment and development", Decimal("0.54"), Decimal("2.00")),
    ("Outsourcing", None, Decimal("0.41")),
)
