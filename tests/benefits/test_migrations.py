"""Migrations are the only way the schema changes: up, down and up again, with data, on both databases."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel

from benefits import ledger, migrate
from benefits.db import make_engine
from benefits.example import load_example
from tests.conftest import FreshDatabase

TABLES = set(SQLModel.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_and_upgrade_again_with_data(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    assert _tables(url) >= TABLES
    engine = make_engine(url)
    with Session(engine) as session:
        assert load_example(session=session) is not None
        session.commit()
    engine.dispose()

    migrate.downgrade(url, "base")
    assert not TABLES & _tables(url)
    assert migrate.current(url) is None

    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        assert load_example(session=session) is not None
        session.commit()
    engine.dispose()


def test_the_migrations_build_exactly_the_models_schema(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def _ledger(engine: sa.Engine, leave_out: frozenset[str] = frozenset()) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM ledger_entry")).mappings().all()
    return sorted(
        (tuple(value for key, value in sorted(row.items()) if key not in {"id", *leave_out}) for row in rows), key=repr
    )


def test_the_ledger_revision_fills_the_ledger_as_the_domain_keeps_it(fresh_databases: FreshDatabase) -> None:
    url = fresh_databases.url()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_example(session=session)
        session.commit()
    # Redeployment confirmations came later than the ledger: going back past them drops them, and so their sums.
    later = frozenset({"redeployed"})
    kept = _ledger(engine, later)
    assert len(kept) > 20
    migrate.downgrade(url, "4739ff3708b2")  # the revision before the ledger: the table goes
    assert "ledger_entry" not in _tables(url)
    migrate.upgrade(url)
    assert _ledger(engine, later) == kept
    with Session(engine) as session:
        ledger.rebuild(session=session)
        session.commit()
    assert _ledger(engine, later) == kept
    engine.dispose()


def _without_autoincrement(url: str) -> set[str]:
    """The tables the models say never reuse an id on SQLite whose stored schema lacks AUTOINCREMENT."""
    wanted = {table.name for table in SQLModel.metadata.sorted_tables if table.kwargs.get("sqlite_autoincrement")}
    engine = make_engine(url)
    with engine.connect() as connection:
        stored: dict[str, str] = dict(
            connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
        )
    engine.dispose()
    return {name for name in wanted if name in stored and "AUTOINCREMENT" not in stored[name].upper()}


def test_every_revision_keeps_ids_from_being_reused_on_sqlite(tmp_path) -> None:
    # Altering a table on SQLite copies it, and a copy made from the reflected table loses AUTOINCREMENT: a deleted
    # benefit's id would then be given to the next one, which would inherit its history.
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    migrate.upgrade(url)
    assert _without_autoincrement(url) == set()
    migrate.downgrade(url, "a3d81c5e90f2")
    assert _without_autoincrement(url) == set()
    migrate.upgrade(url)
    assert _without_autoincrement(url) == set()


def test_a_database_that_lost_autoincrement_gets_it_back_with_its_rows(tmp_path) -> None:
    # As a database upgraded through revision ce6b59761d8f before it kept AUTOINCREMENT was left.
    url = f"sqlite:///{tmp_path / 'lost.db'}"
    migrate.upgrade(url, "3f8b6d2e7c41")
    engine = make_engine(url)
    with Session(engine) as session:
        load_example(session=session)
        session.commit()
    with engine.begin() as connection:
        sql = connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'cash_confirmation'")).scalar_one()
        kept = connection.execute(sa.text("SELECT * FROM cash_confirmation ORDER BY id")).all()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("ALTER TABLE cash_confirmation RENAME TO old_confirmation")
        connection.exec_driver_sql(sql.replace("AUTOINCREMENT", ""))
        connection.exec_driver_sql("INSERT INTO cash_confirmation SELECT * FROM old_confirmation")
        connection.exec_driver_sql("DROP TABLE old_confirmation")
    engine.dispose()
    assert kept and _without_autoincrement(url) == {"cash_confirmation"}
    migrate.upgrade(url)
    assert _without_autoincrement(url) == set()
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT * FROM cash_confirmation ORDER BY id")).all() == kept
    engine.dispose()
