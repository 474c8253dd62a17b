"""Column types and validated field types shared by the model families."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetJsonSchemaHandler,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    ValidationInfo,
)
from pydantic import Field as PydanticField
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

from benefits.periods import PERIOD_PATTERN, YEAR_PATTERN, Period, PeriodError, parse_period
from benefits.text import (
    LINE_PATTERN,
    NAME_PATTERN,
    PROSE_PATTERN,
    REASON_PATTERN,
    REQUIRED_REASON_PATTERN,
    check_line,
    check_name,
    check_prose,
)

# Every model module imports this one first, so the convention is set before any table is defined:
# constraints then get the same names on both databases, and migrations can drop them by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SCALE = 4
_UNIT = Decimal(1).scaleb(-SCALE)
QUANTITY_LIMIT = Decimal(10) ** 12


class ScaledDecimal(sa.types.TypeDecorator[Decimal]):
    """An exact decimal stored as a whole number of ten-thousandths, so sums are exact on every database."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(str(value)) * 10**SCALE).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        return None if value is None else Decimal(int(value)).scaleb(-SCALE)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp kept in UTC and always read back time-zone aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(sa.types.TypeDecorator[Any]):
    """A string enum kept as plain text (no database enum type to migrate) and read back as the enum."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def quantize(value: Decimal) -> Decimal:
    """Round half-up to the stored precision."""
    return value.quantize(_UNIT, rounding=ROUND_HALF_UP)


def _no_nul(text: str) -> str:
    # PostgreSQL refuses NUL in text; refusing it at the edge keeps both databases alike.
    if "\x00" in text:
        raise ValueError("must not contain the NUL character")
    return text


def _instant(moment: datetime) -> datetime:
    # Far-off offsets near year 1 or 9999 overflow when moved to UTC; refuse them as bad input.
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as error:
        raise ValueError("the time is out of range") from error


def _written_as_a_moment(value: object) -> object:
    # Pydantic reads a number (or a numeric string, as a query string sends it) as seconds since 1970; the schema
    # says date-time, so `?until=0.5` is refused rather than read as a moment in 1970.
    numeric = isinstance(value, int | float) or (isinstance(value, str) and _looks_numeric(value))
    if numeric:
        raise ValueError("give a date and time such as 2026-12-01T09:00:00Z, not a number")
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# A moment a client sends, in UTC (naive times are taken as UTC).
Instant = Annotated[datetime, BeforeValidator(_written_as_a_moment), AfterValidator(_instant)]


def _written_as_a_day(value: object) -> object:
    # As for a moment: the schema says a date, so `0` is refused rather than read as 1 January 1970.
    numeric = isinstance(value, int | float) or (isinstance(value, str) and _looks_numeric(value))
    if numeric:
        raise ValueError("give a date such as 2026-04-01, not a number")
    return value


# A day a client sends, written as the schema says (2026-04-01).
Day = Annotated[date, BeforeValidator(_written_as_a_day)]


class _NullLeftOut:
    """Leaves null out of a field's documented schema."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        kept = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
        if "anyOf" in schema and len(kept) == 1:
            return {**kept[0], **{key: value for key, value in schema.items() if key != "anyOf"}}
        if "anyOf" in schema:  # a decimal: a number or a plain numeral, and never null
            return {**schema, "anyOf": kept}
        return schema


T = TypeVar("T")
# A field a partial change may leave out but never empty: null is not in the document. It is still read, so the
# domain refuses it by name ("name cannot be null") where the field is, as every other refusal is said.
Omittable = Annotated[T | None, _NullLeftOut()]

# A yes or no a client sends: true or false only, as the schema says (pydantic would read 0, "no" or "off").
YesNo = StrictBool

# Write models refuse fields they do not know, so a misspelt or read-only field is an error, not ignored.
FORBID_UNKNOWN = SQLModelConfig(extra="forbid")


