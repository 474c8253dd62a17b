"""nginx for tests: Debian's program with a configuration, prefix and logs of its own in a temporary folder."""

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Debian's /etc/nginx/nginx.conf plays this part in production: the site goes inside `http`. Here every file
# nginx writes stays in the folder, and the access log says which worker answered each request.
MAIN_CONFIG = """\
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    log_format upstreams '$msec\\t$request_method\\t$request_uri\\t$status\\t$upstream_addr\\t$upstream_status';
    access_log {prefix}/access.log upstreams;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""


class NginxUnavailable(RuntimeError):
    """nginx (or openssl, which makes its test certificate) is not installed."""


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, which a non-root PATH may lack)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise NginxUnavailable("nginx not found; `make test` installs it from Debian packages")
    return found


@dataclass(frozen=True)
class Passage:
    """One line of the access log: a request, nginx's answer and the worker (or workers, when retried) behind it."""

    at: float
    method: str
    uri: str
    status: int
    upstreams: list[str]
    upstream_statuses: list[str]


@dataclass(frozen=True)
class Nginx:
    """A running nginx: its folder and what its access log holds."""

    prefix: Path

    def passages(self) -> list[Passage]:
        """Every request logged so far, oldest first."""
        found = []
        for line in (self.prefix / "access.log").read_text().splitlines():
            at, method, uri, status, upstreams, statuses = line.split("\t")
            found.append(
                Passage(
                    at=float(at),
                    method=method,
                    uri=uri,
                    status=int(status),
                    upstreams=[] if upstreams == "-" else [part.strip() for part in upstreams.split(",")],
                    upstream_statuses=[] if statuses == "-" else [part.strip() for part in statuses.split(",")],
                )
            )
        return found

    def error_log(self) -> str:
        """What nginx complained of."""
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with openssl; the certificate is also the client's trust."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise NginxUnavailable("openssl not found; `make test` installs it from Debian packages")
    certificate, key = folder / "server.pem", folder / "server.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(certificate), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


def _wait_for_port(port: int, process: subprocess.Popen[bytes], prefix: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass
        error_log = (prefix / "error.log").read_text(errors="replace") if (prefix / "error.log").exists() else ""
        assert process.poll() is None, f"nginx exited: {error_log}"
        assert time.monotonic() < deadline, f"nginx is not listening on {port}: {error_log}"
        time.sleep(0.05)


@contextmanager
def nginx_folder() -> Iterator[Path]:
    """A temporary folder for nginx's configuration, certificate, logs and temporary files; removed at the end."""
    prefix = Path(tempfile.mkdtemp(prefix="benefits-nginx-"))
    # nginx's worker processes run as an unprivileged user when the master is root: they must reach the folder.
    prefix.chmod(0o755)
    try:
        yield prefix
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def running_nginx(prefix: Path, site: str, listening_on: list[int]) -> Iterator[Nginx]:
    """nginx in the foreground serving `site` (a server configuration, as in sites-enabled) until the block ends."""
    binary = nginx_binary()
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(MAIN_CONFIG.format(prefix=prefix))
    command = [binary, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx -t refused the configuration:\n{checked.stderr}"
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for port in listening_on:
            _wait_for_port(port, process, prefix)
        yield Nginx(prefix=prefix)
    finally:
        # SIGQUIT: nginx's graceful stop; a hard one after a few seconds.
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
