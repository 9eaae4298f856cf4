"""The ``pytest11`` entry point of scim_tests.

Inert until asked: it registers the ``--scim-*`` options and ``scim_*`` markers, imports nothing
heavy, and only tests that request the SCIM fixtures are affected. With a target it starts the
mock if asked, prints a report header that is enough to reproduce the run, validates markers
at collection, copies requirement ids into JUnit properties, skips checks for features the
provider does not advertise, and attaches the exchange log to every failure.

Every check runs under a time budget (:class:`~scim_tests.target.CheckClock`; how a property
check keeps to it is in :mod:`scim_tests.fixtures`), and the run ends with a line of what the
checks spent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest

from scim_tests import markers
from scim_tests.failures import root_cause
from scim_tests.target import (
    CLOCK_KEY,
    STOPPED,
    TARGET_KEY,
    CheckClock,
    ScimSettings,
    resolve_settings,
    resolve_target,
)

pytest_plugins = ["scim_tests.fixtures", "scim_tests.access", "scim_tests.mock_fixtures"]

SPC_KEY = pytest.StashKey[Any]()
#: What Hypothesis says when its own five-minute shrink limit stops it; under a budget the
#: budget stopped it, and the plugin says so instead.
_HYPOTHESIS_SLOW = re.compile(r"WARNING: Hypothesis has spent more than five minutes.*?everyone\.",
                              re.DOTALL)  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--scim-*`` options (CLI > ini > environment)."""
    group = parser.getgroup("scim", "SCIM conformance (scim_tests)")
    group.addoption(
        "--scim-url",
        dest="scim_url",
        metavar="URL",
        help="Base URL of the SCIM service provider under test (ini scim_url, env SCIM_URL).",
    )
    group.addoption(
        "--scim-token",
        dest="scim_token",
        metavar="TOKEN",
        help="Bearer token for the provider (env SCIM_TOKEN; never put it in an ini file).",
    )
    group.addoption(
        "--scim-auth-header",
        dest="scim_auth_header",
        metavar="'NAME: VALUE'",
        help="A custom authentication header instead of a bearer token (env SCIM_AUTH_HEADER).",
    )
    group.addoption(
        "--scim-mock",
        dest="scim_mock",
        action="store_true",
        default=False,
        help="Start the bundled scim_mock on 127.0.0.1 (port 0) and test it.",
    )
    group.addoption(
        "--scim-timeout",
        dest="scim_timeout",
        metavar="SECONDS",
        help="Per-request timeout in seconds (ini scim_timeout, env SCIM_TIMEOUT; default 10).",
    )
    group.addoption(
        "--scim-run-id",
        dest="scim_run_id",
        metavar="ID",
        help="Prefix tag for resources this run creates (default: random; env SCIM_RUN_ID).",
    )
    group.addoption(
        "--scim-mock-fault",
        dest="scim_mock_fault",
        action="append",
        metavar="NAME",
        help="With --scim-mock: enable a deliberate defect by name (the scim_defects catalog), "
        "to prove checks fail.",
    )
    group.addoption(
        "--scim-mock-transport",
        dest="scim_mock_transport",
        choices=("socket", "wsgi"),
        default="socket",
        help="With --scim-mock: serve it on 127.0.0.1 (socket, the default) or call the app "
        "in-process (wsgi: faster, no socket; curl lines are then not runnable).",
    )
    group.addoption(
        "--scim-mock-option",
        dest="scim_mock_option",
        action="append",
        metavar="KEY=VALUE",
        help="With --scim-mock: set a MockConfig field, e.g. patch_response=no-content.",
    )
    group.addoption(
        "--scim-mock-compat",
        dest="scim_mock_compat",
        action="append",
        metavar="DIALECTS",
        help="With --scim-mock: accept what these clients send beyond the RFC (okta, entra; "
        "comma-separated or repeated). Strict is the default.",
    )
    group.addoption(
        "--scim-mock-persona",
        dest="scim_mock_persona",
        action="append",
        metavar="NAME",
        help="With --scim-mock: behave as real providers do (patch-204, page-cap:10, "
        "soft-delete...; comma-separated or repeated; see scim_mock.personas).",
    )
    group.addoption(
        "--scim-profile",
        dest="scim_profile",
        action="append",
        metavar="NAMES",
        help="Also run the client-profile checks of okta, entra and/or interop, which replay "
        "what that client sends (comma-separated or repeated; ini scim_profile, env "
        "SCIM_PROFILE).",
    )
    group.addoption(
        "--scim-public-endpoint",
        dest="scim_public_endpoint",
        action="append",
        metavar="PATH",
        help="An endpoint the provider deliberately serves without credentials, e.g. /Me or "
        "/Users/{id} (repeatable): the security_auth checks skip it.",
    )
    group.addoption(
        "--scim-check-budget",
        dest="scim_check_budget",
        metavar="SECONDS",
        help="Time budget of one check, set-up included (default 60; 0: none): past it the "
        "check sends nothing more and fails (ini scim_check_budget, env SCIM_CHECK_BUDGET).",
    )
    group.addoption(
        "--scim-max-timeouts",
        dest="scim_max_timeouts",
        metavar="N",
        help="Consecutive timeouts after which the server counts as down and the rest of the "
        "run fails fast (default 3; 0: never; ini scim_max_timeouts, env SCIM_MAX_TIMEOUTS).",
    )
    group.addoption(
        "--scim-retry-wait",
        dest="scim_retry_wait",
        metavar="SECONDS",
        help="The longest the suite waits on 429/503 Retry-After for one request (default 10; "
        "ini scim_retry_wait, env SCIM_RETRY_WAIT).",
    )
    parser.addini("scim_url", "Base URL of the SCIM service provider under test.")
    parser.addini("scim_timeout", "Per-request timeout in seconds.")
    parser.addini("scim_profile", "Client profiles whose checks run (okta, entra, interop).")
    parser.addini("scim_check_budget", "Time budget of one check in seconds (0: none).")
    parser.addini("scim_max_timeouts", "Consecutive timeouts before the server counts as down.")
    parser.addini("scim_retry_wait", "Longest wait on Retry-After for one request, in seconds.")


