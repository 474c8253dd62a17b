"""People (and integrations) with a role, their membership of initiatives, API tokens and sign-in attempts."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, SecretStr, StringConstraints, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from benefits.columns import (
    FORBID_UNKNOWN,
    EnumText,
    Name,
    Omittable,
    RowId,
    TextPattern,
    UtcDateTime,
    YesNo,
    utc_now,
)
from benefits.text import LINE_FORBIDDEN, PERSON_NAME_PATTERN, check_line

# An address: no whitespace, control character or second @, with a dot after the @; spaces around it are dropped.
# Written with explicit classes, as JSON Schema's regular expressions and Python's differ on what \s holds.
_WHITE = "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_PART = f"[^@{LINE_FORBIDDEN}\\u00a0{_WHITE}]+"
EMAIL_PATTERN = f"^[{_WHITE}]*{_PART}@{_PART}\\.{_PART}[{_WHITE}]*$"
_EMAIL = re.compile(EMAIL_PATTERN)
_AROUND = "".join(chr(point) for point in (*range(9, 14), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028,
                                           0x2029, 0x202F, 0x205F, 0x3000))  # fmt: skip


class Role(StrEnum):
    """What a person may do; see `benefits.authz` for the rule of each action."""

    admin = "admin"
    programme_manager = "programme_manager"
    finance = "finance"
    board = "board"
    viewer = "viewer"


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    value = value.strip(_AROUND)
    check_line(value)  # what no pattern can name: a lone surrogate, a noncharacter beyond the first plane
    value = value.lower()
    if len(value) > 200:  # lower case can lengthen a few letters (İ is i and a dot above)
        raise ValueError("an e-mail address has at most 200 characters")
    return value


# 10 to 200 characters, checked by _password (which says so in its refusal) and written in the document.
Password = Annotated[SecretStr, PydanticField(json_schema_extra={"minLength": 10, "maxLength": 200})]


def _password(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not 10 <= len(value.get_secret_value()) <= 200:
        raise ValueError("a password has 10 to 200 characters")
    return value


# A name with no @, the pattern saying so in the API's document (the validator below is what checks it).
PersonName = Annotated[Name, TextPattern(PERSON_NAME_PATTERN)]


def _person_name(name: str | None) -> str | None:
    if name is not None and ("@" in name or len(name.lower()) > 200):
        raise ValueError("a person's name has no @ (that is for e-mail addresses) and at most 200 characters")
    return name


def named_person() -> Any:
    """A field naming a person in the service by name or e-mail (an owner, a sponsor), read back as their name."""
    return Field(
        default=None, max_length=200, description="A person in the service, by name or e-mail; read back as their name."
    )


def person_link(description: str) -> Any:
    """A stored reference to a person, kept as their id (set to nothing if the person is ever deleted)."""
    return Field(
        default=None, ge=1, le=2_147_483_647, foreign_key="person.id", ondelete="SET NULL", index=True,
        description=description,
    )  # fmt: skip


class PersonBase(SQLModel):
    """Fields an admin edits."""

    name: PersonName = Field(max_length=200, description="Unique, case-insensitively; people sign in with it.")
    email: str | None = Field(
        default=None,
        max_length=200,
        description="Unique; people may sign in with it.",
        schema_extra={"json_schema_extra": {"pattern": EMAIL_PATTERN}},
    )
    role: Role = Field(sa_type=EnumText(Role, 24))
    active: YesNo = Field(default=True, description="An inactive person cannot sign in or use tokens.")
    digests: YesNo = Field(
        default=True,
        description="E-mail them a digest of what is newly due from them (`benefits notify`); they may turn it off.",
    )

    _check_email = field_validator("email")(_email)
    _check_name = field_validator("name")(_person_name)


class PersonCreate(PersonBase):
    """A new person; without a password they can use only the tokens made for them (an integration)."""

    model_config = FORBID_UNKNOWN

    password: Password | None = None

    _check_password = field_validator("password")(_password)


class PersonUpdate(SQLModel):
    """A partial change to a person."""

    model_config = FORBID_UNKNOWN

    name: Omittable[PersonName] = None
    email: str | None = Field(default=None, schema_extra={"json_schema_extra": {"pattern": EMAIL_PATTERN}})
    role: Omittable[Role] = None
    active: Omittable[YesNo] = None
    digests: Omittable[YesNo] = None
    password: Password | None = None

    _check_email = field_validator("email")(_email)
    _check_password = field_validator("password")(_password)
    _check_name = field_validator("name")(_person_name)


class Person(PersonBase, table=True):
    """A person as stored; the password only as an Argon2 hash."""

    __table_args__ = (
        sa.UniqueConstraint("identity_issuer", "identity_subject"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    name_key: str = Field(max_length=200, unique=True, description="The name in lower case, for sign-in.")
    identity_issuer: str | None = Field(
        default=None, max_length=500, description="The identity provider this person signs in through, if any."
    )
    identity_subject: str | None = Field(
        default=None, max_length=255, description="Who the provider says this person is (its `sub` claim)."
    )
    email: str | None = Field(default=None, max_length=200, unique=True)
    password_hash: str | None = Field(default=None, max_length=200)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)

    @sa.orm.declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class PersonRead(PersonBase):
    """A person as the API returns them; never a password or its hash."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime


class InitiativeMember(SQLModel, table=True):
    """A person who may edit an initiative beside its owner."""

    __tablename__ = "initiative_member"

    initiative_id: int = Field(foreign_key="initiative.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True, index=True)


class MembersUpdate(BaseModel):
    """The people who may edit an initiative beside its owner."""

    person_ids: list[RowId] = PydanticField(max_length=500)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 digest is kept, so a stolen database yields no usable token."""

    __tablename__ = "api_token"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    digest: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16, description="The token's first characters, to tell tokens apart.")
    created_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ApiTokenCreate(BaseModel):
    """A token to make for a person."""

    person_id: RowId
    name: Name
    expires_in_days: int | None = PydanticField(default=None, ge=1, le=3650)


class ApiTokenRead(BaseModel):
    """A token as listed: never the token itself."""

    id: int
    person_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    """A token just made: the only time the token itself is shown."""

    token: str


def _could_be_stored(text: str) -> str:
    # Neither database can keep NUL or a lone surrogate, so no stored name holds one, and the attempt (which is
    # kept, to count it) could not be written: refuse those and nothing else.
    if "\x00" in text or any("\ud800" <= character <= "\udfff" for character in text):
        raise ValueError("holds a character no name can hold (NUL or a lone surrogate); remove it")
    return text


# A name or e-mail to look someone up by: not checked as a new name is, since a name an older version kept
# (with a bidirectional override, say) must still find its person; one that finds no one is refused as unknown.
Login = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_could_be_stored)
]


class SignIn(BaseModel):
    """A sign-in with name or e-mail and password, answered with a token."""

    login: Login
    password: SecretStr = PydanticField(min_length=1, max_length=200)
    expires_in_days: int = PydanticField(default=1, ge=1, le=90)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept so attempts can be limited per account and per address across workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_login_at", "login", "at"),
        sa.Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
    login: str = Field(max_length=200)
    address: str = Field(max_length=64)
    person_id: int | None = Field(default=None, index=True, description="The person the login named, if any.")
    succeeded: bool
