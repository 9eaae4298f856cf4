"""pytest plugin: the defect matrix, every (defect, check) pair of matrix.json in one session.

Load it into a run of the conformance suite against the in-process mock::

    pytest --pyargs scim_tests.checks --scim-mock --scim-mock-transport wsgi \
        -p tests.defects.matrix_plugin [--matrix-shard K/N] [--matrix-report FILE]

Each check named in the table is parametrised with the defects it must fail under (through the
suite's ``scim_mock_faults`` fixture, session-scoped, so each defect gets one mock and the checks
are grouped by defect); every other item is deselected. The outcome of an item is inverted: it
passes when the check fails the way a conformance failure should (a ``ConformanceFailure`` in
set-up, call or teardown, also inside a Hypothesis multiple-failure group; for the rows that need
``-W error::scim_tests.DeprovisioningWarning``, that warning), and it fails when the check passes,
skips, or crashes with anything else. ``--matrix-report`` writes every pair's verdict as JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol

from scim_tests.failures import ConformanceFailure, DeprovisioningWarning

if sys.version_info < (3, 11):  # pragma: no cover - Hypothesis depends on the backport there
    from exceptiongroup import BaseExceptionGroup

MATRIX = Path(__file__).with_name("matrix.json")
PARAM = "scim_mock_faults"


@dataclass
class Table:
    """The pairs to prove, and what was collected of them."""

    fails: dict[str, set[str]]  # defect -> check ids
    escalated: dict[str, set[str]]  # defect -> check ids that need warnings as errors
    by_function: dict[str, set[str]] = field(default_factory=dict)  # function name -> defects
    collected: set[tuple[str, str]] = field(default_factory=set)
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)

    def pairs(self) -> set[tuple[str, str]]:
        """Every (defect, check id) to prove."""
        found = {(d, c) for d, checks in self.fails.items() for c in checks}
        return found | {(d, c) for d, checks in self.escalated.items() for c in checks}


TABLE_KEY = pytest.StashKey[Table]()


def load(path: Path = MATRIX) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(defect -> checks that must fail, defect -> checks that must fail under -W error)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["defects"]
    fails = {name: set(row.get("fails", [])) for name, row in rows.items()}
    escalated = {
        name: set(row["fails_when_warnings_are_errors"])
        for name, row in rows.items()
        if row.get("fails_when_warnings_are_errors")
    }
    return fails, escalated


def function_of(check_id: str) -> str:
    """``test_x[case]`` -> ``test_x``."""
    return check_id.split("[", 1)[0]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("matrix", "defect matrix")
    group.addoption("--matrix-shard", default="0/1", help="K/N: prove the K-th of N defect shards")
    group.addoption("--matrix-report", default=None, help="write every pair's verdict as JSON")
    group.addoption("--matrix-table", default=str(MATRIX), help="the table (matrix.json)")


def pytest_configure(config: pytest.Config) -> None:
    k, _, n = str(config.getoption("matrix_shard")).partition("/")
    shard, shards = int(k), int(n or 1)
    fails, escalated = load(Path(config.getoption("matrix_table")))
    names = sorted(set(fails) | set(escalated))
    mine = {name for i, name in enumerate(names) if i % shards == shard}
    table = Table(
        {d: c for d, c in fails.items() if d in mine},
        {d: c for d, c in escalated.items() if d in mine},
    )
    for defect, check in table.pairs():
        table.by_function.setdefault(function_of(check), set()).add(defect)
    config.stash[TABLE_KEY] = table


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    table = metafunc.config.stash[TABLE_KEY]
    defects = sorted(table.by_function.get(metafunc.function.__name__, ()))
    if defects and PARAM in metafunc.fixturenames:
        metafunc.parametrize(
            PARAM, [(d,) for d in defects], ids=[f"defect={d}" for d in defects], scope="session"
        )


def pair_of(item: pytest.Item) -> tuple[str, str] | None:
    """(defect, check id as the table names it) of a parametrised item, else None."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or PARAM not in callspec.params:
        return None
    defect = callspec.params[PARAM][0]
    tag = f"defect={defect}"
    base, _, rest = item.name.partition("[")
    ids = rest[:-1]
    if ids == tag:
        return defect, base
    if ids.startswith(tag + "-"):
        ids = ids[len(tag) + 1 :]
    elif ids.endswith("-" + tag):
        ids = ids[: -len(tag) - 1]
    return defect, f"{base}[{ids}]"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    table = config.stash[TABLE_KEY]
    wanted = table.pairs()
    keep, drop = [], []
    for item in items:
        pair = pair_of(item)
        if pair is not None and pair in wanted:
            keep.append(item)
            table.collected.add(pair)
            if pair[1] in table.escalated.get(pair[0], ()):
                item.add_marker(pytest.mark.filterwarnings(f"error::{_warning_name()}"))
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def _warning_name() -> str:
    return f"{DeprovisioningWarning.__module__.split('.')[0]}.{DeprovisioningWarning.__name__}"


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


def _detects(report: TestReport, escalated: bool) -> bool:
    """Whether a failed phase failed the way a conformance check should."""
    excinfo = getattr(report, "matrix_excinfo", None)
    if excinfo is None:
        return False
    kinds: tuple[type[BaseException], ...] = (ConformanceFailure,)
    if escalated:
        kinds += (DeprovisioningWarning,)
    return any(isinstance(leaf, kinds) for leaf in _leaves(excinfo.value))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: TestReport = outcome.get_result()  # type: ignore[attr-defined]
    report.matrix_excinfo = call.excinfo  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool:
    pair = pair_of(item)
    if pair is None:
        return False
    table = item.config.stash[TABLE_KEY]
    defect, check = pair
    escalated = check in table.escalated.get(defect, ())
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    failed = [r for r in reports if r.failed]
    detected = any(_detects(r, escalated) for r in failed)
    if detected:
        verdict = "detected"
        for report in reports:
            report.outcome = "passed"
            report.longrepr = None
    else:
        verdict = _escape(reports, failed, defect, check)
    table.verdicts.setdefault(defect, {})[check] = verdict
    for report in reports:
        if hasattr(report, "matrix_excinfo"):
            del report.matrix_excinfo
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _escape(reports: list[TestReport], failed: list[TestReport], defect: str, check: str) -> str:
    """Turn the item into a failure that says how the check escaped its defect."""
    if failed:
        error = failed[0].matrix_excinfo  # type: ignore[attr-defined]
        kind = type(error.value).__name__ if error is not None else "an error"
        verdict = f"crashed with {kind} instead of reporting a ConformanceFailure"
    elif any(r.skipped for r in reports):
        verdict = "skipped"
    else:
        verdict = "passed"
    message = f"{check} {verdict} under defect {defect!r}: the check does not detect it"
    last = reports[-1]
    last.outcome = "failed"
    last.longrepr = message if not failed else f"{message}\n\n{failed[0].longrepr}"
    return verdict


def pytest_sessionfinish(session: pytest.Session) -> None:
    table = session.config.stash[TABLE_KEY]
    missing = sorted(table.pairs() - table.collected)
    path = session.config.getoption("matrix_report")
    if path:
        result: dict[str, Any] = {"verdicts": table.verdicts, "missing": missing}
        Path(path).write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    if missing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    table = config.stash[TABLE_KEY]
    missing = sorted(table.pairs() - table.collected)
    if missing:
        terminalreporter.section("defect matrix: pairs whose check was not collected")
        for defect, check in missing:
            terminalreporter.line(f"{defect}: {check}")
