"""ids are never reused on SQLite: tables an earlier revision copied without AUTOINCREMENT are copied back with it

Altering a table on SQLite copies it, and the copy was made from the reflected table, which does not carry
AUTOINCREMENT: a deleted row's id could then be given to the next row, which would inherit its history (the cash
confirmations' table, from revision ce6b59761d8f, on databases upgraded through it). PostgreSQL's sequences never
reuse ids, so nothing changes there.

Revision ID: b8d4e1f2a6c3
Revises: 3f8b6d2e7c41
Create Date: 2026-12-07 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d4e1f2a6c3"
down_revision: str | None = "3f8b6d2e7c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table the models create with sqlite_autoincrement, as of this revision.
NEVER_REUSED = (
    "api_token", "audit_event", "benefit", "cash_confirmation", "cost_centre", "cost_line", "initiative", "measure",
    "person", "rebaseline_request", "redeployment_confirmation", "review",
)  # fmt: skip


def upgrade() -> None:
    """Apply this revision."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    stored: dict[str, str] = dict(
        connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
    )
    for table in NEVER_REUSED:
        if table in stored and "AUTOINCREMENT" not in stored[table].upper():
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass


def downgrade() -> None:
    """Nothing to undo: a table that keeps its ids is what every earlier revision meant to make."""
