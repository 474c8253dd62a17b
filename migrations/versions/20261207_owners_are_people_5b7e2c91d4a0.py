"""owners are people: benefits, initiatives (owner and sponsor), measures and board actions name a person

Each owner or sponsor typed as free text is matched to a person by e-mail or by name in any case; a name that
matches nobody becomes a person without a sign-in (a named officer), so nothing typed is lost. The text is kept
beside the id as the person's name, so the register, workbooks and history read without a join.

Revision ID: 5b7e2c91d4a0
Revises: a3d81c5e90f2
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from benefits.columns import UtcDateTime

revision: str = "5b7e2c91d4a0"
down_revision: str | None = "a3d81c5e90f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# SQLite copies a table to alter it: the copy keeps AUTOINCREMENT, so ids are never reused (reflection drops it).
KEEP_IDS = {"sqlite_autoincrement": True}

# The tables as this revision sees them: only the columns it reads or writes.
person = sa.table(
    "person",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("email", sa.String),
    sa.column("role", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("version", sa.Integer),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)
OWNED = {  # table: [(the name column, its person column)]
    "benefit": [("owner", "owner_id")],
    "initiative": [("owner", "owner_id"), ("sponsor", "sponsor_id")],
}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("benefit", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_benefit_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_benefit_owner_id_person"), "person", ["owner_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("initiative", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("sponsor_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_initiative_sponsor_id"), ["sponsor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_initiative_sponsor_id_person"), "person", ["sponsor_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("measure", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_measure_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_measure_owner_id_person"), "person", ["owner_id"], ["id"], ondelete="SET NULL"
        )
    _carry_names_across(op.get_bind())


def downgrade() -> None:
    """Undo this revision; the people it made stay, as people an admin may have edited since."""
    with op.batch_alter_table("measure", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_measure_owner_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_measure_owner_id"))
        batch_op.drop_column("owner_id")
        batch_op.drop_column("owner")
    with op.batch_alter_table("initiative", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_initiative_sponsor_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_initiative_sponsor_id"))
        batch_op.drop_column("sponsor_id")
    with op.batch_alter_table("benefit", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_benefit_owner_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_benefit_owner_id"))
        batch_op.drop_column("owner_id")
    connection = op.get_bind()
    reviews = sa.table("review", sa.column("id", sa.Integer), sa.column("actions", sa.JSON))
    for review_id, actions in connection.execute(sa.select(reviews.c.id, reviews.c.actions)).all():
        kept = [{key: value for key, value in action.items() if key != "owner_id"} for action in actions or []]
        connection.execute(reviews.update().where(reviews.c.id == review_id).values(actions=kept))


def _carry_names_across(connection: sa.Connection) -> None:
    """Point every typed owner and sponsor at a person, made when nobody matches; the name becomes theirs."""
    people = _People(connection)
    for table_name, pairs in OWNED.items():
        for name_column, id_column in pairs:
            table = sa.table(table_name, sa.column("id"), sa.column(name_column), sa.column(id_column))
            named = connection.execute(
                sa.select(table.c.id, table.c[name_column], table.c[id_column]).where(
                    sa.or_(table.c[name_column].is_not(None), table.c[id_column].is_not(None))
                )
            ).all()
            for row_id, typed, linked in named:
                found = people.by_id(linked) if linked is not None else people.named(typed)
                if found is None:
                    continue
                connection.execute(
                    table.update().where(table.c.id == row_id).values({id_column: found[0], name_column: found[1]})
                )
    reviews = sa.table("review", sa.column("id", sa.Integer), sa.column("actions", sa.JSON))
    for review_id, actions in connection.execute(sa.select(reviews.c.id, reviews.c.actions)).all():
        if not actions:
            continue
        carried = []
        for action in actions:
            found = people.named(action.get("owner"))
            carried.append(action | ({"owner": found[1], "owner_id": found[0]} if found else {"owner_id": None}))
        connection.execute(reviews.update().where(reviews.c.id == review_id).values(actions=carried))


class _People:
    """The people table as the revision finds and grows it: (id, name) by id, e-mail or name in any case."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.rows: list[tuple[int, str, str, str | None]] = [
            (row.id, row.name, row.name_key, row.email)
            for row in connection.execute(sa.select(person.c.id, person.c.name, person.c.name_key, person.c.email))
        ]

    def by_id(self, person_id: int) -> tuple[int, str] | None:
        return next(((row[0], row[1]) for row in self.rows if row[0] == person_id), None)

    def named(self, typed: Any) -> tuple[int, str] | None:
        text = " ".join(str(typed or "").split())
        if not text:
            return None
        key = text.lower()
        for person_id, name, name_key, email in self.rows:
            if key in (name_key, (email or "").lower()):
                return person_id, name
        return self._made(text)

    def _made(self, text: str) -> tuple[int, str]:
        """A person without a sign-in for a name nobody has: a viewer, who can use nothing until given a password."""
        email = text.lower() if "@" in text else None
        name = (text.split("@")[0].strip() or "Owner")[:190] if email else text[:190]
        taken = {row[2] for row in self.rows}
        candidate, number = name, 2
        while candidate.lower() in taken:
            candidate, number = f"{name} ({number})", number + 1
        now = datetime.now(UTC)
        self.connection.execute(
            person.insert().values(
                name=candidate, name_key=candidate.lower(), email=email, role="viewer", active=True, version=1,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        made = self.connection.execute(
            sa.select(person.c.id).where(person.c.name_key == candidate.lower())
        ).scalar_one()
        self.rows.append((made, candidate, candidate.lower(), email))
        return made, candidate
