"""A throwaway PostgreSQL server that a test may stop and start again on the same port and data folder."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.postgres import _as_server_user, _bin_dir, _free_port


class StoppableCluster:
    """A cluster in a temporary folder of its own: started, stopped (an outage), started again, then removed."""

    def __init__(self) -> None:
        self.binaries = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="benefits-cluster-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.root, "postgres", "postgres")
        self.port = _free_port()
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        """The server's SQLAlchemy URL, without a database name."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _run(self, program: str, *arguments: str) -> None:
        command = _as_server_user([str(self.binaries / program), *arguments])
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        """Start (or start again, on the same port) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it and wait until it is down; `fast` ends open sessions, as a maintenance restart does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs, and delete its files."""
        command = _as_server_user([str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        subprocess.run(command, check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def stoppable_cluster() -> Iterator[StoppableCluster]:
    """A started cluster for the block; removed at its end, whatever happened."""
    cluster = StoppableCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
