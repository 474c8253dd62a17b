"""Response envelopes of the REST API."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from benefits.listing import Page

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    """One page of a list: the items, how many match the filters in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_read(page: Page[Any], read: Callable[[Any], T]) -> "PageRead[T]":
    """A domain page as the API returns it, each item turned into its read model."""
    return PageRead[T](
        items=[read(item) for item in page.items], total=page.total, limit=page.limit, offset=page.offset
    )
