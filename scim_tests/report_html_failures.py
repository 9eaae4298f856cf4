"""The failure view of the HTML report: failed checks grouped by root cause, biggest first.

Each group names the violated requirement once (id, level, RFC section and the catalog's
paraphrase); each failed check in it shows what was expected and received, the exchange in a
collapsed ``<details>`` and the curl line. The page stays small however many checks one bug
breaks: bodies are shown for the first few exchange shapes of each root cause (a shape is the
exchange with quoted values, ids and numbers masked) and a later exchange of a shape already
shown links to that one; long bodies and curl lines are cut with a note; and the page holds at
most :data:`BODY_BUDGET` characters of bodies and curl lines, shared between the causes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from scim_tests.catalog import catalog
from scim_tests.report_html_text import (
    ExchangeBlock,
    ParsedFailure,
    clip,
    clip_line,
    parse_failure,
    split_transcript,
)

if TYPE_CHECKING:
    from scim_tests.report_model import CheckResult

#: The requirement id a root cause starts with (scim_tests.failures.root_cause).
CAUSE_ID = re.compile(r"^(?:[A-Z]+-[0-9][0-9.]*-[0-9]+|uncited)$")
#: Failed checks shown open per root cause; the rest sit behind "N more checks".
OPEN_PER_CAUSE = 3
#: Characters and lines of one body of the failing exchange, of the check's other exchanges.
BODY_CHARS, BODY_LINES = 1500, 40
OTHER_CHARS, OTHER_LINES = 600, 16
#: Distinct exchange shapes (bodies with quoted values, ids and numbers masked) shown with
#: their bodies per root cause; later exchanges of the cause are shown by summary line.
SHAPES_PER_CAUSE = 3
#: Other exchanges of one check listed (the last ones before the failure).
MAX_OTHERS = 8
#: Characters of bodies and curl lines on the whole page, shared fairly between the root
#: causes; past a cause's share, its exchanges show their summary lines and its curl lines are
#: cut at CURL_SHORT.
BODY_BUDGET = 150_000
#: The least share of a cause while the pool lasts: enough for an example exchange or two.
MIN_SHARE = 8_000
CURL_CHARS, CURL_SHORT = 2000, 300
VALUE_CHARS, VALUE_LINES = 1500, 24
RAW_CHARS = 4000


@dataclass
class Budget:
    """What the page may still show (characters of bodies and curl lines), and the exchange
    shapes shown so far for the current root cause."""

    pool: int = BODY_BUDGET
    #: The current cause's share: what the pool holds over the causes still to come, so that
    #: what a big cause leaves unused goes to the smaller ones after it.
    left: int = 0
    #: Exchange shapes shown for the current root cause, with the card that shows each.
    shapes: dict[str, str] = field(default_factory=dict)

    def start(self, causes_to_come: int) -> None:
        """Begin a root cause: a fresh share and no shape shown yet."""
        self.left = min(self.pool, max(self.pool // max(1, causes_to_come), MIN_SHARE))
        self.pool -= self.left
        self.shapes = {}

    def finish(self) -> None:
        """End a root cause: its unused share returns to the pool."""
        self.pool += self.left
        self.left = 0

    def take(self, text: str) -> bool:
        """Spend ``text`` if it fits in the current share."""
        if len(text) > self.left:
            return False
        self.left -= len(text)
        return True


def _pre(text: str, css: str = "") -> str:
    # Element content needs only &, < and > escaped; leaving quotes alone keeps JSON bodies
    # and curl lines (full of them) about a third smaller.
    klass = f" class='{css}'" if css else ""
    return f"<pre{klass}>{escape(text, quote=False)}</pre>"


def _bodies(block: ExchangeBlock, chars: int, lines: int) -> str:
    out = []
    for part in block.parts:
        media = f" <span class='mt'>{escape(part.media_type)}</span>" if part.media_type else ""
        text = _pre(clip(part.text, chars, lines))
        out.append(f"<div class='xl'>{escape(part.label)}{media}</div>{text}")
    return "".join(out)


def _exchange(block: ExchangeBlock, anchor: str, budget: Budget) -> tuple[str, bool, str]:
    """The failing exchange's bodies or why they are not shown, whether they are, and the
    anchor of the earlier card of the same shape (empty if none)."""
    shape = block.shape
    first = budget.shapes.get(shape, "")
    if first:
        note = f"Bodies of the same shape as in <a href='#{first}'>this check</a>."
    elif len(budget.shapes) >= SHAPES_PER_CAUSE:
        note = f"Bodies shown for {SHAPES_PER_CAUSE} shapes per cause only."
    else:
        bodies = _bodies(block, BODY_CHARS, BODY_LINES)
        if budget.take(bodies):
            budget.shapes[shape] = anchor
            return bodies, True, ""
        note = "Bodies not shown: the report's size budget is spent."
    return f"<p class='note'>{note}</p>", False, first


def _others(others: list[ExchangeBlock], budget: Budget, bodies: bool) -> str:
    """The check's other exchanges, in order, each collapsed to its summary line."""
    if not others:
        return ""
    shown = others[-MAX_OTHERS:]
    items = []
    for block in shown:
        inner = _bodies(block, OTHER_CHARS, OTHER_LINES) if bodies and block.parts else ""
        if inner and budget.take(inner):
            items.append(
                f"<li><details><summary><code>{_arrow(block.summary)}</code></summary>"
                f"{inner}</details></li>"
            )
        else:
            items.append(f"<li><code>{_arrow(block.summary)}</code></li>")
    skipped = len(others) - len(shown)
    more = f"<p class='note'>{skipped} earlier exchanges not shown.</p>" if skipped else ""
    return (
        f"<div class='xl'>the check's other exchanges ({len(others)}), in order</div>"
        f"{more}<ol class='others'>{''.join(items)}</ol>"
    )


