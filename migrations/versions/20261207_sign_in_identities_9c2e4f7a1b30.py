"""sign-in with the organisation's identity provider: the provider's issuer and subject a person signs in as

Revision ID: 9c2e4f7a1b30
Revises: 04afcd0156de
Create Date: 2026-12-07 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c2e4f7a1b30"
down_revision: str | None = "04afcd0156de"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# SQLite copies a table to alter it: the copy keeps AUTOINCREMENT, so ids are never reused (reflection drops it).
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("person", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("identity_issuer", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("identity_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_person_identity_issuer"), ["identity_issuer", "identity_subject"]
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("person", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_person_identity_issuer"), type_="unique")
        batch_op.drop_column("identity_subject")
        batch_op.drop_column("identity_issuer")
