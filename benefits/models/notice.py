"""Notices sent: which due items each person has been told of by e-mail, so no item is told twice."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from benefits.columns import UtcDateTime, utc_now


class NoticeSent(SQLModel, table=True):
    """One due item in one person's digest that their mail server accepted.

    An item is told once for each day it falls due: a measure's next observation keeps its key from one
    observation to the next, and is news again when it falls due on a later day.
    """

    __tablename__ = "notice_sent"
    __table_args__ = (sa.UniqueConstraint("person_id", "item_key", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    item_key: str = Field(max_length=200, description="The due item's stable key, as `benefits.work` makes it.")
    due_on: date = Field(description="The day the item fell due.")
    sent_at: datetime = Field(default_factory=utc_now, sa_type=UtcDateTime)
