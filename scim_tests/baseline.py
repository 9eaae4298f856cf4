"""Gating against a baseline: fail a run only on failures a previous run did not have.

A team adopting the suite on a provider that is not yet clean records one run
(``scim-conformance ... --json baseline.json``) and then gates later runs with
``--baseline baseline.json``: known failures are listed but do not fail the run, a check that
fails now and did not fail then does, and a check that failed then and passes now is reported as
fixed (so the baseline can be refreshed). Checks are matched by pytest node id, which names the
check and its parameters but never the run id, so two runs of the same suite line up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAILED_OUTCOMES = frozenset({"failed", "error"})


class BaselineError(ValueError):
    """The baseline file cannot be read as a ``--json`` report of this tool."""


@dataclass(frozen=True)
class Baseline:
    """The outcome of every check of an earlier run, by node id."""

    path: str
    outcomes: dict[str, str]

    @classmethod
    def load(cls, path: str) -> Baseline:
        """Read a report written by ``scim-conformance --json``."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BaselineError(f"cannot read baseline {path}: {error}") from error
        return cls(path, _outcomes(document, path))

    @property
    def failed(self) -> set[str]:
        """Node ids that failed (or errored) in the baseline run."""
        return {nodeid for nodeid, outcome in self.outcomes.items() if outcome in FAILED_OUTCOMES}

    def compare(self, outcomes: dict[str, str]) -> BaselineDiff:
        """How a run with ``outcomes`` (node id -> outcome) differs from the baseline."""
        known_failed = self.failed
        failed_now = {n for n, outcome in outcomes.items() if outcome in FAILED_OUTCOMES}
        return BaselineDiff(
            new=sorted(failed_now - known_failed),
            known=sorted(failed_now & known_failed),
            fixed=sorted(n for n in known_failed if outcomes.get(n) == "passed"),
            not_run=sorted(
                n for n in known_failed if n not in outcomes or outcomes[n] == "skipped"
            ),
        )


@dataclass(frozen=True)
class BaselineDiff:
    """Failures split into new and known ones, and the known ones that went away."""

    new: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)

    def summary_lines(self, path: str, name: Callable[[str], str] = lambda n: n) -> list[str]:
        """The console lines for the run summary (``name`` turns a node id into a label)."""
        lines = [
            f"Baseline {path}: {len(self.new)} new failures (these gate the run), "
            f"{len(self.known)} known failures still failing, {len(self.fixed)} fixed, "
            f"{len(self.not_run)} known failures not run this time"
        ]
        lines += _listed("New failures", self.new, name)
        lines += _listed("Fixed since the baseline (refresh it)", self.fixed, name)
        lines += _listed("Known failures not run", self.not_run, name)
        return lines

    def as_json(self) -> dict[str, list[str]]:
        """The JSON form (the report's ``baseline`` member)."""
        return {"new": self.new, "known": self.known, "fixed": self.fixed, "not_run": self.not_run}


def _listed(title: str, nodeids: Iterable[str], name: Callable[[str], str]) -> list[str]:
    nodeids = list(nodeids)
    if not nodeids:
        return []
    return [f"{title} ({len(nodeids)}):"] + [f"  {name(nodeid)}" for nodeid in nodeids]


def _outcomes(document: Any, path: str) -> dict[str, str]:
    checks = document.get("checks") if isinstance(document, dict) else None
    if not isinstance(checks, list):
        raise BaselineError(f"{path} is not a scim-conformance --json report (no 'checks' list)")
    outcomes: dict[str, str] = {}
    for check in checks:
        if not (
            isinstance(check, dict)
            and isinstance(check.get("nodeid"), str)
            and isinstance(check.get("outcome"), str)
        ):
            raise BaselineError(f"{path}: a check without a string 'nodeid' and 'outcome'")
        outcomes[check["nodeid"]] = check["outcome"]
    return outcomes