# tryfirst: Hypothesis' own pytest_configure loads --hypothesis-profile, so our profiles must be
# registered before it runs, or "--hypothesis-profile scim-thorough" is an unknown profile.
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register markers; resolve the target (start the mock) when one is configured."""
    config.addinivalue_line("markers", markers.REQUIREMENT_HELP)
    config.addinivalue_line("markers", markers.FEATURE_HELP)
    config.addinivalue_line("markers", markers.PROFILE_HELP)
    settings = resolve_settings(config)
    clock = CheckClock(settings.check_budget) if settings.url or settings.mock else None
    config.stash[CLOCK_KEY] = clock
    config.stash[TARGET_KEY] = resolve_target(settings, clock) if _is_runner(config) else None
    if clock is not None:
        config.pluginmanager.register(BudgetLedger(settings.check_budget), "scim-budget-ledger")
    profile = str(config.getoption("hypothesis_profile", default=None) or "")
    if settings.url or settings.mock or profile.startswith("scim-"):
        _hypothesis_profiles(config)


def _is_runner(config: pytest.Config) -> bool:
    # Under xdist the controller runs no tests; workers start their own mock. xdist registers
    # its "dsession" plugin in its own pytest_configure, which may run after ours, so decide
    # from the options xdist's pytest_cmdline_main has already set (as _is_distribution_mode).
    if hasattr(config, "workerinput") or config.getoption("collectonly", default=False):
        return True
    dist = config.getoption("dist", default="no")
    return dist in (None, "no") or not config.getoption("tx", default=None)


def _hypothesis_profiles(config: pytest.Config) -> None:
    """Profiles for the property-based checks; ``scim-ci`` unless --hypothesis-profile says.

    Network latency makes Hypothesis' deadline meaningless, and a run must be reproducible
    from its header, so examples are derandomized (seeded) and bounded. Time is bounded by the
    check's budget, shrinking included (:func:`scim_tests.fixtures.bounded_examples`).
    """
    from hypothesis import HealthCheck, settings

    base = settings(
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    settings.register_profile("scim-ci", base, max_examples=25)
    settings.register_profile("scim-quick", base, max_examples=8)
    settings.register_profile("scim-thorough", base, max_examples=300)
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile("scim-ci")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the mock we started."""
    target = config.stash.get(TARGET_KEY, None)
    if target is not None and target.server is not None:
        target.server.stop()


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """One line with everything needed to reproduce the run."""
    target = config.stash.get(TARGET_KEY, None)
    if target is None:
        settings = resolve_settings(config)
        if not (settings.url or settings.mock):
            return None
        return [f"scim: target={'mock (per xdist worker)' if settings.mock else settings.url}"]
    from scim_tests import __version__
    from scim_tests.discovery import describe_features, fetch_service_provider_config

    spc = fetch_service_provider_config(target)
    config.stash[SPC_KEY] = spc
    kind = " (bundled mock)" if target.is_mock else ""
    extras = "".join(
        f" {label}={','.join(values)}"
        for label, values in (
            ("faults", target.settings.mock_faults),
            ("compat", target.settings.mock_compat if target.is_mock else ()),
            ("personas", target.settings.mock_personas if target.is_mock else ()),
            ("profiles", target.settings.profiles),
        )
        if values
    )
    return [
        f"scim: target={target.url}{kind} run-id={target.settings.run_id} "
        f"timeout={target.settings.timeout:g}s scim_tests={__version__}{extras}",
        f"scim: {describe_features(spc)}",
        f"scim: {describe_bounds(target.settings)}",
    ]