def _arrow(summary: str) -> str:
    return escape(summary, quote=False).replace(" -&gt; ", " → ", 1)


def _exchanges(
    result: CheckResult, parsed: ParsedFailure, anchor: str, budget: Budget
) -> tuple[str, str]:
    """The collapsed ``<details>`` (the failing exchange, then the check's other exchanges),
    and the anchor of the earlier card whose exchange has the same shape (empty if none)."""
    transcript = split_transcript(result.exchanges) if result.exchanges else []
    failing = parsed.exchange
    if failing is None and transcript:
        failing = transcript[-1]  # a failure without its own exchange: the check's last one
    if failing is None:
        return "", ""
    others = [b for b in transcript if b.raw != failing.raw]
    body, shown, repeats = _exchange(failing, anchor, budget)
    return (
        f"<details class='ex'><summary>exchange <code>{_arrow(failing.summary)}</code>"
        f"</summary><div class='exb'>{body}{_others(others, budget, shown)}</div>"
        "</details>",
        repeats,
    )


def _value(label: str, text: str) -> str:
    if not text:
        return ""
    return f"<dt>{label}</dt><dd>{_pre(clip(text, VALUE_CHARS, VALUE_LINES))}</dd>"


def _curl(curl: str, budget: Budget, repeats: str) -> str:
    """The curl line; cut short when an earlier card of the cause showed a request of the same
    shape (``repeats``), or when the cause's share of the budget is spent."""
    if not curl:
        return ""
    line, cut = clip_line(curl, CURL_SHORT if repeats else CURL_CHARS)
    if not repeats and not budget.take(line):
        line, cut = clip_line(curl, CURL_SHORT)
    note = f"<p class='note'>Cut: {cut:,} more characters in pytest's output.</p>" if cut else ""
    return f"<div class='curl'><div class='xl'>reproduce</div>{_pre(line)}{note}</div>"


def _cites(result: CheckResult) -> str:
    if not result.requirements:
        return "<span class='muted'>cites no catalog requirement</span>"
    return "cites " + " ".join(f"<code>{escape(r.id)}</code>" for r in result.requirements)


