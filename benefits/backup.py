"""Backing up and restoring the whole database: SQLite's online backup, or PostgreSQL's pg_dump and pg_restore."""

import glob
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benefits.errors import Conflict, DomainError

SQLITE_HEADER = b"SQLite format 3\x00"
PG_CUSTOM_HEADER = b"PGDMP"


@dataclass
class BackupFailed(DomainError):
    """The backup or restore could not be made; the message says why and what to do."""

    code: str = "backup_failed"
    title: str = "The backup or restore could not be made"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupFailed("An in-memory SQLite database cannot be backed up; name a database file.")
    return Path(database)


def _libpq_url(url: str) -> str:
    """The URL as pg_dump reads it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    # Debian puts the versioned tools under /usr/lib/postgresql/N/bin; /usr/bin holds a wrapper that needs a cluster.
    versioned = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    found = versioned[-1] if versioned else shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not installed; install PostgreSQL's client tools (Debian: postgresql-client).")
    return found


def _run(command: list[str]) -> None:
    # The command is built here from fixed tool paths and the settings' URL, never from request input.
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupFailed(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")


def _copy_sqlite(source_path: Path, target_path: Path) -> None:
    # The online backup API copies page by page under SQLite's own locking: a consistent snapshot, taken while the
    # service keeps running. (sqlite3's context manager ends a transaction, it does not close: close explicitly.)
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup(*, url: str, file: Path) -> None:
    """Write a consistent copy of the whole database to FILE while the service keeps running."""
    if file.exists():
        raise Conflict(f"{file} already exists; name a new file so no earlier backup is overwritten.")
    if url.startswith("sqlite"):
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupFailed(f"There is no database file at {source_path}.")
        _copy_sqlite(source_path, file)
        return
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={file}", _libpq_url(url)])


def _holds_tables(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        return bool(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore(*, url: str, file: Path, replace: bool = False) -> None:
    """Put the database back as FILE holds it; a database that already holds tables is replaced only when asked."""
    if not file.is_file():
        raise BackupFailed(f"There is no backup file at {file}.")
    with file.open("rb") as opened:
        header = opened.read(16)
    is_sqlite = url.startswith("sqlite")
    if is_sqlite and not header.startswith(SQLITE_HEADER):
        raise BackupFailed(f"{file} is not a SQLite backup; restore a file made by `benefits db backup` from SQLite.")
    if not is_sqlite and not header.startswith(PG_CUSTOM_HEADER):
        raise BackupFailed(
            f"{file} is not a PostgreSQL backup; restore a file made by `benefits db backup` from PostgreSQL."
        )
    if _holds_tables(url) and not replace:
        raise Conflict(
            "The database already holds tables; restore into an empty database, or pass --replace to overwrite it."
        )
    if is_sqlite:
        _copy_sqlite(file, _sqlite_path(url))
        return
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", f"--dbname={_libpq_url(url)}", str(file)])  # fmt: skip
