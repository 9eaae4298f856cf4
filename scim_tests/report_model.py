"""The verdicts a conformance run is made of: one :class:`CheckResult` per check, the
requirements it cites (:class:`Cited`) and passed/failed/skipped counts (:class:`Tally`).

Plain data, read off pytest reports by :class:`scim_tests.report.RunRecorder` and rendered by
the report modules.
"""

from __future__ import annotations

from dataclasses import dataclass

GRADES = ("MUST", "SHOULD", "MAY", "uncited")
FAILED = ("failed", "error")


@dataclass(frozen=True)
class Cited:
    """One requirement a check cites, with its catalog level and section."""

    id: str
    level: str
    section: str
    grade: str


@dataclass
class CheckResult:
    """The verdict on one check (one collected test item)."""

    nodeid: str
    path: str = ""  # the module's file, from the report's location (nodeids can lose it)
    outcome: str = "passed"  # passed, failed, error (set-up/teardown), skipped
    duration: float = 0.0
    requirements: tuple[Cited, ...] = ()
    failure: str = ""
    exchanges: str = ""
    reason: str = ""
    #: The requirements the failure says were violated (from the ConformanceFailure).
    violated: tuple[Cited, ...] = ()
    #: The failure's root cause (violated requirement and the shape of its title), if known.
    root_cause: str = ""
    #: The failure violates no catalog row: a client-profile finding (scim_tests.profiles).
    uncited: bool = False
    #: The failure is in a step the check depends on (a set-up create), not in its own subject.
    blocked: bool = False

    @property
    def name(self) -> str:
        """The test name with its parameter id."""
        return self.nodeid.split("::")[-1]

    @property
    def module(self) -> str:
        """The check module's file name (``test_delete.py``)."""
        path = self.path or self.nodeid.split("::")[0]
        return path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """``test_delete.py::test_name[param]``, however pytest chose to root the nodeid."""
        return f"{self.module}::{self.nodeid.split('::', 1)[-1]}"

    @property
    def area(self) -> str:
        """The spec area: the check module's name without ``test_`` (``delete``, ``create``)."""
        return self.module.removesuffix(".py").removeprefix("test_")

    @property
    def grade(self) -> str:
        """The strongest level the check cites, or ``uncited``."""
        grades = {r.grade for r in self.requirements}
        return next((g for g in GRADES if g in grades), "uncited")

    @property
    def failed(self) -> bool:
        """Whether the check failed (in its body, its set-up or its teardown)."""
        return self.outcome in FAILED

    @property
    def violation(self) -> str:
        """The verdict class of a failure: the violated requirement's level (MUST, SHOULD).

        A failure that names no catalog requirement (a crash, an unusable answer) is MUST, but
        for a client-profile finding (a client's need or deviation the RFC leaves open): PROFILE.
        """
        known = [c.grade for c in self.violated if c.grade != "uncited"]
        return known[0] if known else "PROFILE" if self.uncited else "MUST"


@dataclass
class Tally:
    """passed / failed / skipped counts."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, result: CheckResult) -> None:
        """Count one check."""
        if result.failed:
            self.failed += 1
        elif result.outcome == "skipped":
            self.skipped += 1
        else:
            self.passed += 1

    def as_dict(self) -> dict[str, int]:
        """The counts as a JSON object."""
        return {"passed": self.passed, "failed": self.failed, "skipped": self.skipped}
