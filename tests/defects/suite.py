"""Run the conformance suite (or the defect matrix) against the in-process mock, in a subprocess.

Both the matrix and the sweep start a fresh interpreter per run, so that no module, Hypothesis
database or warning filter of the calling test session leaks into the suite, and a run that
hangs is cut off after ``timeout`` seconds instead of hanging CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = (
    "-m", "pytest", "--pyargs", "scim_tests.checks", "--scim-mock",
    "--scim-mock-transport", "wsgi", "-p", "no:cacheprovider", "-p", "no:randomly",
    "-p", "no:benchmark", "-p", "no:xdist", "-q", "--tb=short", "--scim-run-id", "matrix",
)  # fmt: skip
#: The matrix and the sweep also prove the client-profile checks, against the mock that speaks
#: those clients' dialects (the core suite passes against it as against the strict mock).
PROFILES = ("--scim-profile", "okta,entra,interop", "--scim-mock-compat", "okta,entra")


@dataclass(frozen=True)
class Run:
    """What one subprocess run of pytest printed and returned."""

    returncode: int
    output: str


def run_pytest(args: list[str], cwd: Path, timeout: float) -> Run:
    """``python -m pytest <suite args> *args`` in ``cwd`` (not the project: no ini file there)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    # Warnings behave as in a user's project (DeprovisioningWarning shown, not raised).
    env.pop("PYTHONWARNINGS", None)
    completed = subprocess.run(
        [sys.executable, *SUITE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(completed.returncode, completed.stdout + completed.stderr)


@dataclass(frozen=True)
class Outcomes:
    """Check ids (function name plus parameter id) by outcome, from a JUnit XML report."""

    passed: frozenset[str]
    failed: frozenset[str]
    skipped: frozenset[str]


def outcomes(junit: Path) -> Outcomes:
    """Read a JUnit XML file: a test case fails if any of its phases failed or errored."""
    passed, failed, skipped = set(), set(), set()
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            failed.add(name)
        elif "skipped" in kinds:
            skipped.add(name)
        else:
            passed.add(name)
    return Outcomes(frozenset(passed - failed), frozenset(failed), frozenset(skipped - failed))


def root_causes(junit: Path) -> dict[str, int]:
    """How many failed test cases of a JUnit XML file each ``scim_root_cause`` explains.

    A failure outside a ConformanceFailure has no root cause property; it counts as its own
    ``(no root cause: <name>)``, so a crash is never folded into a real cause.
    """
    counts: dict[str, int] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        if not {child.tag for child in case} & {"failure", "error"}:
            continue
        causes = {
            prop.get("value", "")
            for prop in case.iter("property")
            if prop.get("name") == "scim_root_cause"
        } or {f"(no root cause: {case.get('name', '')})"}
        for cause in causes:
            counts[cause] = counts.get(cause, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
