"""Wall time and checks per second of our conformance suite, beside scim2-tester's.

Usage: ``python bench/suite_speed.py [--targets mock,scim2-server] [--tools ours,scim2-tester]
[--mock-args "--compat okta,entra"] [-k EXPR] [--smoke]``

Each (tool, target) pair gets a fresh server on 127.0.0.1 and a free port, one after another:

* ``mock``: ``scim-mock serve --compat okta,entra --token T --quiet`` (``--mock-args``
  replaces ``--compat okta,entra``, which accepts what the client profiles replay, so that
  the whole suite passes, tests/defects/test_profiles.py);
* ``scim2-server``: python-scim's scim2-server 0.8.3 started by its own command line, as
  tests/peers/test_scim2_server.py starts it (and from the same virtualenv).

``ours`` is the suite run as a user runs it, from an empty folder, with the flags of
tests/peers/conftest.py's ``run_suite``: ``python -m pytest --pyargs scim_tests.checks
--scim-url URL --scim-token T --scim-profile okta,entra,interop -p no:cacheprovider
-p no:randomly -q`` (and ``-k EXPR`` when given). ``scim2-tester`` is python-scim's
scim2-tester 0.5.2 through tests/peers/run_scim2_tester.py, in its own virtualenv. The wall
time is the tool's whole process (interpreter start and imports included); a check is a test
case (ours: from the JUnit report) or a result line (scim2-tester), and checks/s counts those
that ran (not skipped). ``--smoke`` is ``--targets mock --tools ours -k discovery``, a few
seconds.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from servers import (
    ROOT,
    TOKEN,
    free_port,
    scim2_server_python,
    scim2_tester_python,
    serve,
    serve_mock,
)

TARGETS = ("mock", "scim2-server")
TOOLS = ("ours", "scim2-tester")
RUN_LIMIT = 1800  # seconds: no single run may take longer than half an hour


@dataclass
class Run:
    """One tool against one target: its wall time and what its checks gave."""

    tool: str
    target: str
    seconds: float
    outcomes: Counter[str]
    skipped: int
    failed: list[str]

    @property
    def ran(self) -> int:
        return sum(self.outcomes.values()) - self.skipped


def run_ours(url: str, folder: Path, expression: str | None) -> Run:
    """Our suite against ``url`` from the empty ``folder``; outcomes from its JUnit report."""
    junit = folder / "junit.xml"
    command = [sys.executable, "-m", "pytest", "--pyargs", "scim_tests.checks", "--scim-url", url,
               "--scim-token", TOKEN, "--scim-profile", "okta,entra,interop",
               "-p", "no:cacheprovider", "-p", "no:randomly", "-q",
               f"--junitxml={junit}", "-o", "junit_family=xunit2",
               *(["-k", expression] if expression else [])]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_LIMIT, cwd=folder)
    seconds = time.perf_counter() - started
    if not junit.exists():
        raise RuntimeError(f"our suite wrote no JUnit report:\n{done.stdout[-3000:]}")
    outcomes: Counter[str] = Counter()
    failed = []
    for case in ElementTree.parse(junit).iter("testcase"):
        if any(True for _ in case.iter("failure")) or any(True for _ in case.iter("error")):
            outcomes["failed"] += 1
            failed.append(case.get("name", "?"))
        elif any(True for _ in case.iter("skipped")):
            outcomes["skipped"] += 1
        else:
            outcomes["passed"] += 1
    return Run("ours", "", seconds, outcomes, outcomes["skipped"], failed)


def run_tester(url: str, folder: Path) -> Run:
    """scim2-tester against ``url``; outcomes are its statuses."""
    report = folder / "scim2-tester.json"
    runner = ROOT / "tests" / "peers" / "run_scim2_tester.py"
    command = [str(scim2_tester_python()), str(runner), "--url", url, "--token", TOKEN,
               "--json", str(report)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_LIMIT, cwd=folder)
    seconds = time.perf_counter() - started
    if not report.exists():
        raise RuntimeError(f"scim2-tester wrote no report:\n{done.stdout[-2000:]}{done.stderr}")
    results = json.loads(report.read_text())
    outcomes = Counter(str(result["status"]) for result in results)
    failed = [f"{r['resource_type']}: {r['title']}" if r["resource_type"] else str(r["title"])
              for r in results if r["status"] in ("ERROR", "CRITICAL")]  # fmt: skip
    return Run("scim2-tester", "", seconds, outcomes, outcomes["SKIPPED"], failed)


def one(tool: str, target: str, args: argparse.Namespace, folder: Path) -> Run:
    """Start a fresh ``target``, run ``tool`` against it."""
    log = folder / "server.log"
    if target == "mock":
        server = serve_mock("mock", shlex.split(args.mock_args), log)
    else:
        port = free_port()
        python = scim2_server_python()
        command = [str(python.parent / "scim2-server"), "--hostname", "127.0.0.1",
                   "--port", str(port), "--bearer-token", TOKEN]  # fmt: skip
        server = serve("scim2-server", command, f"http://127.0.0.1:{port}/v2", log)
    with server as started:
        run = (
            run_ours(started.url, folder, args.k)
            if tool == "ours"
            else run_tester(started.url, folder)
        )
    run.target = target
    return run


def _choices(text: str, known: tuple[str, ...]) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    if set(chosen) - set(known):
        raise SystemExit(f"unknown {sorted(set(chosen) - set(known))}; known: {known}")
    return chosen


def main() -> int:
    """Every chosen (tool, target) pair in turn, then the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument(
        "--mock-args", default="--compat okta,entra", help="more scim-mock serve arguments"
    )
    parser.add_argument("-k", default=None, help="a -k expression for our suite")
    parser.add_argument("--smoke", action="store_true", help="ours against the mock, -k discovery")
    args = parser.parse_args()
    if args.smoke:
        args.targets, args.tools, args.k = "mock", "ours", args.k or "discovery"
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="scim-suite-speed-") as tmp:
        for tool in _choices(args.tools, TOOLS):
            for target in _choices(args.targets, TARGETS):
                folder = Path(tmp) / f"{tool}-{target}"
                folder.mkdir()
                runs.append(one(tool, target, args, folder))
                print(f"{tool} against {target}: {runs[-1].seconds:.1f} s", flush=True)
    selection = f" (-k {args.k})" if args.k else ""
    names = [run.tool + (selection if run.tool == "ours" else "") for run in runs]
    width = max([len(name) for name in names] + [4]) + 2
    print(f"\n{'tool':<{width}}{'target':<14}{'wall s':>8}{'checks':>8}{'ran':>6}"
          f"{'checks/s':>10}  outcomes")  # fmt: skip
    for name, run in zip(names, runs, strict=True):
        outcomes = ", ".join(f"{key} {count}" for key, count in sorted(run.outcomes.items()))
        print(f"{name:<{width}}{run.target:<14}{run.seconds:>8.1f}{sum(run.outcomes.values()):>8}"
              f"{run.ran:>6}{run.ran / run.seconds:>10.1f}  {outcomes}")  # fmt: skip
    for name, run in zip(names, runs, strict=True):
        if run.failed:  # the figures stand, but say what failed (tests/peers explains it)
            print(f"\n{name} against {run.target}, failing checks:")
            print("".join(f"  {check}\n" for check in run.failed), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
