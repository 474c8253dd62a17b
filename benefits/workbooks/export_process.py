"""Long exports written in processes of their own, at a lower priority than the requests a server answers.

Writing a large workbook is seconds of Python: in the serving process it would hold the interpreter lock in turns
with every request beside it, and the reads it shares the process with would wait for each turn. In a process of
its own it shares only the machine's cores, and, niced, yields them to the requests first.
"""

import atexit
import contextlib
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

EXPORTERS = 2  # exports written at once by one serving process; more wait for a turn
NICENESS = 10  # how much lower than the server the exports run: requests first, exports with what is left
WATCH_SECONDS = 1.0  # how often an export process looks whether its server is still there
# An export's file is named for the serving process that asked for it, so a server killed mid-export leaves a file
# the next one can tell is nobody's.
FILE_PREFIX = "benefits-export-"
_FILE_NAME = re.compile(rf"{FILE_PREFIX}(\d+)-")

T = TypeVar("T")

_lock = threading.Lock()
_pool: "ProcessPoolExecutor | None" = None


def _start_exporter() -> None:
    """In each export process as it starts: a lower priority, and an end when the server it serves has ended."""
    with contextlib.suppress(OSError):  # where the priority may not be lowered, the export still runs
        os.nice(NICENESS)
    # A stop meant for the server (systemd signals its whole group; Ctrl-C its terminal's) is not the exports' to
    # obey: the server finishes the requests it holds, downloads included, then ends the pool.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = os.getppid()
    threading.Thread(target=_outlive_no, args=(server,), name="outlive-no-server", daemon=True).start()


def _outlive_no(server: int) -> None:
    # The pool's own shutdown ends its processes when the server exits in good order; a server killed outright
    # cannot, and its processes, blocked on a queue whose other end they hold themselves, would wait for ever.
    while os.getppid() == server:
        time.sleep(WATCH_SECONDS)
    os._exit(0)


def _exporters() -> "ProcessPoolExecutor":
    """The serving process's export processes, started with its first export (not with the server, whose start-up
    need not import multiprocessing)."""
    global _pool
    with _lock:
        if _pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _sweep_files_of_ended_servers()
            atexit.register(shutdown)  # before the interpreter tears down what the pool's last callbacks use
            # Spawned, not forked: a serving process has threads and open connections a forked child must not have.
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=EXPORTERS, mp_context=context, initializer=_start_exporter)
        return _pool


def _discard(pool: "ProcessPoolExecutor") -> None:
    """Let go of a pool that cannot be used (broken, or shut down); the next export starts a new one."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def database_url(*, session: Session) -> str | None:
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

    pool = _exporters()
    try:
        future = pool.submit(function, *arguments)
    except (BrokenProcessPool, RuntimeError):  # broken by an earlier export, or shut down since it was taken
        _discard(pool)
        pool = _exporters()
        future = pool.submit(function, *arguments)
    try:
        return future.result()
    except BrokenProcessPool:
        _discard(pool)  # a process died under it (killed, out of memory)
        raise


def export_file() -> Path:
    """A new, empty file for an export process to write, named for this serving process; the caller removes it."""
    descriptor, path = tempfile.mkstemp(prefix=f"{FILE_PREFIX}{os.getpid()}-", suffix=".xlsx")
    os.close(descriptor)
    return Path(path)


def _sweep_files_of_ended_servers() -> None:
    """Remove the export files that servers killed mid-export left behind (their figures are nobody's to read)."""
    for path in Path(tempfile.gettempdir()).glob(f"{FILE_PREFIX}*"):
        named = _FILE_NAME.match(path.name)
        if named is None or _running(int(named.group(1))):
            continue
        with contextlib.suppress(OSError):
            path.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def shutdown() -> None:
    """Let the export processes go: an export under way runs on, unread, and each process then ends (a stopping
    server waits for no export: a download it could still send was among the requests it let finish)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
