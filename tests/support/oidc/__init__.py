"""A real OpenID Connect provider on loopback (oidc-provider, run with Node) for the single sign-on tests."""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

HERE = Path(__file__).resolve().parent
PASSWORD = "provider-password"  # every test person's password at the provider (provider.mjs)
CLIENT_ID = "benefits"
CLIENT_SECRET = "a client secret for the tests only"  # the test provider's, nothing real


def _node() -> str:
    """Node and the provider's packages (npm ci from the committed lock file, once); skip or fail without Node."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are missing; .ci/system-packages.sh installs them from Debian")
        pytest.skip("node and npm are not installed")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"npm ci failed in {HERE}:\n{done.stderr[-4000:]}")
    return node


@contextmanager
def running_provider(port: int, *, redirect_uri: str, post_logout_redirect_uri: str) -> Iterator[str]:
    """The provider listening on `port` until the block ends, with one client for the service; yields its issuer."""
    node = _node()
    environment = {**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENT_ID": CLIENT_ID,
                   "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_REDIRECT_URI": redirect_uri,
                   "OIDC_POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri}  # fmt: skip
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen([node, str(HERE / "provider.mjs")], env=environment, cwd=HERE,
                                   stdout=log, stderr=log, stdin=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx2.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the test identity provider did not start:\n{log.read()[-4000:]}")
                time.sleep(0.1)
            yield issuer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
