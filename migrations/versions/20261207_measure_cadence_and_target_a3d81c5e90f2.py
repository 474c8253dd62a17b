"""a measure's cadence (how often it is observed) and its target

Existing measures are observed monthly, as the worked example's are, and have no target until one is set.

Revision ID: a3d81c5e90f2
Revises: ce6b59761d8f
Create Date: 2026-12-07 00:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import benefits.columns

revision: str = "a3d81c5e90f2"
down_revision: str | None = "ce6b59761d8f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# SQLite copies a table to alter it: the copy keeps AUTOINCREMENT, so ids are never reused (reflection drops it).
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("measure", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("cadence", sa.String(length=12), nullable=False, server_default="monthly"))
        batch_op.add_column(sa.Column("target", benefits.columns.ScaledDecimal(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("measure", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_column("target")
        batch_op.drop_column("cadence")
