"""Response envelopes of the REST API."""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    """One page of a list: the items, how many match the filters in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int
