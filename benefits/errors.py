"""Domain errors: each has a stable code; the surfaces map them to HTTP or to messages."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named by a stable code, with the field or row it concerns where there is one."""

    code: str
    detail: str
    field: str | None = None
    node: str | None = None


@dataclass
class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    detail: str
    problems: list[Problem] = field(default_factory=list)
    code: str = "domain_error"
    title: str = "The request could not be carried out"

    def __str__(self) -> str:
        return self.detail

    def __reduce__(self) -> tuple[Any, ...]:
        # By its fields, however it was raised: a refusal met in an export process reaches the server whole.
        return _remade, (type(self), {name: getattr(self, name) for name in self.__dataclass_fields__})


def _remade(kind: type[DomainError], values: dict[str, Any]) -> DomainError:
    return kind(**values)


@dataclass
class NotFound(DomainError):
    """The thing asked for does not exist."""

    code: str = "not_found"
    title: str = "Not found"


@dataclass
class Conflict(DomainError):
    """The request conflicts with the current state (a rule forbids it now)."""

    code: str = "conflict"
    title: str = "Conflict with the current state"


@dataclass
class GateNotMet(Conflict):
    """A forward stage move whose gate has unmet requirements; `problems` lists every one."""

    code: str = "gate_not_met"
    title: str = "Stage gate not met"


@dataclass
class StaleVersion(DomainError):
    """The caller edited a version that someone else has changed since."""

    code: str = "stale_version"
    title: str = "The resource has changed since you read it"


@dataclass
class InvalidInput(DomainError):
    """Input that is well-formed but breaks a domain rule; `problems` names each field or row."""

    code: str = "invalid_input"
    title: str = "Invalid input"


@dataclass
class Unauthenticated(DomainError):
    """No valid credentials: a missing, unknown, revoked or expired token, or a failed sign-in."""

    code: str = "unauthenticated"
    title: str = "Authentication required"


@dataclass
class Forbidden(DomainError):
    """The person is known but their role does not allow this action here."""

    code: str = "forbidden"
    title: str = "Not allowed"


@dataclass
class TooManyAttempts(DomainError):
    """Too many failed sign-ins for this account or address; try again after `retry_after` seconds."""

    retry_after: int = 60
    code: str = "too_many_attempts"
    title: str = "Too many sign-in attempts"


@dataclass
class InvalidModel(DomainError):
    """A cause-and-effect model that cannot be used; `problems` names the node of each."""

    code: str = "invalid_model"
    title: str = "The model has errors"
