"""Long exports written in processes of their own, at a lower priority than the requests a server answers.

Writing a large workbook is seconds of Python: in the serving process it would hold the interpreter lock in turns
with every request beside it, and the reads it shares the process with would wait for each turn. In a process of
its own it shares only the machine's cores, and, niced, yields them to the requests first.
"""

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

EXPORTERS = 2  # exports written at once by one serving process; more wait for a turn
NICENESS = 10  # how much lower than the server the exports run: requests first, exports with what is left

T = TypeVar("T")


def _lower_priority() -> None:
    os.nice(NICENESS)


@lru_cache(maxsize=1)
def _exporters() -> ProcessPoolExecutor:
    # Started with the first export, not with the server; spawned, not forked: a serving process has threads
    # and open database connections that a forked child must not inherit.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=EXPORTERS, mp_context=context, initializer=_lower_priority)


def database_url(session: Session) -> str | None:
    """The URL by which another process reads what `session` reads, or None where it cannot.

    A session inside a transaction its caller holds open (a test's, rolled back at its end) sees what no other
    connection can, and neither can another process see an in-memory SQLite database.
    """
    bind = session.get_bind()
    if not isinstance(bind, sa.Engine):
        return None
    if bind.url.get_backend_name() == "sqlite" and bind.url.database in (None, "", ":memory:"):
        return None
    return bind.url.render_as_string(hide_password=False)


def run_export(function: Callable[..., T], /, *arguments: Any) -> T:
    """Run `function` (defined at a module's top level, its arguments plain values) in an export process."""
    exporters = _exporters()
    try:
        return exporters.submit(function, *arguments).result()
    except BrokenProcessPool:
        # A process died under it (killed, out of memory): the next export starts new ones.
        _exporters.cache_clear()
        exporters.shutdown(wait=False)
        raise
