"""demand: services, channels, demand types and segments; contact counts and their monthly sums; cost per contact;
measures fed from the counts, model assumptions bound to them, and segments tagging benefits and measures

The default channels and demand types (value demand, and the avoidable kinds of the NI14 guidance) are seeded here,
so every database has them from the start; they stay editable.

Revision ID: 3f8b6d2e7c41
Revises: 9c2e4f7a1b30
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import benefits.columns

revision: str = "3f8b6d2e7c41"
down_revision: str | None = "9c2e4f7a1b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported: a revision seeds what was the default when it was written.
CHANNELS = [
    ("face_to_face", "Face to face"),
    ("phone", "Phone"),
    ("web", "Web"),
    ("email", "E-mail"),
    ("post", "Post"),
    ("app", "App"),
]
DEMAND_TYPES = [
    ("value", "Value demand", False),
    ("progress_chasing", "Progress chasing", True),
    ("seeking_clarification", "Seeking clarification", True),
    ("repeat_contact", "Repeat contact", True),
    ("misdirected", "Misdirected", True),
    ("could_self_serve", "Could have been self-served", True),
]


def _reference_table(name: str, *extra: sa.Column) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("code", name=op.f(f"uq_{name}_code")),
        sa.UniqueConstraint("name", name=op.f(f"uq_{name}_name")),
    )


def _reference(column: str, table: str, ondelete: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    """Apply this revision."""
    channels = _reference_table("demand_channel")
    _reference_table("demand_segment")
    _reference_table("demand_service")
    types = _reference_table("demand_type", sa.Column("avoidable", sa.Boolean(), nullable=False))
    op.bulk_insert(channels, [{"code": code, "name": name} for code, name in CHANNELS])
    op.bulk_insert(types, [{"code": code, "name": name, "avoidable": flag} for code, name, flag in DEMAND_TYPES])
    op.create_table(
        "channel_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("cost", benefits.columns.ScaledDecimal(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", benefits.columns.UtcDateTime(timezone=True), nullable=False),
        _reference("channel_id", "demand_channel", "CASCADE", "channel_cost"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_cost")),
        sa.UniqueConstraint("channel_id", "valid_from", name=op.f("uq_channel_cost_channel_id")),
    )
    with op.batch_alter_table("channel_cost", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_cost_channel_id"), ["channel_id"], unique=False)
    op.create_table(
        "contact_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("demand_type_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("handling_minutes", benefits.columns.ScaledDecimal(), nullable=True),
        _reference("channel_id", "demand_channel", "RESTRICT", "contact_count"),
        _reference("demand_type_id", "demand_type", "RESTRICT", "contact_count"),
        _reference("segment_id", "demand_segment", "RESTRICT", "contact_count"),
        _reference("service_id", "demand_service", "RESTRICT", "contact_count"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_count")),
        sa.UniqueConstraint(
            "period_start", "grain", "service_id", "channel_id", "demand_type_id", "segment_id", name="uq_contact_key"
        ),
    )
    with op.batch_alter_table("contact_count", schema=None) as batch_op:
        batch_op.create_index(
            "uq_contact_key_no_segment",
            ["period_start", "grain", "service_id", "channel_id", "demand_type_id"],
            unique=True,
            sqlite_where=sa.text("segment_id IS NULL"),
            postgresql_where=sa.text("segment_id IS NULL"),
        )
    op.create_table(
        "contact_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("demand_type_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("contacts", sa.BigInteger(), nullable=False),
        sa.Column("handling_minutes", sa.BigInteger(), nullable=False),
        sa.Column("timed_contacts", sa.BigInteger(), nullable=False),
        _reference("channel_id", "demand_channel", "CASCADE", "contact_month"),
        _reference("demand_type_id", "demand_type", "CASCADE", "contact_month"),
        _reference("segment_id", "demand_segment", "CASCADE", "contact_month"),
        _reference("service_id", "demand_service", "CASCADE", "contact_month"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_month")),
    )
    with op.batch_alter_table("contact_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_month_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_month_demand_type_id"), ["demand_type_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_month_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_month_segment_id"), ["segment_id"], unique=False)
        batch_op.create_index(
            "ix_contact_month_service",
            ["service_id", "month", "demand_type_id", "contacts", "handling_minutes"],
            unique=False,
        )
    op.create_table(
        "demand_measure",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=24), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        _reference("measure_id", "measure", "CASCADE", "demand_measure"),
        sa.PrimaryKeyConstraint("measure_id", name=op.f("pk_demand_measure")),
    )
    op.create_table(
        "demand_assumption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("assumption", sa.String(length=60), nullable=False),
        sa.Column("figure", sa.String(length=24), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", benefits.columns.UtcDateTime(timezone=True), nullable=False),
        _reference("initiative_id", "initiative", "CASCADE", "demand_assumption"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_assumption")),
        sa.UniqueConstraint("initiative_id", "assumption", name=op.f("uq_demand_assumption_initiative_id")),
    )
    with op.batch_alter_table("demand_assumption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demand_assumption_initiative_id"), ["initiative_id"], unique=False)
    for table, owner in (("benefit_segment", "benefit"), ("measure_segment", "measure")):
        op.create_table(
            table,
            sa.Column(f"{owner}_id", sa.Integer(), nullable=False),
            sa.Column("segment_id", sa.Integer(), nullable=False),
            _reference(f"{owner}_id", owner, "CASCADE", table),
            _reference("segment_id", "demand_segment", "CASCADE", table),
            sa.PrimaryKeyConstraint(f"{owner}_id", "segment_id", name=op.f(f"pk_{table}")),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_segment_id"), ["segment_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    for table in ("measure_segment", "benefit_segment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_segment_id"))
        op.drop_table(table)
    with op.batch_alter_table("demand_assumption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_assumption_initiative_id"))
    op.drop_table("demand_assumption")
    op.drop_table("demand_measure")
    with op.batch_alter_table("contact_month", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_month_service")
        batch_op.drop_index(batch_op.f("ix_contact_month_segment_id"))
        batch_op.drop_index(batch_op.f("ix_contact_month_month"))
        batch_op.drop_index(batch_op.f("ix_contact_month_demand_type_id"))
        batch_op.drop_index(batch_op.f("ix_contact_month_channel_id"))
    op.drop_table("contact_month")
    with op.batch_alter_table("contact_count", schema=None) as batch_op:
        batch_op.drop_index("uq_contact_key_no_segment")
    op.drop_table("contact_count")
    with op.batch_alter_table("channel_cost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_cost_channel_id"))
    op.drop_table("channel_cost")
    op.drop_table("demand_type")
    op.drop_table("demand_service")
    op.drop_table("demand_segment")
    op.drop_table("demand_channel")
