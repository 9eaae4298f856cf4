"""One self-contained HTML page for a conformance run (``scim-conformance --html FILE``).

Inline CSS and a small inline script (the filters), no external assets, so the file can be
attached to a ticket or a CI artifact and opened anywhere. Every value that came from the run
(names, failure texts, the provider's responses) is escaped with :func:`html.escape`; the
script is a constant and reads only ``data-*`` attributes.

The page reads top to bottom: the verdict (the console's ``Result:`` rule), then the failures
grouped by root cause, biggest first (:mod:`scim_tests.report_html_failures`), then passing
and skipped checks one line each, collapsed, the counts and the coverage by RFC section
(:mod:`scim_tests.report_html_sections`). Filters by area, level and outcome act on every row.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import TYPE_CHECKING

from scim_tests.report_html_assets import CSS, SCRIPT
from scim_tests.report_html_failures import cause_index, failure_groups
from scim_tests.report_html_sections import coverage_view, other_checks, tally_table

if TYPE_CHECKING:
    from scim_tests.report import RunRecorder

#: The filter's levels: a failure counts at the level of the requirement it violated, any
#: other check at the strongest level it cites.
LEVELS = ("MUST", "SHOULD", "MAY", "uncited")


def verdict(run: RunRecorder) -> tuple[str, str, str]:
    """``(css class, word, detail)`` of the console's ``Result:`` line, so both always agree."""
    results = [x for x in run.summary_text().split("\n") if x.startswith("Result: ")]
    word, _, detail = results[-1].removeprefix("Result: ").partition(" (")
    detail = detail.removesuffix(")")
    if word.startswith("FAILED"):
        kind = "failed"
    elif word.startswith("ERROR"):
        kind = "error"
    elif run.failed:  # passed with SHOULD deviations, or with known failures only
        kind = "deviations"
    else:
        kind = "passed"
    return kind, word, detail


def _when(run: RunRecorder) -> str:
    try:
        start = dt.datetime.fromisoformat(run.started)
        end = dt.datetime.fromisoformat(run.finished)
    except ValueError:
        return escape(f"{run.started} to {run.finished}".strip())
    seconds = max(0, round((end - start).total_seconds()))
    took = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60} s"
    return escape(f"{start:%Y-%m-%d %H:%M:%S %Z} to {end:%H:%M:%S} ({took})")


def _stat(value: object, label: str, bad: bool = False) -> str:
    klass = " class='bad'" if bad else ""
    return f"<li{klass}><b>{escape(str(value))}</b>{escape(label)}</li>"


def _header(run: RunRecorder) -> str:
    kind, word, detail = verdict(run)
    total = run.total()
    violations = run.violations()
    figures = run.coverage()
    stats = [
        _stat(total.passed, "passed"),
        _stat(total.failed, "failed", bool(total.failed)),
        _stat(total.skipped, "skipped"),
        _stat(violations["MUST"], "MUST violations", bool(violations["MUST"])),
        _stat(violations["SHOULD"], "SHOULD deviations", bool(violations["SHOULD"])),
        _stat(len(run.root_causes()), "root causes", bool(run.failed)),
        _stat(f"{figures[0].percent:.1f}%" if figures else "?", "catalog coverage"),
    ]
    if run.findings:
        stats.append(_stat(len(run.findings), "MAY notes"))
    versions = " · ".join(f"{k} {v}" for k, v in run.versions().items())
    alerts = ""
    if run.collection_errors:
        broken = ", ".join(run.collection_errors)
        alerts = f"<p class='alert'>Could not collect: {escape(broken)}</p>"
    settings = ""
    if run.header:
        settings = (
            "<details class='run'><summary>Run settings (the report header)</summary>"
            f"<pre>{escape(chr(10).join(run.header))}</pre></details>"
        )
    return (
        "<header><div class='eyebrow'>SCIM 2.0 conformance report · RFC 7643 / RFC 7644</div>"
        f"<h1>{escape(run.target or '?')}</h1>"
        f"<p class='facts'>run id <code>{escape(run.run_id or '?')}</code> · {_when(run)}"
        f"<br>{escape(versions)}</p>"
        f"<p class='verdict v-{kind}' id='verdict'><strong>{escape(word)}</strong>"
        f"<span>{escape(detail)}</span></p>{alerts}"
        f"<ul class='stats'>{''.join(stats)}</ul>{settings}"
        f"<nav class='jump'><a href='#failures'>Failures</a><a href='#others'>Passed and "
        "skipped</a><a href='#counts'>Counts by area and level</a><a href='#coverage'>"
        "Coverage by RFC section</a></nav></header>"
    )


