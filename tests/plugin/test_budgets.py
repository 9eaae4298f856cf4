"""Bounded time: check budgets, request timeouts, the circuit breaker and Retry-After.

No test here asserts a wall time (machines differ); each asserts the mechanism that bounds it:
what the budget refused, how many requests a check sent, how many reached a silent server, what
the client waited. docs/budgets.md has the measured figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

import tests.plugin.preload  # noqa: F401  (speeds up in-process runs)
from scim_mock.app import create_app
from scim_mock.config import FaultSettings, MockConfig
from scim_tests.client import Ownership, ScimClient, retry_after
from scim_tests.failures import ConformanceFailure
from scim_tests.target import CheckClock, Guard, GuardedAdapter
from scim_tests.wsgi import IN_PROCESS_ORIGIN, WsgiAdapter
from tests.plugin.stubs import silent_listener

TOKEN = "budget-token"
#: Writes what each check spent (the plugin's ``scim_budget`` on its teardown report).
USAGE_SPY = """
import json
from pathlib import Path

USAGE = {}


def pytest_runtest_logreport(report):
    usage = getattr(report, "scim_budget", None)
    if report.when == "teardown" and usage is not None:
        USAGE[report.nodeid.split("::")[-1]] = usage
        Path("usage.json").write_text(json.dumps(USAGE), encoding="utf-8")