def _not_true_or_false(value: object) -> object:
    # Python counts true as 1; the schema says an integer, so true is refused rather than read as the row 1.
    if isinstance(value, bool):
        raise ValueError("give a whole number, not true or false")
    return value


# An id a client sends: bounded, so no client can send one the database cannot hold.
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, PydanticField(ge=1, le=MAX_ROW_ID), BeforeValidator(_not_true_or_false)]

# A decimal sent as a string (to keep it exact) is a plain numeral; its bounds are then checked as a number's are.
_NUMERAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _plain_numeral(value: object) -> object:
    if isinstance(value, str) and not _NUMERAL.fullmatch(value):
        raise ValueError("write the number plainly, such as 1234.56: no spaces, commas, currency signs or exponent")
    return value


class _NumeralPattern:
    """Writes the numerals a decimal field takes as a string into its schema: the plain ones within its bounds."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        target = handler.resolve_ref_schema(schema)
        for branch in target.get("anyOf", [target]):
            if branch.get("type") == "string":
                branch["pattern"] = self.pattern
        return schema


# Plain numerals within each bound, leading zeros and a negative zero included, as _plain_numeral and the bounds
# take them; tests/benefits/test_numerals.py holds each pattern to what the field accepts.
_ZERO_BELOW = r"-(?:0+(?:\.0*)?|0*\.0+)"
QUANTITY_NUMERAL = r"^[+-]?0*(?:[0-9]{1,12}(?:\.[0-9]*)?|1000000000000(?:\.0*)?|\.[0-9]+)$"
POSITIVE_NUMERAL = (
    r"^\+?0*(?:[1-9][0-9]{0,11}(?:\.[0-9]*)?|1000000000000(?:\.0*)?|\.(?:0{0,3}[1-9][0-9]*|0000[5-9][0-9]*))$"
)
SHARE_NUMERAL = rf"^(?:\+?(?:0+(?:\.[0-9]*)?|0*\.[0-9]+|0*1(?:\.0*)?)|{_ZERO_BELOW})$"
UPLIFT_NUMERAL = rf"^(?:\+?(?:0*[0-4](?:\.[0-9]*)?|0*\.[0-9]+|0*5(?:\.0*)?)|{_ZERO_BELOW})$"

# A value or amount: exact, bounded, and written to JSON as a number.
Quantity = Annotated[
    Decimal,
    PydanticField(ge=-QUANTITY_LIMIT, le=QUANTITY_LIMIT, allow_inf_nan=False),
    BeforeValidator(_plain_numeral),
    AfterValidator(quantize),
    PlainSerializer(float, return_type=float, when_used="json"),
    _NumeralPattern(QUANTITY_NUMERAL),
]
# A figure the service works out (a total, an uplifted amount): written as a number, and unbounded, since a sum of
# amounts each within bounds may pass them; only what a client sends is held to the bounds.
Computed = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

# An amount that must be above nothing once rounded to the stored four places (a confirmation): 0.00005 and up.
PositiveQuantity = Annotated[
    Decimal,
    PydanticField(ge=Decimal("0.00005"), le=QUANTITY_LIMIT, allow_inf_nan=False),
    BeforeValidator(_plain_numeral),
    AfterValidator(quantize),
    PlainSerializer(float, return_type=float, when_used="json"),
    _NumeralPattern(POSITIVE_NUMERAL),
]
# A share from 0 to 1 (a stage weight, a discount rate), kept to the stored precision.
Share = Annotated[
    Decimal,
    PydanticField(ge=0, le=1, allow_inf_nan=False),
    BeforeValidator(_plain_numeral),
    AfterValidator(quantize),
    PlainSerializer(float, return_type=float, when_used="json"),
    _NumeralPattern(SHARE_NUMERAL),
]
# An optimism-bias uplift: from 0 to 5 (500%).
Uplift = Annotated[
    Decimal,
    PydanticField(ge=0, le=5, allow_inf_nan=False),
    BeforeValidator(_plain_numeral),
    AfterValidator(quantize),
    PlainSerializer(float, return_type=float, when_used="json"),
    _NumeralPattern(UPLIFT_NUMERAL),
]


def _reads_rows(info: ValidationInfo) -> bool:
    # A read model (it reads attributes and ignores unknown fields; every write model forbids them) loads rows an
    # older version may have kept before text was checked; refusing them would turn every page showing one into a 500.
    config = info.config or {}
    return bool(config.get("from_attributes")) and config.get("extra_fields_behavior") != "forbid"


def _where_text_comes_in(check: Callable[[str], str]) -> AfterValidator:
    """The check, run where text comes in (a write model, a bare type), not where a stored row is read."""

    def checked(text: str, info: ValidationInfo) -> str:
        return text if _reads_rows(info) else check(text)

    return AfterValidator(checked)


# Text a client sends, checked once here: no NUL, control characters or noncharacters (which XML, and so every
# exported workbook, cannot hold); one-line text refuses bidirectional overrides; a name must show something.
_NAME = (AfterValidator(_no_nul), _where_text_comes_in(check_name))
_LINE = (AfterValidator(_no_nul), _where_text_comes_in(check_line))
_PROSE = (AfterValidator(_no_nul), _where_text_comes_in(check_prose))


def _at_most(limit: int) -> BeforeValidator:
    """Refuses text longer than `limit` as sent, before its ends are stripped, as the document's maxLength says."""

    def sent(value: object) -> object:
        if isinstance(value, str) and len(value) > limit:
            raise ValueError(f"has {len(value):,} characters; keep it to {limit:,}")
        return value

    return BeforeValidator(sent)


