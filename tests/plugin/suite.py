"""Run the conformance suite in-process against a (possibly broken) mock; report outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class SuiteOutcome:
    """Check names (function name plus parameter id) by outcome."""

    passed: frozenset[str]
    failed: frozenset[str]
    skipped: frozenset[str]
    errors: frozenset[str]
    output: str


def _name(nodeid: str) -> str:
    return nodeid.split("::")[-1]


def run_suite(pytester: pytest.Pytester, *args: str) -> SuiteOutcome:
    """``pytest --pyargs scim_tests.checks --scim-mock *args`` in-process."""
    result = pytester.runpytest_inprocess(
        "--pyargs", "scim_tests.checks", "--scim-mock", "--scim-mock-transport", "wsgi",
        "-p", "no:cacheprovider",
        "-p", "no:randomly", "-p", "no:benchmark", "-q", "--tb=line", *args,
    )  # fmt: skip
    reports = result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
    passed, failed, skipped, errors = set(), set(), set(), set()
    for report in reports:
        name = _name(report.nodeid)
        if report.when == "call":
            if report.passed:
                passed.add(name)
            elif report.failed:
                failed.add(name)
            elif report.skipped:
                skipped.add(name)
        elif report.failed:
            errors.add(name)
        elif report.skipped and report.when == "setup":
            skipped.add(name)
    return SuiteOutcome(
        frozenset(passed), frozenset(failed - errors), frozenset(skipped), frozenset(errors),
        "\n".join(result.outlines),
    )  # fmt: skip


#: Property-based checks: whether a defect outside their own area trips them depends on the
#: examples Hypothesis generates, which differ between Hypothesis versions. An exact row
#: therefore counts them only when it lists them (the rows for their own defects do).
EXAMPLE_DEPENDENT = frozenset(
    {
        "test_random_users_round_trip",
        "test_random_groups_round_trip",
        "test_filter_results_agree_with_reference_evaluator",
    }
)


def failures_of(
    outcome: SuiteOutcome, expected: frozenset[str] | set[str] = frozenset()
) -> frozenset[str]:
    """Checks that failed in call or errored in set-up/teardown.

    Example-dependent (property-based) checks count only when ``expected`` names them.
    """
    failed = outcome.failed | outcome.errors
    return frozenset(n for n in failed if n not in EXAMPLE_DEPENDENT or n in expected)