def describe_bounds(settings: ScimSettings) -> str:
    """``budget=60s/check max-timeouts=3 retry-wait=10s/request`` (0: unbounded)."""
    budget = f"{settings.check_budget:g}s/check" if settings.check_budget else "none"
    return (f"budget={budget} max-timeouts={settings.max_timeouts} "
            f"retry-wait={settings.retry_wait:g}s/request")  # fmt: skip


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Validate scim_* markers, copy requirement ids into JUnit properties, and deselect the
    client-profile checks of profiles the run did not ask for."""
    problems = []
    for item in items:
        for mark in item.iter_markers("scim_profile"):
            error = markers.validate_profile(mark)
            if error:
                problems.append(f"{item.nodeid}: {error}")
        for mark in item.iter_markers("scim_requirement"):
            error = markers.validate_requirement(mark)
            if error:
                problems.append(f"{item.nodeid}: {error}")
                continue
            item.user_properties.append(
                ("scim_requirement", f"{mark.kwargs['id']} {mark.kwargs['level']}")
            )
        for mark in item.iter_markers("scim_feature"):
            error = markers.validate_feature(mark)
            if error:
                problems.append(f"{item.nodeid}: {error}")
    if problems:
        raise pytest.UsageError("invalid scim markers:\n  " + "\n  ".join(problems))
    wanted = set(resolve_settings(config).profiles)
    unwanted = [item for item in items if markers.profiles_of(item) - wanted]
    if unwanted:
        config.hook.pytest_deselected(items=unwanted)
        items[:] = [item for item in items if not markers.profiles_of(item) - wanted]


# -- time budgets ----------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    """Start the check's clock before any fixture it needs is set up (set-up counts)."""
    clock = item.config.stash.get(CLOCK_KEY, None)
    if clock is not None:
        clock.begin(item.nodeid)
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """The check's body runs on the same budget."""
    clock = item.config.stash.get(CLOCK_KEY, None)
    if clock is not None:
        clock.enter("call")
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    """Teardown is not bounded by the budget: what the check created is always deleted."""
    clock = item.config.stash.get(CLOCK_KEY, None)
    if clock is not None:
        clock.enter("teardown")
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    """A property check that had to stop passes Hypothesis as a BaseException: report it."""
    from scim_tests.fixtures import CheckStopped

    __tracebackhide__ = True
    try:
        return (yield)
    except CheckStopped as stop:
        raise stop.failure() from None


