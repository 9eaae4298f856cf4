"""Peer tools, each installed once per machine in a folder of its own (never in our venv).

Python peers get a virtualenv (:func:`peer_python`), Node peers a ``node_modules`` folder
(:func:`peer_node`), both under ``$SCIM_PEER_HOME`` (default ``~/.cache/scim-conformance``). A
peer whose registry cannot be reached at all is skipped with the installer's words; any other
install error fails. :func:`run_suite` runs our conformance suite against a started peer.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import venv
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

#: What pip and npm print when no registry answers (name resolution or connection failures),
#: as opposed to a registry that answered "no" (an unknown package or version).
UNREACHABLE = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|ETIMEDOUT|ECONNRESET"
    r"|Temporary failure in name resolution|Name or service not known|No route to host"
    r"|Network is unreachable|Failed to establish a new connection|Connection refused",
)
INSTALL_TIMEOUT = 600


def peer_home() -> Path:
    """Where peers are installed: ``$SCIM_PEER_HOME`` or ``~/.cache/scim-conformance``."""
    return Path(os.environ.get("SCIM_PEER_HOME", Path.home() / ".cache" / "scim-conformance"))


def _install_failed(what: str, output: str) -> NoReturn:
    """Skip when the registry was unreachable, fail otherwise."""
    found = UNREACHABLE.search(output)
    if found:
        pytest.skip(f"the registry for {what} is unreachable ({found.group(0)})")
    pytest.fail(f"could not install {what}:\n{output[-2000:]}")


def peer_python(name: str, requirements: list[str]) -> Path:
    """The interpreter of the peer venv ``name``, creating it on first use."""
    directory = peer_home() / f"peer-{name}"
    python = directory / "bin" / "python"
    marker = directory / ".installed"
    wanted = "\n".join(requirements) + "\n"
    if not marker.exists() or marker.read_text() != wanted:
        venv.EnvBuilder(with_pip=True, clear=True).create(directory)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--timeout", "30", "--retries", "1",
             *requirements],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )  # fmt: skip
        if install.returncode != 0:
            _install_failed(f"the peer {requirements}", install.stderr)
        marker.write_text(wanted)
    return python


def peer_node(name: str, package_json: Path) -> Path:
    """The ``node_modules`` folder of the Node peer ``name``, installed from ``package_json``.

    The install happens once per content of ``package_json`` (kept beside the folder as the
    marker); the app's own files stay in our tree and find their dependencies through
    ``NODE_PATH``. npm gives up quickly on a registry it cannot reach (one retry, short
    back-off), which skips the test.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(f"the peer {name} needs node and npm, which are not on PATH")
    directory = peer_home() / f"peer-{name}"
    marker = directory / ".installed"
    wanted = package_json.read_text(encoding="utf-8")
    if not marker.exists() or marker.read_text(encoding="utf-8") != wanted:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        (directory / "package.json").write_text(wanted, encoding="utf-8")
        try:
            install = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--omit=dev",
                 "--fetch-retries=1", "--fetch-retry-mintimeout=2000",
                 "--fetch-retry-maxtimeout=5000", "--fetch-timeout=60000"],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install of the peer {name} did not finish in {INSTALL_TIMEOUT}s")
        if install.returncode != 0:
            _install_failed(f"the peer {name} ({package_json})", install.stdout + install.stderr)
        marker.write_text(wanted, encoding="utf-8")
    return directory / "node_modules"


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


@dataclass
class SuiteRun:
    """What one run of our suite against a peer gave: failed checks and the counts."""

    failed: dict[str, str] = field(default_factory=dict)
    passed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    output: str = ""


def run_suite(url: str, token: str, junit: Path, timeout: float = 300) -> SuiteRun:
    """Run the whole suite, the client profiles included, against ``url`` as a user would;
    return the failures and counts.

    It runs from the (empty) folder of ``junit``, as a user's project would, so our own pytest
    settings (warnings as errors) do not apply.
    """
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "scim_tests.checks", "--scim-url", url,
         "--scim-token", token, "--scim-profile", "okta,entra,interop",
         "-p", "no:cacheprovider", "-p", "no:randomly", "-q",
         f"--junitxml={junit}", "-o", "junit_family=xunit2"],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=junit.parent,
    )  # fmt: skip
    result = SuiteRun(seconds=time.monotonic() - started, output=run.stdout[-3000:])
    assert junit.exists(), f"the suite produced no JUnit report:\n{run.stdout[-3000:]}"
    for case in ElementTree.parse(junit).iter("testcase"):
        problems = [*case.iter("failure"), *case.iter("error")]
        if problems:  # the first problem: a failed call comes before its teardown error
            message = problems[0].get("message") or ""
            result.failed[case.get("name", "?")] = (message.splitlines() or [""])[0]
        elif any(True for _ in case.iter("skipped")):
            result.skipped += 1
        else:
            result.passed += 1
    return result


def documented_checks(docs: Path, heading: str) -> set[str]:
    """The check names (in backticks, parameters included) of the docs section ``heading``."""
    text = docs.read_text(encoding="utf-8")
    start = text.index(f"## {heading}")
    end = text.find("\n## ", start + 3)
    section = text[start : end if end >= 0 else len(text)]
    return set(re.findall(r"`(test_[^`]+)`", section))


@dataclass(frozen=True)
class Cause:
    """One root cause of failing checks against a peer: what the peer does wrong, once.

    ``requirement`` is the catalog id and level it violates (``"P-3.12-03 (REQUIRED)"``),
    ``evidence`` one line of what the peer answered, ``checks`` every check it fails.
    """

    requirement: str
    evidence: str
    checks: tuple[str, ...]


def violations(causes: dict[str, Cause]) -> dict[str, str]:
    """Check name -> "<id> (<level>): <evidence>" for every check of ``causes``."""
    found: dict[str, str] = {}
    for key, cause in causes.items():
        for name in cause.checks:
            assert name not in found, f"{name} is listed under two root causes"
            found[name] = f"{key}: {cause.requirement}: {cause.evidence}"
    return found


def assert_failures_explained(
    peer: str, run: SuiteRun, genuine: dict[str, str], false_positives: dict[str, str]
) -> None:
    """The failing checks are exactly the genuine violations plus the known false positives."""
    expected = {**genuine, **false_positives}
    unexplained = {name: msg for name, msg in run.failed.items() if name not in expected}
    assert not unexplained, (
        f"checks fail against {peer} without a documented reason (a false positive, a bug of "
        "our app, or a genuine violation to add to docs/peers.md and the test's causes):\n"
        + "\n".join(f"- {name}: {msg}" for name, msg in sorted(unexplained.items()))
    )
    stale = sorted(set(expected) - set(run.failed))
    assert not stale, f"documented failures against {peer} that no longer fail: {stale}"


def assert_documented(
    docs: Path, heading: str, causes: dict[str, Cause], false_positives: dict[str, str]
) -> None:
    """The docs section lists each expected failure, nothing else, and each cause's count."""
    documented = documented_checks(docs, heading)
    expected = set(violations(causes)) | set(false_positives)
    assert not expected - documented, f"{docs.name} does not list {sorted(expected - documented)}"
    assert not documented - expected, f"{docs.name} lists stale {sorted(documented - expected)}"
    text = docs.read_text(encoding="utf-8")
    for key, cause in causes.items():
        row = f"| `{key}` | {len(cause.checks)} |"
        assert row in text, f"{docs.name} has no root-cause row {row!r}"
