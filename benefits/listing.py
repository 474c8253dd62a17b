"""A page of a list, with the total the filters match."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results: the items, how many match in all, and where the page starts."""

    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(*, session: Session, statement: SelectOfScalar[Any], limit: int, offset: int) -> Page[Any]:
    """Run an ordered query for one page, with the count of all rows it matches."""
    items = session.exec(statement.limit(limit).offset(offset)).all()
    return page_of(
        items,
        limit=limit,
        offset=offset,
        count=lambda: session.exec(select(func.count()).select_from(statement.order_by(None).subquery())).one(),
    )


def page_of(items: Sequence[T], *, limit: int, offset: int, count: Callable[[], int]) -> Page[T]:
    """A page of `items`, counting all that match only when the page cannot tell: a short page that holds
    something ends the list, so the total is where it ends (most lists fit one page, and skip the count)."""
    ends_the_list = 0 < len(items) < limit or (not items and offset == 0)
    total = offset + len(items) if ends_the_list else count()
    return Page(items=list(items), total=total, limit=limit, offset=offset)


# Past this many ids, rows are read for all and sifted rather than named in an IN list: cheaper than a long list,
# and clear of the databases' limits on bound parameters.
MANY_IDS = 500
