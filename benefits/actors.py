"""Who is acting: a signed-in person, or the command line on an operator's behalf."""

from dataclasses import dataclass

from benefits.models import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person (with their id and role), or the system itself for the command line."""

    name: str
    role: Role
    person_id: int | None = None


def system_actor(name: str) -> Actor:
    """The actor for work the command line does on an operator's behalf (the example, first admin)."""
    return Actor(name=name, role=Role.admin)
