"""Peer tools, each installed once per machine in a virtualenv of its own (never in ours)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import venv
from pathlib import Path

import pytest


def peer_python(name: str, requirements: list[str]) -> Path:
    """The interpreter of the peer venv ``name``, creating it on first use."""
    root = Path(os.environ.get("SCIM_PEER_HOME", Path.home() / ".cache" / "scim-conformance"))
    directory = root / f"peer-{name}"
    python = directory / "bin" / "python"
    marker = directory / ".installed"
    wanted = "\n".join(requirements) + "\n"
    if not marker.exists() or marker.read_text() != wanted:
        venv.EnvBuilder(with_pip=True, clear=True).create(directory)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0:
            pytest.fail(f"could not install the peer {requirements}:\n{install.stderr[-2000:]}")
        marker.write_text(wanted)
    return python


def free_port() -> int:
    """A port nothing listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Block until 127.0.0.1:port accepts connections (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the peer exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")
