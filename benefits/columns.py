"""Column types and validated field types shared by the model families."""

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
from pydantic_core import CoreSchema
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

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

# A value or amount: exact, bounded, and written to JSON as a number.
Quantity = Annotated[
    Decimal,
    PydanticField(ge=-QUANTITY_LIMIT, le=QUANTITY_LIMIT, allow_inf_nan=False),
    AfterValidator(quantize),
    PlainSerializer(float, return_type=float, when_used="json"),
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


class _Pattern:
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
    _Pattern(NAME_PATTERN),
    _at_most(200),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), *_LINE, _Pattern(LINE_PATTERN), _at_most(200)
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), *_LINE, _Pattern(LINE_PATTERN), _at_most(40)
]
LongText = Annotated[str, StringConstraints(max_length=20_000), *_PROSE, _Pattern(PROSE_PATTERN)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2_000), *_PROSE, _Pattern(REASON_PATTERN), _at_most(2_000)
]
# A reason that must be given: acts that correct the record (reversals, re-baselines) always say why.
RequiredReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000),
    *_PROSE,
    _Pattern(REQUIRED_REASON_PATTERN),
    _at_most(2_000),
]
