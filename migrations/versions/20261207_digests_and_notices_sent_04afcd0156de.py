"""e-mailed digests: each person's choice to receive them, and the due items each person has been told of

Everyone already in the record receives digests until they turn them off, as a new person does.

Revision ID: 04afcd0156de
Revises: 5b7e2c91d4a0
Create Date: 2026-12-07 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import benefits.columns

revision: str = "04afcd0156de"
down_revision: str | None = "5b7e2c91d4a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# SQLite copies a table to alter it: the copy keeps AUTOINCREMENT, so ids are never reused (reflection drops it).
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notice_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", benefits.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notice_sent_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_sent")),
        sa.UniqueConstraint("person_id", "item_key", "due_on", name=op.f("uq_notice_sent_person_id")),
    )
    with op.batch_alter_table("person", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("digests", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("person", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_column("digests")
    op.drop_table("notice_sent")
