"""``scim-conformance``: run the suite against a provider and summarise it for CI.

A thin wrapper: it runs ``pytest --pyargs scim_tests.checks`` in-process with a
:class:`~scim_tests.report.RunRecorder` and then prints counts per spec area and per
requirement level, the catalog coverage of the whole suite and the failed checks. pytest stays
the engine, so everything after ``--`` goes to pytest unchanged::

    scim-conformance https://sp.example/scim/v2 --token "$SCIM_TOKEN" --json report.json
    scim-conformance --mock -m "scim_requirement(level='MUST')" -n auto
    scim-conformance --mock -- --scim-mock-fault error-status-integer -x

With ``--baseline report.json`` (an earlier ``--json`` report) only failures that report did not
have fail the run; the summary lists the known ones and the ones fixed since.

Exit status: 0 when no check failed (no new one, with a baseline); 1 when a check failed;
pytest's own status otherwise (2 interrupted, 3 internal error, 4 usage error, 5 no checks
collected); 2 for a usage error of this command.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import sys
import uuid
from collections.abc import Sequence

import pytest

from scim_tests.baseline import Baseline, BaselineError
from scim_tests.report import CitationCollector, RunRecorder
from scim_tests.report_html import write_html

SUITE = "scim_tests.checks"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="scim-conformance",
        description="Check a SCIM 2.0 service provider against RFC 7643/7644 "
        "(runs pytest --pyargs scim_tests.checks).",
        epilog="Arguments after -- go to pytest unchanged, e.g. -- -x --scim-mock-fault NAME.",
    )
    parser.add_argument("url", nargs="?", help="base URL of the provider, e.g. https://sp/scim/v2")
    parser.add_argument("--mock", action="store_true", help="test the bundled scim_mock instead")
    parser.add_argument("--token", help="bearer token (default: $SCIM_TOKEN)")
    parser.add_argument("--auth-header", metavar="'NAME: VALUE'", help="custom auth header")
    parser.add_argument("--timeout", metavar="S", type=float, help="per-request timeout (s)")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON")
    parser.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report (pytest's)")
    parser.add_argument("--html", metavar="FILE", help="write one self-contained HTML report")
    parser.add_argument("-m", metavar="EXPR", dest="markexpr", help="pytest -m marker expression")
    parser.add_argument("-k", metavar="EXPR", dest="keyword", help="pytest -k name expression")
    parser.add_argument("-n", metavar="N", dest="workers", help="pytest-xdist workers (or auto)")
    parser.add_argument(
        "--fail-on",
        choices=("must", "should"),
        default="should",
        help="which violations fail the run: should (default: every failed check) or must "
        "(only violations of MUST, MUST NOT and REQUIRED rows; SHOULD deviations are listed)",
    )
    parser.add_argument(
        "--profile",
        metavar="NAMES",
        help="also run the client-profile checks of okta, entra and/or interop "
        "(comma-separated): requests replayed exactly as that client sends them",
    )
    parser.add_argument(
        "--mock-compat",
        metavar="DIALECTS",
        help="with --mock: the mock also accepts what okta and/or entra send beyond the RFC "
        "(comma-separated; strict by default)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REPORT.json",
        help="a --json report of an earlier run: only failures it did not have fail this run; "
        "known ones are listed, and the ones that passed since are reported as fixed",
    )
    return parser


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    args = list(argv)
    if "--" in args:
        index = args.index("--")
        return args[:index], args[index + 1 :]
    return args, []


ASSERT_REWRITE_WARNING = "pytest.PytestAssertRewriteWarning"


def pytest_args(options: argparse.Namespace, extra: Sequence[str], run_id: str) -> list[str]:
    """The pytest command line for ``options``."""
    # This command has imported scim_tests before pytest starts, so pytest cannot rewrite its
    # asserts and says so; the checks raise ConformanceFailure and need no rewriting.
    args = ["--pyargs", SUITE, "-W", f"ignore::{ASSERT_REWRITE_WARNING}"]
    args += ["--scim-mock"] if options.mock else ["--scim-url", options.url]
    if options.token:
        args += ["--scim-token", options.token]
    if options.auth_header:
        args += ["--scim-auth-header", options.auth_header]
    if options.timeout is not None:
        args += ["--scim-timeout", f"{options.timeout:g}"]
    if run_id:
        args += ["--scim-run-id", run_id]
    if options.profile:
        args += ["--scim-profile", options.profile]
    if options.mock_compat:
        args += ["--scim-mock-compat", options.mock_compat]
    if options.junitxml:
        args += ["--junitxml", options.junitxml]
    if options.markexpr:
        args += ["-m", options.markexpr]
    if options.keyword:
        args += ["-k", options.keyword]
    if options.workers:
        if importlib.util.find_spec("xdist") is None:
            print("scim-conformance: pytest-xdist is not installed; -n ignored", file=sys.stderr)
        else:
            args += ["-n", str(options.workers)]
    return args + list(extra)


def suite_requirement_ids() -> set[str] | None:
    """Every requirement id cited by any check of the suite (None if it cannot be collected).

    A separate, silent ``--collect-only`` run without selection, so the coverage figure
    describes the suite rather than the checks a particular run selected.
    """
    collector = CitationCollector()
    args = [
        "--pyargs", SUITE, "--collect-only", "-q", "-p", "no:cacheprovider",
        "-o", "addopts=", "-W", "ignore",
    ]  # fmt: skip
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        status = pytest.main(args, plugins=[collector])
    return collector.ids if status == pytest.ExitCode.OK else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the summary, write the reports; the exit status."""
    parser = build_parser()
    own, extra = _split(sys.argv[1:] if argv is None else argv)
    options = parser.parse_args(own)
    if options.mock == bool(options.url):
        parser.error("give the provider's base URL or --mock (exactly one)")
    if options.mock_compat and not options.mock:
        parser.error("--mock-compat applies to the bundled mock only (with --mock)")
    explicit = any(a.startswith("--scim-run-id") for a in extra) or os.environ.get("SCIM_RUN_ID")
    run_id = "" if explicit else uuid.uuid4().hex[:8]
    try:
        baseline = Baseline.load(options.baseline) if options.baseline else None
    except BaselineError as error:
        parser.error(str(error))
    recorder = RunRecorder(
        target="bundled mock" if options.mock else options.url.rstrip("/"),
        run_id=run_id,
        fail_on=options.fail_on,
        baseline=baseline,
    )
    status = pytest.main(pytest_args(options, extra, run_id), plugins=[recorder])
    # pytest's own exit status is authoritative: after an internal error or an interruption
    # the session may never have finished, so the recorder may not have seen one.
    recorder.exit_status = int(status)
    recorder.suite_ids = suite_requirement_ids()
    print(recorder.summary_text())
    if options.json:
        recorder.write_json(options.json)
        print(f"JSON report: {options.json}")
    if options.html:
        write_html(recorder, options.html)
        print(f"HTML report: {options.html}")
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        # The run did not complete (2 interrupted, 3 internal error, 4 usage, 5 no checks).
        print(f"scim-conformance: pytest exited with status {int(status)}", file=sys.stderr)
        return int(status)
    if recorder.blocking or recorder.incomplete:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