class TextPattern:
    """Writes a text rule into the field's JSON Schema as a pattern (the check itself stays the validator's)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        handler.resolve_ref_schema(schema)["pattern"] = self.pattern
        return schema


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    *_NAME,
    TextPattern(NAME_PATTERN),
    _at_most(200),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), *_LINE, TextPattern(LINE_PATTERN), _at_most(200)
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), *_LINE, TextPattern(LINE_PATTERN), _at_most(40)
]
# A code that must be given (a cost centre a budget names): it shows at least one character once stripped.
RequiredCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    *_NAME,
    TextPattern(NAME_PATTERN),
    _at_most(40),
]
# A model node a benefit or measure names: as long as the model lets a node's name be, and never empty (null unlinks).
NodeName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    *_NAME,
    TextPattern(NAME_PATTERN),
    _at_most(60),
]
LongText = Annotated[str, StringConstraints(max_length=20_000), *_PROSE, TextPattern(PROSE_PATTERN)]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2_000),
    *_PROSE,
    TextPattern(REASON_PATTERN),
    _at_most(2_000),
]
# A reason that must be given: acts that correct the record (reversals, re-baselines) always say why.
RequiredReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000),
    *_PROSE,
    TextPattern(REQUIRED_REASON_PATTERN),
    _at_most(2_000),
]


def _parsed(label: str) -> Period:
    try:
        return parse_period(label)
    except PeriodError as error:  # the stable code the domain gives the same refusal
        raise PydanticCustomError("period_invalid", str(error)) from error


def _period_label(label: str) -> str:
    return _parsed(label).label


def _year_label(label: str) -> str:
    period = _parsed(label)
    if period.quarter is not None:
        advice = f"'{label}' is a quarter; give a financial year such as {period.financial_year.label}"
        raise PydanticCustomError("period_invalid", advice)
    return period.label


# A period a client sends: a financial year such as 2026-27 or a quarter such as 2026-27 Q1, as the pattern says.
PeriodLabel = Annotated[
    str,
    AfterValidator(_period_label),
    TextPattern(PERIOD_PATTERN),
]
# A financial year a client sends, such as 2026-27.
YearLabel = Annotated[str, AfterValidator(_year_label), TextPattern(YEAR_PATTERN)]