class BudgetLedger:
    """What the checks spent, from their teardown reports (those of xdist workers too)."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.usage: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the usage the plugin attached to a check's teardown report."""
        usage = getattr(report, "scim_budget", None)
        if report.when == "teardown" and isinstance(usage, dict):
            self.usage[report.nodeid] = usage

    def summary(self) -> str:
        """``scim budgets: 354 checks sent 1571 requests in 12.3 s (60 s per check); ...``."""
        if not self.usage:
            return ""
        spent = self.usage.values()
        budget = f"{self.budget:g} s per check" if self.budget else "no check budget"
        slowest, top = max(self.usage.items(), key=lambda item: float(item[1]["seconds"]))
        parts = [
            f"{len(spent)} checks sent {sum(u['requests'] for u in spent)} requests in "
            f"{sum(u['seconds'] for u in spent):.1f} s ({budget}), cleanup "
            f"{sum(u.get('teardown_requests', 0) for u in spent)} more",
            f"slowest {slowest.split('::')[-1]}: {top['seconds']:.1f} s, "
            f"{top['requests']} requests",
        ]
        stopped = Counter(str(u["stopped"]) for u in spent if u.get("stopped"))
        parts += [f"{count} stopped because {cause}" for cause, count in sorted(stopped.items())]
        if cut := sum(1 for u in spent if u.get("cut")):
            parts.append(f"{cut} reported the best counterexample found within the budget")
        return "scim budgets: " + "; ".join(parts)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line at the end of the run."""
        if line := self.summary():
            terminalreporter.write_line(line)


def _best_so_far(item: pytest.Item, error: BaseException, clock: CheckClock) -> None:
    """Say that the reported counterexample is the best found before the budget ran out."""
    from scim_tests.fixtures import add_note

    note = (
        f"scim: shrinking stopped when the check's time budget ({clock.budget:g} s, "
        "--scim-check-budget) ran out: the counterexample is the best found so far, not "
        "necessarily the smallest"
    )
    add_note(error, note)
    info = getattr(item, "hypothesis_report_information", None)
    if isinstance(info, str):
        item.hypothesis_report_information = _HYPOTHESIS_SLOW.sub(note, info)  # type: ignore[attr-defined]


# -- reports ----------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Name the check's requirements in its failure and attach the exchange log.

    A failure that says the check could not go on (budget spent, server down, throttling,
    timeouts) cites no requirement: the server broke none that the suite could tell.
    """
    from scim_tests.failures import ConformanceFailure

    if call.excinfo is not None and isinstance(call.excinfo.value, ConformanceFailure):
        failure = call.excinfo.value
        if not failure.requirements and failure.cause not in STOPPED and not failure.uncited:
            failure.requirements = tuple(
                m.kwargs["id"] for m in item.iter_markers("scim_requirement") if "id" in m.kwargs
            )
    clock = item.config.stash.get(CLOCK_KEY, None)
    if clock is not None and clock.cut and call.when == "call" and call.excinfo is not None:
        _best_so_far(item, call.excinfo.value, clock)
    outcome = yield
    report = outcome.get_result()
    if clock is not None and call.when == "teardown" and clock.nodeid == item.nodeid:
        report.scim_budget = clock.end()  # a report attribute survives xdist
    if report.failed and call.excinfo is not None:
        # On the item, so that later phases' reports carry them too: JUnit XML writes the
        # properties of the teardown report.
        for prop in _violated(call.excinfo.value):
            if prop not in item.user_properties:
                item.user_properties.append(prop)
        report.user_properties = list(item.user_properties)
    if report.failed:
        clients = getattr(item, "funcargs", {}).get("scim_client")
        transcript = clients.transcript() if clients is not None else ""
        if transcript:
            report.sections.append((f"SCIM exchanges ({report.when})", transcript))


def _violated(error: BaseException) -> list[tuple[str, str]]:
    """``("scim_violated", "<id> <level>")`` and ``("scim_root_cause", ...)`` of a failure.

    Also inside an exception group (Hypothesis reports several distinct failures as one). The
    report carries them as properties, so they survive xdist and reach JUnit XML.
    """
    from scim_tests.failures import ConformanceFailure

    found: list[tuple[str, str]] = []
    stack = [error]
    while stack:
        current = stack.pop(0)
        if isinstance(current, ConformanceFailure):
            level = current.level
            found += [("scim_violated", f"{r} {level}") for r in current.requirements[:1]]
            found.append(("scim_root_cause", root_cause(current)))
            if current.blocked:
                found.append(("scim_blocked", "a step this check depends on failed"))
            if current.uncited:
                found.append(("scim_uncited", "no catalog row violated (a client-profile finding)"))
        stack += list(getattr(current, "exceptions", ()))
    return list(dict.fromkeys(found))
