"""One self-contained HTML page for a conformance run (``scim-conformance --html FILE``).

Inline CSS, no scripts and no external assets, so the file can be attached to a ticket or a CI
artifact and opened anywhere. Every value that came from the run (names, failure texts, the
provider's responses) is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scim_tests.report import CheckResult, RunRecorder, Tally

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1b1f24; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
.passed { color: #1a7f37; font-weight: 600; }
.failed, .error { color: #cf222e; font-weight: 600; }
.skipped { color: #9a6700; font-weight: 600; }
.meta { color: #57606a; }
details { margin: .3em 0 1em; }
summary { cursor: pointer; }
"""


def _counts_table(title: str, tallies: dict[str, Tally], total: Tally | None = None) -> str:
    rows = [
        f"<tr><td>{escape(name)}</td><td class='n'>{t.passed}</td>"
        f"<td class='n'>{t.failed}</td><td class='n'>{t.skipped}</td></tr>"
        for name, t in tallies.items()
    ]
    if total is not None:
        rows.append(
            f"<tr><th>total</th><th class='n'>{total.passed}</th>"
            f"<th class='n'>{total.failed}</th><th class='n'>{total.skipped}</th></tr>"
        )
    return (
        f"<table><tr><th>{escape(title)}</th><th>passed</th><th>failed</th><th>skipped</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _requirements(result: CheckResult) -> str:
    if not result.requirements:
        return "<span class='meta'>uncited</span>"
    return "<br>".join(
        f"<code>{escape(r.id)}</code> {escape(r.level)} <span class='meta'>§{escape(r.section)}"
        "</span>"
        for r in result.requirements
    )


def _check_row(result: CheckResult) -> str:
    verdict = f"<span class='{escape(result.outcome)}'>{escape(result.outcome)}</span>"
    details = ""
    if result.failed:
        details = f"<details open><summary>failure</summary><pre>{escape(result.failure)}</pre>"
        if result.exchanges:
            details += (
                "<details><summary>SCIM exchanges</summary>"
                f"<pre>{escape(result.exchanges)}</pre></details>"
            )
        details += "</details>"
    elif result.reason:
        details = f"<div class='meta'>{escape(result.reason)}</div>"
    return (
        f"<tr><td><code>{escape(result.name)}</code>"
        f"<div class='meta'>{escape(result.label)}</div>{details}</td>"
        f"<td>{_requirements(result)}</td><td>{escape(result.grade)}</td>"
        f"<td>{verdict}<div class='meta'>{result.duration:.2f}s</div></td></tr>"
    )


def render_html(run: RunRecorder) -> str:
    """The run as one HTML document."""
    from scim_tests.report import COVERAGE_TITLE

    versions = ", ".join(f"{k} {v}" for k, v in run.versions().items())
    header = "".join(f"<li><code>{escape(line)}</code></li>" for line in run.header)
    figures = run.coverage()
    if figures is None:
        coverage = f"<p>{escape(COVERAGE_TITLE)}: unavailable</p>"
    else:
        coverage = (
            f"<p>{escape(COVERAGE_TITLE)}: <strong>{escape(str(figures[0]))}</strong>; "
            f"including partially testable rows: {escape(str(figures[1]))}</p>"
        )
    failed = run.failed
    if run.blocking:
        verdict = f"<p class='failed'>FAILED: {len(failed)} of {len(run.checks)} checks failed</p>"
    elif run.incomplete:
        # The same rule as the console: a crash or a run of no check is never a pass.
        verdict = f"<p class='error'>ERROR: pytest exit status {run.exit_status}</p>"
    elif failed:
        verdict = (
            f"<p class='passed'>PASSED with {len(failed)} SHOULD deviations (--fail-on must)</p>"
        )
    else:
        verdict = f"<p class='passed'>PASSED: {len(run.checks)} checks, none failed</p>"
    causes = "".join(
        f"<li><strong>{len(results)}</strong> &times; {escape(cause)}</li>"
        for cause, results in run.root_causes()
    )
    if causes:
        verdict += f"<h2>Root causes</h2><ol>{causes}</ol>"
    if run.collection_errors:
        broken = escape(", ".join(run.collection_errors))
        verdict += f"<p class='error'>Could not collect: {broken}</p>"
    checks = "".join(_check_row(r) for r in run.checks)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SCIM conformance: {escape(run.target or "?")}</title>
<style>{CSS}</style>
</head>
<body>
<h1>SCIM conformance report</h1>
<p class="meta">target <strong>{escape(run.target or "?")}</strong> &middot; run id
<code>{escape(run.run_id)}</code> &middot; {escape(run.started)} to {escape(run.finished)}</p>
<p class="meta">{escape(versions)}</p>
<ul>{header}</ul>
{verdict}
<h2>Summary</h2>
{_counts_table("spec area", run.tally("area"), run.total())}
{_counts_table("requirement level", run.tally("grade"))}
{coverage}
<h2>Checks</h2>
<table>
<tr><th>check</th><th>requirements</th><th>grade</th><th>verdict</th></tr>
{checks}
</table>
</body>
</html>
"""


def write_html(run: RunRecorder, path: str) -> None:
    """Write :func:`render_html` to ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(render_html(run))
