"""The other views of the HTML report: passing and skipped checks, counts, coverage by section.

Passing and skipped checks are one line each, by spec area, inside a ``<details>`` that starts
closed (the failures come first). The coverage view lists every RFC 7643/7644 section of the
catalog with how many of its rows the suite cites, how many this run exercised and how many it
found violated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from scim_tests.catalog import catalog
from scim_tests.report_html_text import clip

if TYPE_CHECKING:
    from scim_tests.report import RunRecorder
    from scim_tests.report_model import CheckResult, Tally

REASON_CHARS = 300
#: Checks at least this slow (seconds) show their duration.
SLOW = 0.5


def row_attributes(result: CheckResult, level: str, area: bool = True) -> str:
    """The ``data-*`` attributes the filters read (``data-area`` may sit on a parent)."""
    outcome = "failed" if result.failed else result.outcome
    where = f"data-area='{escape(result.area)}' " if area else ""
    return f"{where}data-level='{escape(level)}' data-outcome='{escape(outcome)}'"


def _check_line(result: CheckResult) -> str:
    ids = " ".join(escape(r.id) for r in result.requirements) or "uncited"
    extra = ""
    if result.duration >= SLOW:
        extra = f"<span class='d'>{result.duration:.1f}s</span>"
    if result.outcome == "skipped" and result.reason:
        extra += f"<span class='why'>{escape(clip(result.reason, REASON_CHARS))}</span>"
    name = result.nodeid.split("::", 1)[-1]
    return (
        f"<li {row_attributes(result, result.grade, area=False)}><code>{escape(name)}</code>"
        f"<span class='ids'>{ids}</span>{extra}</li>"
    )


def other_checks(results: list[CheckResult]) -> str:
    """Passed and skipped checks by area, collapsed."""
    if not results:
        return (
            "<section id='others'><h2>Passed and skipped checks</h2>"
            "<p class='empty'>No check passed or was skipped.</p></section>"
        )
    by_area: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        by_area[result.area].append(result)
    passed = sum(1 for r in results if r.outcome == "passed")
    skipped = len(results) - passed
    groups = []
    for area in sorted(by_area):
        rows = by_area[area]
        lines = "".join(_check_line(r) for r in rows)
        groups.append(
            f"<div class='area' data-group data-area='{escape(area)}'><h3>{escape(area)} "
            f"<span class='n'>{_counts(rows)}</span></h3><ul class='rows'>{lines}</ul></div>"
        )
    return (
        f"<section id='others'><details class='others' id='others-list'><summary>"
        f"<h2>Passed and skipped checks</h2><span class='n'>{passed} passed, {skipped} skipped"
        f"</span></summary>{''.join(groups)}</details></section>"
    )


def _counts(rows: list[CheckResult]) -> str:
    passed = sum(1 for r in rows if r.outcome == "passed")
    skipped = len(rows) - passed
    return f"{passed} passed" + (f", {skipped} skipped" if skipped else "")


def tally_table(title: str, tallies: dict[str, Tally], total: Tally | None = None) -> str:
    """Counts per area or per level, with a bar of the failed share."""
    rows = []
    items = list(tallies.items()) + ([("total", total)] if total is not None else [])
    for name, tally in items:
        cells = "".join(
            f"<td class='num{' bad' if kind == 'failed' and value else ''}'>{value}</td>"
            for kind, value in (
                ("passed", tally.passed),
                ("failed", tally.failed),
                ("skipped", tally.skipped),
            )
        )
        klass = " class='total'" if name == "total" and total is not None else ""
        rows.append(f"<tr{klass}><th scope='row'>{escape(name)}</th>{cells}</tr>")
    return (
        f"<table class='counts'><thead><tr><th scope='col'>{escape(title)}</th>"
        "<th scope='col'>passed</th><th scope='col'>failed</th><th scope='col'>skipped</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


@dataclass
class SectionCoverage:
    """The catalog rows of one RFC section and what the suite and this run did with them."""

    rfc: int
    section: str
    rows: list[str] = field(default_factory=list)
    cited: set[str] = field(default_factory=set)
    exercised: set[str] = field(default_factory=set)
    violated: set[str] = field(default_factory=set)
    untestable: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[int, tuple[int, ...]]:
        """Sort key: RFC, then the section numbers as numbers (3.10 after 3.9)."""
        return self.rfc, tuple(int(p) for p in self.section.split(".") if p.isdigit())


def section_coverage(run: RunRecorder) -> list[SectionCoverage]:
    """Every catalog section, in RFC order."""
    violated = {c.id for r in run.failed for c in r.violated}
    exercised = violated | {
        c.id for r in run.checks if r.outcome != "skipped" for c in r.requirements
    }
    suite = run.suite_ids or set()
    sections: dict[tuple[int, str], SectionCoverage] = {}
    for row in catalog().values():
        entry = sections.setdefault((row.rfc, row.section), SectionCoverage(row.rfc, row.section))
        entry.rows.append(row.id)
        if row.id in suite:
            entry.cited.add(row.id)
        if row.id in exercised:
            entry.exercised.add(row.id)
        if row.id in violated:
            entry.violated.add(row.id)
        if row.testable == "no":
            entry.untestable.add(row.id)
    return sorted(sections.values(), key=lambda s: s.key)


def _bar(part: int, whole: int) -> str:
    percent = round(100 * part / whole) if whole else 0
    return f"<span class='bar'><i style='width:{percent}%'></i></span>"


def coverage_view(run: RunRecorder, headline: str) -> str:
    """The coverage table by RFC section, with the catalog's headline figure above it."""
    known = run.suite_ids is not None
    body = []
    for entry in section_coverage(run):
        total = len(entry.rows)
        missing = [i for i in entry.rows if i not in entry.cited and i not in entry.untestable]
        cited = f"<span class='frac'>{len(entry.cited)} / {total}</span>" if known else "?"
        bad = len(entry.violated)
        body.append(
            f"<tr><th scope='row'>RFC {entry.rfc} §{escape(entry.section)}</th>"
            f"<td class='num'>{cited}{_bar(len(entry.cited), total) if known else ''}</td>"
            f"<td class='num'>{len(entry.exercised)}</td>"
            f"<td class='num {'bad' if bad else 'zero'}'>{bad}</td>"
            f"<td class='ids'>{escape(' '.join(missing)) if known else ''}</td></tr>"
        )
    return (
        f"<section id='coverage'><h2>Coverage by RFC section</h2><p>{headline}</p>"
        "<p class='muted'>Every section of the catalog: its rows cited by a check of the suite, "
        "the rows this run exercised (cited by a check that ran and was not skipped, or found "
        "violated), the rows "
        "it found violated, and the testable rows no check cites.</p>"
        "<table class='counts cov'><thead><tr><th scope='col'>section</th>"
        "<th scope='col'>cited / rows</th><th scope='col'>exercised</th>"
        "<th scope='col'>violated</th><th scope='col'>testable rows no check cites</th></tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table></section>"
    )