def failure_card(result: CheckResult, anchor: str, cause_title: str, budget: Budget) -> str:
    """One failed check: name, title, expected and received, exchange, curl line."""
    parsed = parse_failure(result.failure)
    tags = [parsed.qualifier] if parsed.qualifier else []
    if result.outcome == "error":
        tags.append("error in set-up or teardown")
    phase = "".join(f" <span class='tag t-error'>{escape(tag)}</span>" for tag in tags)
    title = ""
    if parsed.title and parsed.title != cause_title:
        title = f"<p class='ftitle'>{escape(parsed.title)}</p>"
    if parsed.structured:
        values = (
            _value("Expected", parsed.expected)
            + _value("Received", parsed.received)
            + _value("Hint", parsed.hint)
        )
        detail = f"<dl class='er'>{values}</dl>" if values else ""
        if parsed.rest:
            detail += (
                "<details class='ex'><summary>further output</summary>"
                f"{_pre(clip(parsed.rest, RAW_CHARS))}</details>"
            )
    else:
        detail = _pre(clip(result.failure, RAW_CHARS), "raw")
    exchanges, repeats = _exchanges(result, parsed, anchor, budget)
    return (
        f"<article class='fail' id='{anchor}' data-area='{escape(result.area)}' "
        f"data-level='{escape(result.violation)}' data-outcome='failed'>"
        f"<header><code class='check'>{escape(result.label)}</code>{phase}</header>"
        f"{title}<p class='cites'>{_cites(result)}</p>{detail}"
        f"{exchanges}{_curl(parsed.curl, budget, repeats)}</article>"
    )


def _requirement(results: list[CheckResult]) -> str:
    """The violated requirement of a group: id, level, section and the catalog paraphrase."""
    violated = next((r.violated[0] for r in results if r.violated), None)
    row = catalog().get(violated.id) if violated is not None else None
    if row is None:
        return (
            "<p class='para muted'>The failure names no catalog requirement: the check could "
            "not get a usable answer, which counts as a MUST violation.</p>"
        )
    return (
        f"<p class='req'><code class='rid'>{escape(row.id)}</code>"
        f"<span class='lvl l-{escape(row.grade)}'>{escape(row.level)}</span>"
        f"<span class='sec'>RFC {row.rfc} §{escape(row.section)}</span></p>"
        f"<p class='para'>{escape(row.summary)}</p>"
        f"<p class='how'><span class='muted'>How it is checked:</span> "
        f"{escape(row.how_to_check)}</p>"
    )


def split_cause(cause: str) -> tuple[str, str]:
    """``("P-3.12-03", "The error body's ...")`` of a root cause; ``("", cause)`` for a crash
    recorded by its headline (``KeyError: 'x'``)."""
    head, sep, title = cause.partition(": ")
    return (head, title) if sep and CAUSE_ID.match(head) else ("", cause)


def failure_groups(causes: list[tuple[str, list[CheckResult]]]) -> str:
    """Every root cause with its failed checks, in the order given (biggest first)."""
    budget = Budget()
    sections = []
    for number, (cause, results) in enumerate(causes, 1):
        title = split_cause(cause)[1]
        budget.start(len(causes) - number + 1)
        cards = [
            failure_card(result, f"f{number}-{index}", title, budget)
            for index, result in enumerate(results, 1)
        ]
        budget.finish()
        more = ""
        if len(cards) > OPEN_PER_CAUSE:
            rest = len(cards) - OPEN_PER_CAUSE
            plural = "check" if rest == 1 else "checks"
            more = (
                f"<details class='more' data-group><summary>{rest} more {plural} with this root "
                f"cause</summary>{''.join(cards[OPEN_PER_CAUSE:])}</details>"
            )
        count = f"{len(results)} check{'s' if len(results) != 1 else ''}"
        sections.append(
            f"<section class='cause' id='cause-{number}' data-group>"
            f"<h3><span class='count'>{count}</span><span class='ct'>{escape(title)}</span></h3>"
            f"{_requirement(results)}"
            f"<div class='cards'>{''.join(cards[:OPEN_PER_CAUSE])}{more}</div></section>"
        )
    return "".join(sections)


def cause_index(causes: list[tuple[str, list[CheckResult]]]) -> str:
    """The list of root causes at the top of the failure view, linking to each group."""
    items = []
    for number, (cause, results) in enumerate(causes, 1):
        head, title = split_cause(cause)
        rid = f"<code>{escape(head)}</code> " if head else ""
        plural = "check" if len(results) == 1 else "checks"
        items.append(
            f"<li><a href='#cause-{number}'>{rid}{escape(title)}</a>"
            f"<span class='n'>{len(results)} {plural}</span></li>"
        )
    return f"<ol class='toc'>{''.join(items)}</ol>"
