"""A page of a list, with the total the filters match."""

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results: the items, how many match in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
