"""The rendered failure is product output: pin its key lines (STYLE §6).

A fault in the mock makes ``test_delete_returns_204_and_resource_is_gone`` fail on the error
body of its follow-up GET; the failure must name the requirement, what was expected and
received, the exchange, and a curl line that reproduces it without leaking the token.
"""

from __future__ import annotations

import pytest

import tests.plugin.preload  # noqa: F401  (speeds up in-process runs)

TOKEN_SPY = """
from pathlib import Path

def pytest_sessionfinish(session):
    from scim_tests.target import TARGET_KEY

    target = session.config.stash.get(TARGET_KEY, None)
    if target is not None:
        Path("mock-token.txt").write_text(target.settings.token, encoding="utf-8")
"""


@pytest.fixture
def failing_run(pytester: pytest.Pytester) -> tuple[pytest.RunResult, str]:
    """The delete check against a mock whose errors carry ``status`` as a JSON number."""
    pytester.makepyfile(scim_token_spy=TOKEN_SPY)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess(
        "--pyargs", "scim_tests.checks.test_delete", "--scim-mock",
        "--scim-mock-fault", "error-status-integer", "-k", "test_delete_returns_204",
        "-p", "no:cacheprovider", "-p", "scim_token_spy",
    )  # fmt: skip
    token = (pytester.path / "mock-token.txt").read_text(encoding="utf-8")
    return result, token


def test_failure_names_requirement_expected_received_exchange_and_curl(
    failing_run: tuple[pytest.RunResult, str],
) -> None:
    """Requirement headline, Expected/Received, the exchange and a reproducing curl line."""
    result, _ = failing_run
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "*RFC 7644 §3.12 (REQUIRED) P-3.12-03: The error body's status is not a string*",
            '*Expected: "status": "404" (a JSON string)*',
            '*Received: "status": 404*',
            "*GET /scim/v2/Users/* -> 404*",
            '*"status": 404,*',
            "*Reproduce with:*",
            "*curl -X GET http://*/scim/v2/Users/* -H *Authorization: Bearer $SCIM_TOKEN*",
            "*- SCIM exchanges (call) -*",
            "POST /scim/v2/Users -> 201 CREATED",
            "DELETE /scim/v2/Users/* -> 204 NO CONTENT",
            "GET /scim/v2/Users/* -> 404 NOT FOUND",
        ]
    )


def test_failure_output_never_contains_the_token(
    failing_run: tuple[pytest.RunResult, str],
) -> None:
    """The bearer token is redacted everywhere: curl line, exchange log, headers."""
    result, token = failing_run
    assert len(token) >= 16
    output = result.stdout.str() + result.stderr.str()
    assert token not in output
    assert "$SCIM_TOKEN" in output


def test_short_tracebacks_keep_the_rendered_failure(pytester: pytest.Pytester) -> None:
    """With --tb=short the failure text still ends at the check's line, whole."""
    result = pytester.runpytest_inprocess(
        "--pyargs", "scim_tests.checks.test_delete", "--scim-mock",
        "--scim-mock-fault", "error-status-integer", "-k", "test_delete_returns_204",
        "-p", "no:cacheprovider", "--tb=short",
    )  # fmt: skip
    result.stdout.fnmatch_lines(
        [
            "*test_delete.py:*: in test_delete_returns_204_and_resource_is_gone",
            "*assert_scim_error(scim_client.get(*",
            "E   *P-3.12-03: The error body's status is not a string",
            "E   Reproduce with:",
        ]
    )
    assert "asserts.py" not in result.stdout.str()