def _chip(name: str, value: str, count: int | None = None) -> str:
    number = f" <span class='n'>{count}</span>" if count is not None else ""
    return (
        f"<label class='chip'><input type='checkbox' name='{name}' value='{escape(value)}' "
        f"checked>{escape(value)}{number}</label>"
    )


def _filters(run: RunRecorder) -> str:
    """The filter bar: hidden until the script shows it (it would do nothing without it)."""
    total = run.total()
    outcomes = [("failed", total.failed), ("passed", total.passed), ("skipped", total.skipped)]
    levels = {r.violation if r.failed else r.grade for r in run.checks}
    areas = sorted({r.area for r in run.checks})
    options = "".join(f"<option value='{escape(a)}'>{escape(a)}</option>" for a in areas)
    return (
        "<form class='filters' id='filters' hidden>"
        "<fieldset><legend>Outcome</legend>"
        + "".join(_chip("outcome", name, count) for name, count in outcomes)
        + "</fieldset><fieldset><legend title='a failure counts at the level of the "
        "requirement it violated, any other check at the strongest level it cites'>Level</legend>"
        + "".join(
            _chip("level", level) for level in LEVELS if level in levels or level != "uncited"
        )
        + "</fieldset><label class='pick'><b>Area</b><select name='area'>"
        f"<option value=''>all areas</option>{options}</select></label>"
        "<button type='reset'>Reset</button><output id='shown'></output></form>"
    )


def _failures(run: RunRecorder) -> str:
    causes = run.root_causes()
    if not causes:
        return (
            "<section id='failures'><h2>Failures</h2><p class='empty'>No check failed.</p>"
            "</section>"
        )
    failed = len(run.failed)
    plural = "cause" if len(causes) == 1 else "causes"
    return (
        f"<section id='failures'><h2>Failures <span class='n'>{failed} checks, {len(causes)} "
        f"root {plural}</span></h2><h3>Root causes ({len(causes)}, biggest first)</h3>"
        f"{cause_index(causes)}{failure_groups(causes)}"
        "<p class='empty' id='no-failure' hidden>No failed check matches the filters.</p>"
        "</section>"
    )


def _findings(run: RunRecorder) -> str:
    if not run.findings:
        return ""
    items = "".join(f"<li>{escape(finding)}</li>" for finding in run.findings)
    return (
        "<section id='findings'><h2>Deprovisioning findings <span class='n'>allowed by the "
        "RFC (MAY), not failures; -W error::scim_tests.DeprovisioningWarning makes them fail"
        f"</span></h2><ul>{items}</ul></section>"
    )


def render_html(run: RunRecorder) -> str:
    """The run as one HTML document."""
    from scim_tests.report import COVERAGE_TITLE

    figures = run.coverage()
    if figures is None:
        headline = f"{escape(COVERAGE_TITLE)}: unavailable (the suite could not be collected)"
    else:
        headline = (
            f"{escape(COVERAGE_TITLE)}: <strong>{escape(str(figures[0]))}</strong>; "
            f"including partially testable rows: {escape(str(figures[1]))}"
        )
    counts = (
        "<section id='counts'><h2>Counts by area and level</h2><div class='split'>"
        f"{tally_table('spec area', run.tally('area'), run.total())}"
        f"{tally_table('requirement level', run.tally('grade'))}</div></section>"
    )
    title = f"{verdict(run)[1]}: {run.target or '?'}"
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>SCIM conformance {escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{_header(run)}\n{_filters(run)}\n{_failures(run)}\n{_findings(run)}\n"
        f"{other_checks([r for r in run.checks if not r.failed])}\n{counts}\n"
        f"{coverage_view(run, headline)}\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_html(run: RunRecorder, path: str) -> None:
    """Write :func:`render_html` to ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_html(run))
