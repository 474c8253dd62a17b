"""A real server process for tests that need one: workers over one database, and the browser tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx2
import pytest


def benefits_command(database_url: str, *arguments: str) -> str:
    """Run the `benefits` command line over `database_url`; what it printed, or the test fails with its error."""
    environment = {**os.environ, "BENEFITS_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "benefits.cli", *arguments],
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:  # a failure of the test's set-up, never mistaken for an expected assertion failure
        pytest.fail(f"benefits {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(database_url: str, **environment: str) -> Iterator[str]:
    """`benefits serve` in its own process over `database_url`, until the block ends; yields its base URL."""
    port = free_port()
    environment = {**os.environ, **environment, "BENEFITS_DATABASE_URL": database_url}
    # The log goes to a file, not a pipe: a long run would fill a pipe nobody reads and stall the server.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "benefits.cli", "serve", "--port", str(port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # Start-up takes seconds on an idle machine, and several times that on a busy one.
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx2.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                assert process.poll() is None, _said(log)
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # requests still in flight past the wait: no server outlives its test
                process.kill()
                process.wait(timeout=10)


def _said(log: IO[str]) -> str:
    """What the server wrote to its log, for a test's failure message."""
    log.seek(0)
    return log.read()[-4000:] or "the server exited without a word"
