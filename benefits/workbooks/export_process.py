"""Long exports written in processes of their own, at a lower priority than the requests a server answers.

Writing a large workbook is seconds of Python: in the serving process it would hold the interpreter lock in turns
with every request beside it, and the reads it shares the process with would wait for each turn. In a process of
its own it shares only the machine's cores, and, niced, yields them to the requests first.
"""

import atexit
import os
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

EXPORTERS = 2  # exports written at once by one serving process; more wait for a turn
NICENESS = 10  # how much lower than the server the exports run: requests first, exports with what is left
WATCH_SECONDS = 1.0  # how often an export process looks whether its server is still there

T = TypeVar("T")


def _start_exporter() -> None:
    """In each export process as it starts: a lower priority, and an end when the server it serves has ended."""
    os.nice(NICENESS)
    server = os.getppid()
    threading.Thread(target=_outlive_no, args=(server,), name="outlive-no-server", daemon=True).start()


def _outlive_no(server: int) -> None:
    # The pool's own shutdown ends its processes when the server exits in good order; a server killed outright
    # cannot, and its processes, blocked on a queue whose other end they hold themselves, would wait for ever.
    while os.getppid() == server:
        time.sleep(WATCH_SECONDS)
    os._exit(0)


@lru_cache(maxsize=1)
def _exporters() -> "ProcessPoolExecutor":
    # Started with the first export, not with the server (whose start-up need not import multiprocessing);
    # spawned, not forked: a serving process has threads and open connections a forked child must not inherit.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    atexit.register(shutdown)  # before the interpreter tears down the modules the pool's last callbacks use
    return ProcessPoolExecutor(max_workers=EXPORTERS, mp_context=context, initializer=_start_exporter)


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
    from concurrent.futures.process import BrokenProcessPool

    exporters = _exporters()
    try:
        return exporters.submit(function, *arguments).result()
    except BrokenProcessPool:
        # A process died under it (killed, out of memory): the next export starts new ones.
        _exporters.cache_clear()
        exporters.shutdown(wait=False)
        raise


def shutdown() -> None:
    """End the export processes once any export under way has finished; the next export starts new ones."""
    if _exporters.cache_info().currsize:
        exporters = _exporters()
        _exporters.cache_clear()
        exporters.shutdown(wait=True)
