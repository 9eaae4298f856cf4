"""The results of a conformance run: collected by a pytest plugin object, rendered as text and JSON.

:class:`RunRecorder` is handed to ``pytest.main(plugins=[...])`` by ``scim-conformance``. It
reads only what pytest reports carry (outcome, duration, the ``scim_requirement`` user
properties, report sections), so it works the same under pytest-xdist, where checks run in
worker processes. Requirement levels come from the catalog: a check's grade is the strongest
level it cites (MUST over SHOULD over MAY).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import warnings
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from scim_tests.baseline import Baseline, BaselineDiff
from scim_tests.catalog import PROVEN_TITLE, Coverage, catalog, coverage, proven_json, proven_pair
from scim_tests.failures import DeprovisioningWarning
from scim_tests.report_model import GRADES, CheckResult, Cited, Tally
from scim_tests.target import TARGET_KEY

COVERAGE_TITLE = "Catalog coverage (testable MUST-class rows cited by checks)"
PARTIAL_TITLE = "  including partially testable rows (testable=yes or partial)"


def cited(ids: Iterable[str]) -> tuple[Cited, ...]:
    """Catalog rows for requirement ids (unknown ids keep level and section ``?``)."""
    rows = catalog()
    result = []
    for requirement_id in ids:
        row = rows.get(requirement_id)
        if row is None:
            result.append(Cited(requirement_id, "?", "?", "uncited"))
        else:
            result.append(Cited(row.id, row.level, row.section, row.grade))
    return tuple(result)


def _requirement_ids(report: pytest.TestReport, prop: str = "scim_requirement") -> list[str]:
    ids = []
    for name, value in report.user_properties:
        if name == prop and isinstance(value, str):
            ids.append(value.split(" ", 1)[0])
    return list(dict.fromkeys(ids))


def failure_text(report: pytest.TestReport) -> str:
    """The failure as rendered by the check (a ConformanceFailure's text), without the type."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if not isinstance(message, str):
        return str(report.longrepr)
    head, sep, rest = message.partition(": ")
    if sep and head.rsplit(".", 1)[-1] == "ConformanceFailure":
        return rest
    return message


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(eq=False)  # hashable by identity: pluggy keeps plugin objects in sets
class RunRecorder:
    """A pytest plugin object that records every check's verdict and the report header."""

    target: str = ""
    run_id: str = ""
    header: list[str] = field(default_factory=list)
    started: str = ""
    finished: str = ""
    exit_status: int | None = None
    results: dict[str, CheckResult] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    suite_ids: set[str] | None = None
    findings: list[str] = field(default_factory=list)
    #: ``should``: every failure fails the run; ``must``: only violations of MUST-class rows.
    fail_on: str = "should"
    #: ``--baseline``: only failures the baseline run did not have fail this run.
    baseline: Baseline | None = None

    def pytest_warning_recorded(
        self, warning_message: warnings.WarningMessage, when: str, nodeid: str, location: Any
    ) -> None:
        """Keep DeprovisioningWarnings: gaps the RFC allows but identity teams care about."""
        if issubclass(warning_message.category, DeprovisioningWarning):
            self.findings.append(f"{nodeid.split('::')[-1]}: {warning_message.message}")

    @pytest.hookimpl(wrapper=True)
    def pytest_report_header(self, config: pytest.Config) -> Generator[None, Any, Any]:
        """Keep the scim lines the plugin contributes to the header."""
        lines = yield
        for item in lines:
            for line in [item] if isinstance(item, str) else item:
                if line.startswith("scim:") and line not in self.header:
                    self.header.append(line)
        return lines

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Note the start time."""
        self.started = _now()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module that cannot be collected is a broken run, not a passing one."""
        if report.failed:
            self.collection_errors.append(report.nodeid or "(session)")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold the set-up, call and teardown reports of a check into one verdict."""
        result = self.results.setdefault(
            report.nodeid, CheckResult(report.nodeid, path=str(report.location[0]))
        )
        result.duration += report.duration
        if not result.requirements:
            result.requirements = cited(_requirement_ids(report))
        if report.failed:
            result.outcome = "failed" if report.when == "call" else "error"
            if not result.violated:
                result.violated = cited(_requirement_ids(report, "scim_violated"))
            if not result.root_cause:
                causes = [v for n, v in report.user_properties if n == "scim_root_cause"]
                result.root_cause = str(causes[0]) if causes else ""
                result.blocked = any(n == "scim_blocked" for n, _ in report.user_properties)
                result.uncited = any(n == "scim_uncited" for n, _ in report.user_properties)
            text = failure_text(report)
            result.failure = f"{result.failure}\n\n{text}".strip() if result.failure else text
            result.exchanges += "\n\n".join(
                content for title, content in report.sections if title.startswith("SCIM exchanges")
            )
        elif report.skipped and not result.failed:
            result.outcome = "skipped"
            crash = report.longrepr
            if isinstance(crash, tuple) and len(crash) == 3:
                result.reason = str(crash[2]).removeprefix("Skipped: ")
            if hasattr(report, "wasxfail"):
                result.reason = f"xfail: {report.wasxfail}"

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Note the end time and the target; ask the plugin for the header if none was shown."""
        from scim_tests import plugin

        self.finished = _now()
        self.exit_status = int(exitstatus)
        target = session.config.stash.get(TARGET_KEY, None)
        if target is not None:
            self.target = target.url + (" (bundled mock)" if target.is_mock else "")
            self.run_id = self.run_id or target.settings.run_id
        if not self.header:
            self.header = list(plugin.pytest_report_header(session.config) or [])

    # -- summaries -----------------------------------------------------------------------

    @property
    def checks(self) -> list[CheckResult]:
        """Every check that ran, in run order."""
        return list(self.results.values())

    @property
    def failed(self) -> list[CheckResult]:
        """The checks that failed."""
        return [r for r in self.checks if r.failed]

    @property
    def incomplete(self) -> bool:
        """Whether the run did not complete: pytest crashed, was stopped, or ran no check."""
        if self.collection_errors or not self.checks:
            return True
        if self.exit_status == 1:
            return not self.failed  # pytest saw a failure the recorder did not
        return self.exit_status != 0

    @property
    def blocking(self) -> list[CheckResult]:
        """The failures that fail the run under ``fail_on`` (all, or MUST violations only).

        With a baseline, only the new ones among them: known failures are listed, not gating.
        """
        failures = self.failed
        if self.baseline is not None:
            new = set(self.baseline_diff().new)
            failures = [r for r in failures if r.nodeid in new]
        if self.fail_on == "must":
            # A profile the run asked for gates it too: that client cannot provision the server.
            return [r for r in failures if r.violation in ("MUST", "PROFILE")]
        return failures

    def baseline_diff(self) -> BaselineDiff:
        """This run against the baseline (an empty diff without one)."""
        if self.baseline is None:
            return BaselineDiff()
        return self.baseline.compare({r.nodeid: r.outcome for r in self.checks})

    def root_causes(self) -> list[tuple[str, list[CheckResult]]]:
        """Failed checks grouped by root cause, biggest group first.

        A failure without a recorded cause (a crash outside a ConformanceFailure) is its own.
        """
        groups: dict[str, list[CheckResult]] = {}
        for result in self.failed:
            headline = result.failure.splitlines()[0] if result.failure else result.outcome
            groups.setdefault(result.root_cause or headline, []).append(result)
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))

    def violations(self) -> dict[str, int]:
        """Failed checks by the level of the requirement they violated."""
        counts = {"MUST": 0, "SHOULD": 0, "PROFILE": 0}
        for result in self.failed:
            counts[result.violation if result.violation in counts else "MUST"] += 1
        return counts

    def tally(self, by: str) -> dict[str, Tally]:
        """Counts per ``area`` or per ``grade``."""
        tallies: dict[str, Tally] = {g: Tally() for g in GRADES} if by == "grade" else {}
        for result in self.checks:
            tallies.setdefault(getattr(result, by), Tally()).add(result)
        if by == "grade" and not any(r.grade == "uncited" for r in self.checks):
            del tallies["uncited"]
        return tallies

    def total(self) -> Tally:
        """Counts over every check."""
        tally = Tally()
        for result in self.checks:
            tally.add(result)
        return tally

    def coverage(self) -> tuple[Coverage, Coverage] | None:
        """Catalog coverage of the whole suite's citations (None when it could not be collected)."""
        if self.suite_ids is None:
            return None
        return coverage(self.suite_ids), coverage(self.suite_ids, ("yes", "partial"))

    def proven(self) -> tuple[Coverage, Coverage] | None:
        """Proven coverage, as :meth:`coverage` (None without the suite or the proofs file)."""
        return None if self.suite_ids is None else proven_pair(self.suite_ids)

    # -- renderings ----------------------------------------------------------------------

    def summary_text(self) -> str:
        """The console summary printed after pytest's own output."""
        lines = ["", f"SCIM conformance summary: target {self.target or '?'}, run id {self.run_id}"]
        for title, tallies in (("area", self.tally("area")), ("level", self.tally("grade"))):
            lines.append(f"  {'by ' + title:<22}{'passed':>8}{'failed':>8}{'skipped':>9}")
            for name, tally in tallies.items():
                lines.append(f"  {name:<22}{tally.passed:>8}{tally.failed:>8}{tally.skipped:>9}")
        total = self.total()
        lines.append(f"  {'total':<22}{total.passed:>8}{total.failed:>8}{total.skipped:>9}")
        figures = self.coverage()
        if figures is None:
            lines.append(f"{COVERAGE_TITLE}: unavailable (the suite could not be collected)")
        else:
            lines += [f"{COVERAGE_TITLE}: {figures[0]}", f"{PARTIAL_TITLE}: {figures[1]}"]
            proven = self.proven()
            lines.append(f"{PROVEN_TITLE}: {proven[0] if proven else 'unavailable (no proofs)'}")
            lines += [f"{PARTIAL_TITLE}: {proven[1]}"] if proven else []
        if self.failed:
            lines.append(f"Failed checks ({len(self.failed)}):")
            for result in self.failed:
                ids = ", ".join(f"{r.id} {r.level}" for r in result.requirements) or "uncited"
                headline = result.failure.splitlines()[0] if result.failure else result.outcome
                lines += [f"  {result.label}  [{ids}]", f"      {headline}"]
        if self.findings:
            lines.append(
                f"Deprovisioning findings ({len(self.findings)}; allowed by the RFC, not failures; "
                "-W error::scim_tests.DeprovisioningWarning makes them fail):"
            )
            lines += [f"  {finding}" for finding in self.findings]
        if self.collection_errors:
            lines.append("Could not collect: " + ", ".join(self.collection_errors))
        causes = self.root_causes()
        if causes:
            lines.append(f"Root causes ({len(causes)}, biggest first):")
            for cause, results in causes:
                plural = "check" if len(results) == 1 else "checks"
                blocked = sum(r.blocked for r in results)
                note = f" ({blocked} blocked: a step they depend on)" if blocked else ""
                lines.append(f"  {cause}: {len(results)} {plural}{note}")
        violations = self.violations()
        profile = violations["PROFILE"]
        lines.append(
            f"Violations: {violations['MUST']} MUST, {violations['SHOULD']} SHOULD deviations; "
            f"{len(self.findings)} MAY notes (deprovisioning findings)"
            + (f"; {profile} client-profile findings (no RFC row violated)" if profile else "")
        )
        if self.baseline is not None:
            labels = {r.nodeid: r.label for r in self.checks}
            lines += self.baseline_diff().summary_lines(
                self.baseline.path, lambda nodeid: labels.get(nodeid, nodeid)
            )
        counts = f"{total.failed} of {len(self.checks)} checks failed"
        if self.blocking:
            lines.append(f"Result: FAILED ({counts})")
        elif self.incomplete:
            # A crash, an interruption or a run of no check is never a pass; exit_status is
            # None when pytest stopped before the session ended (an internal error).
            status = "none (pytest stopped early)" if self.exit_status is None else self.exit_status
            lines.append(f"Result: ERROR (pytest exit status {status}; {counts})")
        elif self.failed and self.baseline is not None:
            lines.append(f"Result: PASSED (no new failures against the baseline; {counts})")
        elif self.failed:
            lines.append(
                f"Result: PASSED with {violations['SHOULD']} SHOULD deviations "
                f"(--fail-on must; {counts})"
            )
        else:
            lines.append(f"Result: PASSED ({counts})")
        return "\n".join(lines)

    def versions(self) -> dict[str, str]:
        """The versions that decide a run's behaviour."""
        from scim_tests import __version__

        return {
            "scim_tests": __version__,
            "pytest": pytest.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        }

    def as_json(self) -> dict[str, Any]:
        """The whole run as a JSON document (``--json FILE``)."""
        figures = self.coverage()

        def cover(value: Coverage) -> dict[str, Any]:
            return {
                "cited": value.cited,
                "total": value.total,
                "percent": round(value.percent, 1),
                "missing": list(value.missing),
            }

        return {
            "run_id": self.run_id,
            "target": self.target,
            "header": self.header,
            "versions": self.versions(),
            "started": self.started,
            "finished": self.finished,
            "pytest_exit_status": self.exit_status,
            "collection_errors": self.collection_errors,
            "findings": list(self.findings),
            "checks": [
                {
                    "nodeid": r.nodeid,
                    "check": r.label,
                    "area": r.area,
                    "outcome": r.outcome,
                    "duration": round(r.duration, 4),
                    "requirements": [
                        {"id": c.id, "level": c.level, "section": c.section}
                        for c in r.requirements
                    ],
                    "violated": [
                        {"id": c.id, "level": c.level, "section": c.section} for c in r.violated
                    ],
                    "violation": r.violation if r.failed else None,
                    "root_cause": r.root_cause or None,
                    "blocked": r.blocked,
                    "failure": r.failure or None,
                    "reason": r.reason or None,
                }
                for r in self.checks
            ],
            "summary": {
                "total": self.total().as_dict(),
                "by_area": {k: v.as_dict() for k, v in self.tally("area").items()},
                "by_level": {k: v.as_dict() for k, v in self.tally("grade").items()},
                "violations": self.violations(),
                "root_causes": [
                    {"cause": cause, "checks": [r.label for r in results]}
                    for cause, results in self.root_causes()
                ],
                "fail_on": self.fail_on,
            },
            "baseline": None
            if self.baseline is None
            else {"path": self.baseline.path, **self.baseline_diff().as_json()},
            "coverage": None
            if figures is None
            else {"must": cover(figures[0]), "must_incl_partial": cover(figures[1]),
                  "proven": proven_json(self.suite_ids or ())},  # fmt: skip
        }

    def write_json(self, path: str) -> None:
        """Write :meth:`as_json` to ``path``."""
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.as_json(), handle, indent=2, ensure_ascii=False)
            handle.write("\n")


class CitationCollector:
    """A plugin object for a ``--collect-only`` run: every requirement id the suite cites."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Read the marks of every collected check."""
        for item in items:
            for mark in item.iter_markers("scim_requirement"):
                if isinstance(mark.kwargs.get("id"), str):
                    self.ids.add(mark.kwargs["id"])
