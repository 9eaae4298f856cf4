"""``scim-conformance``: summary, exit status and the JSON/HTML/JUnit reports.

The command runs pytest in its own process here (``python -m scim_tests.cli``), as a user's CI
would, from an empty directory so no project configuration leaks in.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from scim_tests.cli import build_parser, pytest_args

Run = tuple[subprocess.CompletedProcess[str], Path]

DOC_KEYS = {"run_id", "target", "header", "versions", "started", "finished", "checks", "summary",
            "coverage", "pytest_exit_status"}  # fmt: skip
CHECK_KEYS = {"nodeid", "check", "area", "outcome", "duration", "requirements", "failure", "reason"}
COVERAGE_LINE = re.compile(
    r"^Catalog coverage \(testable MUST-class rows cited by checks\): \d+/\d+ \(\d+\.\d%\)$",
    re.MULTILINE,
)


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scim-conformance *args`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "scim_tests.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One passing run against the mock with every report file."""
    out = tmp_path_factory.mktemp("cli")
    result = run_cli(
        out, "--mock", "-k", "delete", "--json", "run.json", "--html", "run.html",
        "--junitxml", "junit.xml",
    )  # fmt: skip
    return result, out


def test_console_script_is_registered() -> None:
    """``pip install`` puts ``scim-conformance`` on PATH."""
    (script,) = entry_points(group="console_scripts", name="scim-conformance")
    assert script.value == "scim_tests.cli:main"


def test_passing_run_exits_0_and_prints_the_summary(passing: Run) -> None:
    """Exit 0, per-area and per-level counts, coverage figures, the verdict."""
    result, _ = passing
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "SCIM conformance summary: target http://127.0.0.1:" in out
    assert re.search(r"^  delete\s+3\s+0\s+0$", out, re.MULTILINE), out
    assert re.search(r"^  MUST\s+\d+\s+0\s+\d+$", out, re.MULTILINE), out
    assert COVERAGE_LINE.search(out), out
    assert "including partially testable rows" in out
    assert "Result: PASSED" in out and "Failed checks" not in out


def test_json_report_has_the_documented_shape(passing: Run) -> None:
    """Run id, target, header lines, times, per-check records, summary, coverage."""
    _, out = passing
    document = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert DOC_KEYS <= set(document)
    assert re.fullmatch(r"[0-9a-f]{8}", document["run_id"])
    assert any(f"run-id={document['run_id']}" in line for line in document["header"])
    assert any(line.startswith("scim: patch=") for line in document["header"])
    assert document["started"] <= document["finished"]
    check = next(c for c in document["checks"] if c["check"].endswith("resource_is_gone"))
    assert CHECK_KEYS <= set(check)
    assert check["area"] == "delete" and check["outcome"] == "passed"
    assert {"id": "P-3.6-02", "level": "MUST", "section": "3.6"} in check["requirements"]
    assert document["summary"]["by_area"]["delete"] == {"passed": 3, "failed": 0, "skipped": 0}
    assert set(document["summary"]["by_level"]) >= {"MUST", "SHOULD", "MAY"}
    must = document["coverage"]["must"]
    assert 0 < must["cited"] <= must["total"] and must["total"] == must["cited"] + len(
        must["missing"]
    )


