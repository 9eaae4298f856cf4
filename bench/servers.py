"""What the benchmarks share: starting the servers they measure, seeding them, reading RSS.

Every server runs in a process of its own (its own session, so stopping it stops its workers
too), on 127.0.0.1 and a port picked free; its output goes to a log file that is shown when it
fails to start. The peers (python-scim's scim2-server and scim2-tester) are installed the way
``tests/peers`` installs them, in virtualenvs of their own under ``$SCIM_PEER_HOME`` (default
``~/.cache/scim-conformance``), with the same pinned versions.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TOKEN = "bench-token"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Content-Type": "application/scim+json",
    "Accept": "application/scim+json",
}
#: Seconds a server may take to answer its first request.
START_TIMEOUT = 60.0


@dataclass
class Server:
    """A started server: its process (the session leader), base URL and log file."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def rss_kib(self) -> int:
        """Resident memory of the server: its process and every descendant (workers), KiB."""
        return tree_rss_kib(self.process.pid)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-3000:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's session (gunicorn's master stops its workers), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_ready(url: str | None, process: subprocess.Popen[bytes], log: Path) -> str:
    """Block until ``url``/ServiceProviderConfig answers (any status below 500); returns
    ``url``. With ``url`` None, the URL is the one the mock announces in its log first."""
    deadline = time.monotonic() + START_TIMEOUT
    with requests.Session() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{_tail(log)}")
            if url is None:
                url = _announced_url(log)
            try:
                if url is not None:
                    answer = session.get(f"{url}/ServiceProviderConfig", headers=HEADERS,
                                         timeout=5)  # fmt: skip
                    if answer.status_code < 500:
                        return url
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:g} s:\n{_tail(log)}")


@contextmanager
def serve(
    name: str,
    command: Sequence[str],
    url: str | None,
    log: Path,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Run ``command`` (a server that will answer at ``url``, or at the URL it announces)
    until the block ends."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    try:
        yield Server(name, process, wait_ready(url, process, log), log)
    finally:
        _stop(process)


def mock_command(args: Sequence[str], port: int) -> list[str]:
    """``scim-mock serve ARGS`` on 127.0.0.1:port with the benchmark token, quiet."""
    return [sys.executable, "-m", "scim_mock", "serve", *args, "--host", "127.0.0.1",
            "--port", str(port), "--token", TOKEN, "--quiet"]  # fmt: skip


@contextmanager
def serve_mock(name: str, args: Sequence[str], log: Path) -> Iterator[Server]:
    """``scim-mock serve ARGS``; the base URL is the one it prints once it listens."""
    with serve(name, mock_command(args, free_port()), None, log) as server:
        yield server


def _announced_url(log: Path) -> str | None:
    """The URL of the mock's "scim-mock serving SCIM 2.0 at URL (...)" line."""
    try:
        head = log.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return None
    for line in head.splitlines():
        if "serving SCIM 2.0 at " in line:
            return line.split(" at ", 1)[1].split(" ", 1)[0]
    return None


def gunicorn_command(
    python: Path | str, app: str, port: int, *, workers: int, threads: int, keepalive: int
) -> list[str]:
    """gunicorn's gthread server for ``app`` (``module:factory()``, found in bench/)."""
    return [str(python), "-m", "gunicorn", "--worker-class", "gthread",
            "--workers", str(workers), "--threads", str(threads), "--keep-alive", str(keepalive),
            "--preload", "--timeout", "120", "--log-level", "warning",
            "--bind", f"127.0.0.1:{port}", "--pythonpath", str(BENCH), app]  # fmt: skip


def tree_rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, ()))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


# -- peers -----------------------------------------------------------------------------------


def peer_python(name: str, requirements: list[str]) -> Path:
    """The interpreter of peer venv ``name`` (tests/peers' installer; created on first use).

    An install that cannot happen is a RuntimeError with the installer's words, not a pytest
    skip.
    """
    import pytest

    from tests.peers.conftest import peer_python as install

    try:
        python: Path = install(name, requirements)
        return python
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise RuntimeError(f"cannot install the peer {name}: {exc}") from None


def scim2_server_python(with_gunicorn: bool = False) -> Path:
    """scim2-server's venv: tests/peers' own one, or one with gunicorn beside (same pin)."""
    from tests.peers.test_scim2_server import SERVER_REQUIREMENTS

    if not with_gunicorn:
        return peer_python("scim2-server", SERVER_REQUIREMENTS)
    # The same gunicorn as the mock's, so that both are served by the same server code.
    return peer_python("scim2-server-gunicorn", [*SERVER_REQUIREMENTS,
                                                 f"gunicorn=={version('gunicorn')}"])  # fmt: skip


def scim2_tester_python() -> Path:
    """scim2-tester's venv (the pins of tests/peers/test_scim2_tester.py)."""
    from tests.peers.test_scim2_tester import PEER_REQUIREMENTS

    return peer_python("scim2-tester", PEER_REQUIREMENTS)


# -- seeding ---------------------------------------------------------------------------------


def user_payload(prefix: str, index: int) -> dict[str, Any]:
    """A small, realistic core User; its userName is ``{prefix}-{index}@example.com``."""
    name = f"{prefix}-{index}@example.com"
    return {
        "schemas": [USER_SCHEMA],
        "userName": name,
        "externalId": f"{prefix}-{index}",
        "name": {"givenName": f"Given{index}", "familyName": f"Family{index}"},
        "displayName": f"Given{index} Family{index}",
        "emails": [{"value": name, "type": "work", "primary": True}],
        "active": True,
    }


def post_users(url: str, prefix: str, count: int, threads: int = 4) -> list[tuple[str, str]]:
    """Create ``count`` users with POST /Users (``threads`` keep-alive sessions); returns
    (id, userName) in index order. Any answer but 201 is a RuntimeError."""

    def chunk(indexes: range) -> list[tuple[str, str]]:
        made = []
        with requests.Session() as session:
            for index in indexes:
                body = user_payload(prefix, index)
                answer = session.post(f"{url}/Users", data=json.dumps(body), headers=HEADERS,
                                      timeout=60)  # fmt: skip
                if answer.status_code != 201:
                    raise RuntimeError(f"seeding: POST /Users answered {answer.status_code}: "
                                       f"{answer.text[:300]}")  # fmt: skip
                made.append((str(answer.json()["id"]), body["userName"]))
        return made

    parts = [range(start, count, threads) for start in range(threads)]
    ordered: list[tuple[str, str]] = [("", "")] * count
    with ThreadPoolExecutor(threads) as pool:
        for part, made in zip(parts, pool.map(chunk, parts), strict=True):
            for index, pair in zip(part, made, strict=True):
                ordered[index] = pair
    return ordered


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (``fraction`` 0.5 for p50, 0.99 for p99)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
