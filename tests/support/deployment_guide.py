"""The README's deployment guide as files, and its systemd unit run as systemd would run one instance of it."""

import configparser
import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"


def deployment_section() -> str:
    """The README's `## Deployment` section, up to the next section."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^## Deployment\n(.*?)(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    assert found, "README.md has no `## Deployment` section"
    return found.group(1)


def guide_file(path: str) -> str:
    """The fenced block of the deployment section whose first line is the comment `# PATH`: that file's text."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```$", deployment_section(), flags=re.MULTILINE | re.DOTALL)
    named = [block for block in blocks if block.splitlines()[0].strip() == f"# {path}"]
    assert len(named) == 1, f"the deployment section should hold one block starting `# {path}`, not {len(named)}"
    return str(named[0])


def substituted(text: str, replacements: dict[str, str]) -> str:
    """`text` with each key replaced by its value; each key must be there, so the guide cannot drift silently."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the guide's file; the deployment test substitutes it"
        text = text.replace(old, new)
    return text


def environment_file(text: str) -> dict[str, str]:
    """The variables of a systemd EnvironmentFile: KEY=VALUE lines, `#` comments."""
    variables = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    return variables


@dataclass(frozen=True)
class ServiceUnit:
    """The `[Service]` part of a systemd unit that the test acts on."""

    exec_start: list[str]
    working_directory: str
    environment_file: str
    kill_signal: signal.Signals
    timeout_stop_seconds: float
    restart: str
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "ServiceUnit":
        """Read a unit file (systemd's syntax is close enough to INI for the keys used here)."""
        parser = configparser.ConfigParser(interpolation=None, strict=False, comment_prefixes=("#", ";"))
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
        parser.read_string(text)
        service = dict(parser["Service"])
        return cls(
            exec_start=shlex.split(service["ExecStart"]),
            working_directory=service["WorkingDirectory"],
            environment_file=service["EnvironmentFile"],
            kill_signal=signal.Signals[service.get("KillSignal", "SIGTERM")],
            timeout_stop_seconds=float(service.get("TimeoutStopSec", "90").removesuffix("s")),
            restart=service.get("Restart", "no"),
            options=service,
        )


class UnitInstance:
    """One instance of a templated unit (`benefits@PORT.service`), started and stopped as systemd would."""

    def __init__(self, unit: ServiceUnit, instance: str, environment: dict[str, str], log: Path) -> None:
        self.unit = unit
        self.instance = instance
        # systemd starts a service with a bare environment plus its EnvironmentFile, not the caller's.
        self.environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **environment}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        """ExecStart with `%i` replaced by the instance name."""
        return [argument.replace("%i", self.instance) for argument in self.unit.exec_start]

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self) -> None:
        """Start the process (as `systemctl start`, or systemd's restart after a crash)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.unit.working_directory,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, base_url: str, timeout: float = 60) -> None:
        """Wait until the worker's `/readyz` answers 200."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx2.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            assert self.process is not None and self.process.poll() is None, f"worker exited: {self.log_tail()}"
            assert time.monotonic() < deadline, f"worker not ready in {timeout} s: {self.log_tail()}"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL, as a crash or the out-of-memory killer would end it; reaps the process."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> bool:
        """Stop as `systemctl stop` does: KillSignal, then SIGKILL after TimeoutStopSec. True when it left in time."""
        if self.process is None or self.process.poll() is not None:
            return True
        self.process.send_signal(self.unit.kill_signal)
        try:
            self.process.wait(timeout=self.unit.timeout_stop_seconds)
            return True
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False

    def log_tail(self, characters: int = 3000) -> str:
        """The end of what the worker printed."""
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""