"""


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    """The suite in-process with the usage spy; its result and what each check spent."""
    pytester.makepyfile(budget_spy=USAGE_SPY)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "budget_spy", *args
    )
    spent = pytester.path / "usage.json"
    usage = json.loads(spent.read_text(encoding="utf-8")) if spent.exists() else {}
    return result, usage


def _finished(result: pytest.RunResult) -> int:
    outcomes = result.parseoutcomes()
    return sum(outcomes.get(k, 0) for k in ("passed", "failed", "skipped", "errors", "error"))


# -- a slow server -----------------------------------------------------------------------------


def test_slow_server_every_check_ends_with_an_outcome_and_keeps_its_budget(
    pytester: pytest.Pytester,
) -> None:
    """300 ms on every request, a 2 s budget: every check ends, none sends past its budget.

    Each request takes at least 300 ms, so a check whose budget admits requests for 2 s sends
    at most 2 / 0.3 + 1 of them in set-up and body; the property checks stop with a budget
    failure that says how many examples passed.
    """
    result, usage = _run(
        pytester, "--pyargs", "scim_tests.checks.test_delete", "scim_tests.checks.test_roundtrip",
        "--scim-mock", "--scim-mock-transport", "wsgi", "--scim-mock-option", "latency_ms=300",
        "--scim-check-budget", "2",
    )  # fmt: skip
    assert _finished(result) == 5 == len(usage), result.stdout.str()[-3000:]
    assert all(u["budget"] == 2 and u["requests"] <= 7 for u in usage.values()), usage
    for name in ("test_random_users_round_trip", "test_random_groups_round_trip"):
        assert usage[name]["stopped"] == "the check's time budget ran out", usage[name]
    result.stdout.fnmatch_lines(
        [
            "*The check ran out of its time budget*",
            "*not sent: time budget exhausted: * requests spent of a 2 s budget*",
            "*scim: * example(s) of this property check passed before it stopped; "
            "it found no counterexample*",
            "scim budgets: 5 checks sent * requests in * s (2 s per check)*"
            "stopped because the check's time budget ran out*",
        ]
    )
    result.stdout.fnmatch_lines(["*scim: budget=2s/check max-timeouts=3 retry-wait=10s/request*"])
    # A budget failure is not a violation: it cites no requirement.
    assert "C-7-11: The check ran out" not in result.stdout.str()


def test_a_failing_property_check_reports_its_best_counterexample_within_the_budget(
    pytester: pytest.Pytester,
) -> None:
    """A round trip that loses phone numbers fails; shrinking is cut at the budget.

    50 ms a request: finding the failure takes a few seconds, shrinking it fully would take
    over 30 (hundreds of requests), so the 10 s budget stops the shrinking and the failure
    reported is the best counterexample found so far, said to be so.
    """
    result, usage = _run(
        pytester, "--pyargs", "scim_tests.checks.test_roundtrip", "-k", "users_round_trip",
        "--scim-mock", "--scim-mock-transport", "wsgi", "--scim-mock-option", "latency_ms=50",
        "--scim-mock-fault", "roundtrip-drops-phone-numbers", "--scim-check-budget", "10",
    )  # fmt: skip
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*Values sent with * did not survive the round trip*",
            "*Failing test case: test_random_users_round_trip(*",
            "*scim: shrinking stopped when the check's time budget (10 s, --scim-check-budget) "
            "ran out: the counterexample is the best found so far*",
        ]
    )
    assert "more than five minutes" not in result.stdout.str()
    assert usage["test_random_users_round_trip"]["cut"] is True
    result.stdout.fnmatch_lines(["scim budgets: *1 reported the best counterexample found*"])


# -- a server that stopped answering -----------------------------------------------------------


def test_silent_server_costs_max_timeouts_then_every_check_fails_fast(
    pytester: pytest.Pytester,
) -> None:
    """Two timeouts (the report header's and the first check's), then the breaker is open:
    the other checks fail at once, saying the server stopped answering; nothing else is sent."""
    with silent_listener() as (url, accepted):
        result, usage = _run(
            pytester, "--pyargs", "scim_tests.checks.test_delete",
            "scim_tests.checks.test_retrieve", "scim_tests.checks.test_roundtrip",
            "--scim-url", url, "--scim-timeout", "0.5", "--scim-max-timeouts", "2",
        )  # fmt: skip
        connections = len(accepted)
    assert connections == 2  # one request per connection: each timed out and was dropped
    assert _finished(result) == len(usage) > 10
    assert sum(u["requests"] + u["teardown_requests"] for u in usage.values()) == 1
    result.stdout.fnmatch_lines(
        [
            "*The server gave no usable response*",
            "*timed out after 0.5s*",
            "*The server stopped answering*",
            "*not sent: 2 requests in a row got no answer within 0.5 s (--scim-timeout)*",
            "scim budgets: * stopped because the server stopped answering*",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()


# -- Retry-After -------------------------------------------------------------------------------


def _client(
    faults: FaultSettings, *, retry_wait: float = 10.0, really_wait: bool = False
) -> tuple[ScimClient, list[float]]:
    """A client of the in-process mock with ``faults``; the waits it makes, recorded.

    The waits are only recorded, unless ``really_wait``: the mechanism is what is tested.
    """
    app = create_app(MockConfig(token=TOKEN, transport_faults=faults))
    guard = Guard(CheckClock(), timeout=5, retry_wait=retry_wait)
    session = requests.Session()
    session.mount(IN_PROCESS_ORIGIN + "/", GuardedAdapter(WsgiAdapter(app), guard))
    client = ScimClient(session, IN_PROCESS_ORIGIN + "/scim/v2", timeout=5,
                        auth_headers={"Authorization": f"Bearer {TOKEN}"},
                        ownership=Ownership())  # fmt: skip
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if really_wait:
            time.sleep(seconds)

    client.sleep = wait
    return client, waits


USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}


def test_429_with_retry_after_1_is_sent_again_after_waiting_1_s() -> None:
    """Every second request is answered 429 Retry-After: 1: the client waits 1 s and retries."""
    client, waits = _client(FaultSettings(rate_limit_every=2, retry_after=1), really_wait=True)
    assert client.get("/Users").status_code == 200
    created = client.post("/Users", USER)
    assert created.status_code == 201
    assert waits == [1.0]
    assert [e.status for e in client.exchanges] == [200, 429, 201]


def test_a_retry_after_above_the_cap_is_not_waited_for() -> None:
    """Retry-After: 30 with a 10 s cap: no wait at all, a failure that says why."""
    client, waits = _client(FaultSettings(rate_limit_every=1, retry_after=30))
    with pytest.raises(ConformanceFailure) as failure:
        client.get("/Users")
    assert waits == []
    assert failure.value.cause == "the server kept throttling"
    assert not failure.value.requirements
    assert "it asked for 30 s, more than the suite waits for one request" in str(failure.value)
    assert "(--scim-retry-wait 10)" in str(failure.value)


def test_a_server_that_keeps_throttling_gets_a_bounded_total_wait() -> None:
    """Retry-After: 1 on every request, 2.5 s per request: two waits, then a clear failure."""
    client, waits = _client(FaultSettings(rate_limit_every=1, retry_after=1), retry_wait=2.5)
    with pytest.raises(ConformanceFailure, match="kept throttling: 429 after 3 attempt"):
        client.get("/Users")
    assert waits == [1.0, 1.0]
    assert [e.status for e in client.exchanges] == [429, 429, 429]


def test_a_check_waits_at_most_half_its_budget() -> None:
    """With a 4 s budget the waits of all the check's requests stop at 2 s in all."""
    client, waits = _client(FaultSettings(rate_limit_every=2, retry_after=1))
    client.guard.clock.budget = 4
    client.guard.clock.begin("check")
    client.get("/Users")  # the mock's request 1: 200
    client.get("/Users")  # 2: 429, waits 1 s (1 of 2 s), 3: 200
    client.get("/Users")  # 4: 429, waits 1 s (2 of 2 s), 5: 200
    with pytest.raises(ConformanceFailure, match="the check had already waited 2 s"):
        client.get("/Users")
    assert waits == [1.0, 1.0]