def test_html_report_is_self_contained(passing: Run) -> None:
    """One file: inline CSS and the filters' inline script, no external assets; names every check
    with its requirements."""
    _, out = passing
    page = (out / "run.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert "test_delete_returns_204_and_resource_is_gone" in page
    assert "P-3.6-02" in page and "Catalog coverage" in page


def test_junit_report_carries_requirement_properties(passing: Run) -> None:
    """--junitxml goes to pytest, and the plugin's properties are in it."""
    _, out = passing
    values = [
        p.get("value")
        for p in ET.parse(out / "junit.xml").iter("property")
        if p.get("name") == "scim_requirement"
    ]
    assert "P-3.6-02 MUST" in values


def test_failing_run_exits_1_and_lists_the_failed_check(tmp_path: Path) -> None:
    """Arguments after -- reach pytest; the failed check is listed with its requirements."""
    result = run_cli(
        tmp_path, "--mock", "--html", "run.html", "--",
        "--scim-mock-fault", "error-status-integer", "-k", "delete",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(
        r"^  test_delete\.py::test_delete_returns_204_and_resource_is_gone"
        r"  \[P-3\.6-05 MUST, P-3\.6-02 MUST\]\n      RFC 7644 §3\.12 \(REQUIRED\) P-3\.12-03: ",
        result.stdout,
        re.MULTILINE,
    ), result.stdout
    assert "Result: FAILED" in result.stdout
    page = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert "The error body&#x27;s status is not a string" in page
    assert "GET /scim/v2/Users/" in page  # the exchange transcript


def test_failures_of_one_cause_are_grouped_biggest_first(tmp_path: Path) -> None:
    """One provider bug that fails many checks is shown once, with the checks it explains.

    The grouping key is the violated requirement and the failure's title with its variable
    parts masked; console, JSON, HTML and JUnit (a ``scim_root_cause`` property) all carry it.
    """
    result = run_cli(
        tmp_path, "--mock", "-k", "error_bodies or delete", "--json", "run.json",
        "--html", "run.html", "--junitxml", "junit.xml", "--",
        "--scim-mock-fault", "error-status-integer",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    match = re.search(
        r"^Root causes \(1, biggest first\):\n"
        r"  P-3\.12-03: The error body's status is not a string: (\d+) checks$",
        result.stdout,
        re.MULTILINE,
    )
    assert match, result.stdout[-3000:]
    document = json.loads((tmp_path / "run.json").read_text())
    failed = [c["check"] for c in document["checks"] if c["outcome"] == "failed"]
    (cause,) = document["summary"]["root_causes"]
    assert cause["cause"] == "P-3.12-03: The error body's status is not a string"
    assert sorted(cause["checks"]) == sorted(failed) and len(failed) == int(match.group(1))
    assert "Root causes" in (tmp_path / "run.html").read_text(encoding="utf-8")
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    causes = {p.get("value") for p in junit.iter("property") if p.get("name") == "scim_root_cause"}
    assert causes == {cause["cause"]}


def test_no_checks_selected_is_an_error(tmp_path: Path) -> None:
    """pytest's "no tests collected" (5) is not a pass."""
    result = run_cli(tmp_path, "--mock", "-k", "no_check_is_called_like_this")
    assert result.returncode == 5
    assert "Result: ERROR (pytest exit status 5; 0 of 0 checks failed)" in result.stdout


def test_fail_on_must_lists_should_deviations_without_failing(tmp_path: Path) -> None:
    """A failure whose violated requirement is a SHOULD row passes under --fail-on must.

    The failure carries the violated requirement's id and level into the summary and the JSON.
    """
    args = ["--mock", "-k", "wrong_value_type", "--json", "run.json"]
    fault = ["--", "--scim-mock-fault", "boolean-subattribute-coerced"]
    lenient = run_cli(tmp_path, *args, "--fail-on", "must", *fault)
    assert lenient.returncode == 0, lenient.stdout[-3000:]
    assert "Violations: 0 MUST, 1 SHOULD deviations" in lenient.stdout
    assert "Result: PASSED with 1 SHOULD deviations (--fail-on must;" in lenient.stdout
    document = json.loads((tmp_path / "run.json").read_text())
    (failed,) = [c for c in document["checks"] if c["outcome"] == "failed"]
    assert failed["violation"] == "SHOULD"
    assert [v["id"] for v in failed["violated"]] == ["P-3.12-22"]
    assert document["summary"]["violations"] == {"MUST": 0, "SHOULD": 1, "PROFILE": 0}
    strict = run_cli(tmp_path, *args, *fault)  # --fail-on should is the default
    assert strict.returncode == 1
    assert "Result: FAILED (1 of" in strict.stdout


def test_fail_on_must_still_fails_must_violations(tmp_path: Path) -> None:
    """A violated MUST row fails the run whatever --fail-on says."""
    result = run_cli(
        tmp_path, "--mock", "-k", "error_bodies", "--fail-on", "must", "--",
        "--scim-mock-fault", "error-status-integer",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert re.search(r"Violations: [1-9]\d* MUST, 0 SHOULD deviations", result.stdout)
    assert "Result: FAILED" in result.stdout


def test_an_internal_error_is_never_reported_as_passed(tmp_path: Path) -> None:
    """pytest stopping with INTERNALERROR (exit 3) prints ERROR and exits 3, not PASSED."""
    result = run_cli(tmp_path, "--mock", "--", "--hypothesis-profile", "no-such-profile")
    assert result.returncode == 3, result.stdout[-2000:]
    assert "INTERNALERROR" in result.stdout + result.stderr
    assert "Result: ERROR (pytest exit status 3;" in result.stdout
    assert "Result: PASSED" not in result.stdout


@pytest.mark.parametrize("profile, examples", [("scim-quick", 8), ("scim-ci", 25)])
def test_hypothesis_profiles_work_on_the_command_line(
    tmp_path: Path, profile: str, examples: int
) -> None:
    """``--hypothesis-profile scim-…`` (as the README documents) selects the plugin's profile.

    (scim-thorough, 300 examples, is registered the same way; too slow to run here.)
    """
    result = run_cli(
        tmp_path, "--mock", "-k", "test_random_groups_round_trip", "--",
        "--hypothesis-profile", profile, "--hypothesis-show-statistics",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"settings.max_examples={examples}" in result.stdout


@pytest.mark.parametrize(
    "args", [[], ["https://sp.example/scim/v2", "--mock"]], ids=["neither", "both"]
)
def test_target_is_required_exactly_once(tmp_path: Path, args: list[str]) -> None:
    """Neither a URL nor --mock (or both): a usage error, exit 2."""
    result = run_cli(tmp_path, *args)
    assert result.returncode == 2
    assert "give the provider's base URL or --mock" in result.stderr


def test_options_map_to_pytest_arguments() -> None:
    """Each option becomes its --scim-* / pytest twin; extras come last."""
    options = build_parser().parse_args(
        ["https://sp/scim/v2", "--token", "t", "--auth-header", "X-Key: v", "--timeout", "2.5",
         "-m", "scim_requirement(level='MUST')", "-k", "patch", "--junitxml", "j.xml"]
    )  # fmt: skip
    args = pytest_args(options, ["-x"], "abcd1234")
    assert args == [
        "--pyargs", "scim_tests.checks", "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "--scim-url", "https://sp/scim/v2", "--scim-token", "t",
        "--scim-auth-header", "X-Key: v", "--scim-timeout", "2.5", "--scim-run-id", "abcd1234",
        "--junitxml", "j.xml", "-m", "scim_requirement(level='MUST')", "-k", "patch", "-x",
    ]  # fmt: skip


def test_profile_and_dialect_options_map_to_pytest_arguments(tmp_path: Path) -> None:
    """--profile and --mock-compat become --scim-profile and --scim-mock-compat; a dialect for
    a provider that is not the bundled mock is a usage error."""
    options = build_parser().parse_args(["--mock", "--profile", "okta", "--mock-compat", "okta"])
    args = pytest_args(options, [], "")
    assert args[-4:] == ["--scim-profile", "okta", "--scim-mock-compat", "okta"]
    result = run_cli(tmp_path, "https://sp.example/scim/v2", "--mock-compat", "entra")
    assert result.returncode == 2
    assert "--mock-compat applies to the bundled mock only" in result.stderr


def test_a_refused_client_deviation_is_a_profile_finding(tmp_path: Path) -> None:
    """Against the strict mock, Okta's group rename (its id inside a pathless replace) fails
    as a client-profile finding: no catalog row violated, still failing the run, also under
    --fail-on must; with --mock-compat okta it passes."""
    check = "okta_group_rename"
    result = run_cli(tmp_path, "--mock", "--profile", "okta", "-k", check, "--fail-on", "must",
                     "--json", "strict.json")  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 client-profile findings (no RFC row violated)" in result.stdout
    assert "Okta cannot provision this server" in result.stdout
    violations = json.loads((tmp_path / "strict.json").read_text())["summary"]["violations"]
    assert violations == {"MUST": 0, "SHOULD": 0, "PROFILE": 1}
    result = run_cli(tmp_path, "--mock", "--mock-compat", "okta", "--profile", "okta", "-k", check)
    assert result.returncode == 0, result.stdout[-3000:]


def test_baseline_gates_only_on_new_failures(tmp_path: Path) -> None:
    """--baseline: known failures are listed, not gating; fixed ones are named; new ones fail."""
    select = ["--mock", "-k", "delete"]
    broken = ["--", "--scim-mock-fault", "error-status-integer"]
    first = run_cli(tmp_path, *select, "--json", "base.json", *broken)
    assert first.returncode == 1, first.stdout[-3000:]
    known = {
        c["nodeid"]
        for c in json.loads((tmp_path / "base.json").read_text())["checks"]
        if c["outcome"] == "failed"
    }
    assert known

    again = run_cli(tmp_path, *select, "--baseline", "base.json", "--json", "again.json", *broken)
    assert again.returncode == 0, again.stdout[-3000:]
    assert f"0 new failures (these gate the run), {len(known)} known failures" in again.stdout
    assert "Result: PASSED (no new failures against the baseline;" in again.stdout
    diff = json.loads((tmp_path / "again.json").read_text())["baseline"]
    assert set(diff["known"]) == known and diff["new"] == [] and diff["fixed"] == []

    clean = run_cli(tmp_path, *select, "--baseline", "base.json")
    assert clean.returncode == 0, clean.stdout[-3000:]
    assert f"{len(known)} fixed" in clean.stdout
    assert f"Fixed since the baseline (refresh it) ({len(known)}):" in clean.stdout

    fault = ["--", "--scim-mock-fault", "delete-soft-keeps-listing"]
    other = run_cli(tmp_path, *select, "--baseline", "base.json", *fault)
    assert other.returncode == 1, other.stdout[-3000:]
    assert "New failures (" in other.stdout
    assert "Result: FAILED" in other.stdout


def test_an_unreadable_baseline_is_a_usage_error(tmp_path: Path) -> None:
    """A baseline that is not a --json report stops the command before any check runs."""
    (tmp_path / "junk.json").write_text('{"no": "checks"}')
    result = run_cli(tmp_path, "--mock", "--baseline", "junk.json")
    assert result.returncode == 2
    assert "not a scim-conformance --json report" in result.stderr