def test_503_is_retried_only_when_it_says_when() -> None:
    """A 503 without Retry-After is the answer; the check sees it (no wait)."""
    client, waits = _client(FaultSettings(error_every=1))
    assert client.get("/Users").status_code == 503
    assert waits == []


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """delay-seconds, an HTTP-date (RFC 9110 §10.2.3), one in the past, and garbage."""
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert retry_after("7") == 7.0
    assert retry_after(format_datetime(now + timedelta(seconds=5), usegmt=True), now) == 5.0
    assert retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_the_suite_passes_against_a_throttling_mock(pytester: pytest.Pytester) -> None:
    """Every 4th request answered 429 (Retry-After: 0): the checks retry and pass."""
    result, usage = _run(
        pytester, "--pyargs", "scim_tests.checks.test_delete", "--scim-mock",
        "--scim-mock-transport", "wsgi", "--scim-mock-option", "rate_limit_every=4",
        "--scim-mock-option", "retry_after=0",
    )  # fmt: skip
    result.assert_outcomes(passed=3)
    assert sum(u["requests"] for u in usage.values()) > 8


# -- options and profiles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--scim-check-budget", "-1", "*--scim-check-budget must be a non-negative number*"),
        ("--scim-check-budget", "soon", "*--scim-check-budget must be a non-negative number*"),
        ("--scim-max-timeouts", "2.5", "*--scim-max-timeouts must be a non-negative whole*"),
        ("--scim-retry-wait", "inf", "*--scim-retry-wait must be a non-negative number*"),
    ],
)
def test_bad_bounds_are_usage_errors(
    pytester: pytest.Pytester, option: str, value: str, message: str
) -> None:
    """A malformed bound stops the run before anything is sent."""
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--scim-url", "http://127.0.0.1:1", f"{option}={value}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_scim_thorough_runs_300_examples_through_scim_conformance(tmp_path: Path) -> None:
    """``scim-conformance --mock -- --hypothesis-profile scim-thorough`` as documented."""
    result = subprocess.run(
        [sys.executable, "-m", "scim_tests.cli", "--mock", "-k", "test_random_groups_round_trip",
         "--", "--scim-mock-transport", "wsgi", "--hypothesis-profile", "scim-thorough",
         "--hypothesis-show-statistics"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "settings.max_examples=300" in result.stdout
    assert "300 passing" in result.stdout
