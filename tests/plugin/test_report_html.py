"""The HTML report (``scim-conformance --html``): content, escaping, grouping, filters, size.

Most tests build a :class:`RunRecorder` by hand from real :class:`ConformanceFailure` and
:class:`Exchange` renderings, so they pin what the page does with the text the plugin records;
one runs the whole suite against the mock under a defect and bounds the page's size.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from scim_tests.catalog import catalog
from scim_tests.exchange import Exchange
from scim_tests.failures import ConformanceFailure, root_cause
from scim_tests.report import RunRecorder, cited
from scim_tests.report_html import render_html
from scim_tests.report_html_assets import SCRIPT
from scim_tests.report_html_failures import BODY_BUDGET
from scim_tests.report_html_text import parse_failure, split_transcript
from scim_tests.report_model import CheckResult
from tests.plugin.test_cli import run_cli

BASE = "http://sp.example/scim/v2"
EVIL = "<img src=x onerror=alert(1)>"
STATUS_TITLE = "The error body's status is not a string"


def exchange(
    method: str = "GET",
    path: str = "/Users/2819c223",
    status: int = 404,
    body: object = None,
    request: object = None,
) -> Exchange:
    """A recorded exchange with JSON bodies."""
    response = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status}
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers={"Accept": "application/scim+json", "Authorization": "Bearer s3cret"},
        request_body=None if request is None else json.dumps(request),
        status=status,
        reason="NOT FOUND" if status == 404 else "OK",
        response_headers={"Content-Type": "application/scim+json"},
        response_body=json.dumps(response if body is None else body),
        secrets=("s3cret",),
    )


def failed(
    nodeid: str,
    title: str = STATUS_TITLE,
    requirement: str = "P-3.12-03",
    *,
    seen: Exchange | None = None,
    expected: str = '"status": "404" (a JSON string)',
    received: str = '"status": 404',
    cites: tuple[str, ...] = ("P-3.6-02",),
    outcome: str = "failed",
) -> CheckResult:
    """A check that failed with a ConformanceFailure, recorded as the recorder records it."""
    seen = seen or exchange()
    error = ConformanceFailure(
        title, expected=expected, received=received, exchange=seen, requirements=[requirement]
    )
    return CheckResult(
        nodeid,
        path=f"scim_tests/checks/{nodeid.split('::')[0]}",
        outcome=outcome,
        duration=0.02,
        requirements=cited(cites),
        failure=str(error),
        exchanges=seen.render(),
        violated=cited([requirement]),
        root_cause=root_cause(error),
    )


def passed(
    nodeid: str, cites: tuple[str, ...] = ("P-3.6-02",), outcome: str = "passed", reason: str = ""
) -> CheckResult:
    """A check that passed (or, with ``outcome="skipped"`` and a reason, skipped)."""
    path = f"scim_tests/checks/{nodeid.split('::')[0]}"
    return CheckResult(nodeid, path, outcome, 0.01, cited(cites), reason=reason)


def recorder(*checks: CheckResult, fail_on: str = "should", exit_status: int = 1) -> RunRecorder:
    """A finished run of ``checks`` against BASE."""
    run = RunRecorder(target=BASE, run_id="1284ad47", fail_on=fail_on)
    run.header = [f"scim: target={BASE} run-id=1284ad47 timeout=10s", "scim: patch=yes"]
    run.started, run.finished = "2026-01-05T10:00:00+00:00", "2026-01-05T10:00:07+00:00"
    run.exit_status = exit_status
    run.suite_ids = {"P-3.6-02", "P-3.12-03", "P-3.12-01", "P-3.4.2-01"}
    for check in checks:
        run.results[check.nodeid] = check
    return run


def mixed_run() -> RunRecorder:
    """Two root causes (three checks and one), passing checks in two areas, one skip."""
    return recorder(
        passed("test_delete.py::test_delete_returns_204_and_resource_is_gone"),
        failed("test_errors.py::test_unknown_id_is_404[User]"),
        failed("test_delete.py::test_delete_twice_is_404", cites=("P-3.6-02", "P-3.12-01")),
        failed(
            "test_retrieve.py::test_filter_finds_one",
            "A user missing from the result",
            "P-3.4.2-01",
            seen=exchange(path="/Users?filter=userName+eq+%22x%22", status=200, body={"a": 1}),
            expected="1 resource",
            received="0 resources",
            cites=("P-3.4.2-01",),
        ),
        failed("test_errors.py::test_unknown_id_is_404[Group]", seen=exchange(path="/Groups/9")),
        passed("test_errors.py::test_bad_filter_is_400", cites=("P-3.12-01",)),
        passed(
            "test_errors.py::test_unsupported_operations_answer_501",
            cites=("P-3.12-01",),
            outcome="skipped",
            reason="ServiceProviderConfig advertises both PATCH and Bulk as supported",
        ),
    )


def cards(page: str) -> list[str]:
    """The failure cards of a page, in page order."""
    return re.findall(r"<article class='fail'.*?</article>", page, re.S)


def test_the_page_is_one_self_contained_file() -> None:
    """Inline style and script, nothing fetched from anywhere."""
    page = render_html(mixed_run())
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<style>") == 1 and page.count("<script") == 1
    assert f"<script>{SCRIPT}</script>" in page
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_everything_from_the_run_is_escaped() -> None:
    """A provider's answers, names and reasons can never inject markup or script."""
    evil = failed(
        f"test_errors.py::test_x[{EVIL}]",
        title=f"Bad {EVIL}",
        seen=exchange(body={"detail": f"</pre></details>{EVIL}<script>alert(2)</script>"}),
        expected=EVIL,
        received=f"'{EVIL}\"",
    )
    skipped = passed("test_delete.py::test_y", outcome="skipped", reason=f"because {EVIL}")
    run = recorder(evil, skipped)
    run.target, run.run_id = f'{BASE}"><b>{EVIL}', f"id{EVIL}"
    run.header.append(f"scim: {EVIL}")
    run.findings.append(f"test_y: kept a member {EVIL}")
    run.collection_errors.append(f"test_{EVIL}.py")
    page = render_html(run)
    assert EVIL not in page and '"><b>' not in page
    assert page.count("<script") == 1  # ours, a constant
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/pre&gt;&lt;/details&gt;" in page


def test_failures_come_first_grouped_by_root_cause_biggest_first() -> None:
    """The biggest cause leads the index and the groups; each group lists its checks."""
    page = render_html(mixed_run())
    assert page.index("id='failures'") < page.index("id='others'") < page.index("id='coverage'")
    index = re.findall(r"<li><a href='#cause-(\d)'>(.*?)</a><span class='n'>(.*?)</span>", page)
    assert index == [
        ("1", f"<code>P-3.12-03</code> {STATUS_TITLE.replace(chr(39), '&#x27;')}", "3 checks"),
        ("2", "<code>P-3.4.2-01</code> A user missing from the result", "1 check"),
    ]
    first = page[page.index("id='cause-1'") : page.index("id='cause-2'")]
    assert "<span class='count'>3 checks</span>" in first
    assert re.findall(r"id='(f1-\d)'", first) == ["f1-1", "f1-2", "f1-3"]
    assert "test_retrieve.py::test_filter_finds_one" in page[page.index("id='cause-2'") :]


def test_each_group_names_the_violated_requirement_once_with_its_paraphrase() -> None:
    """Id, level, RFC section and the catalog's summary, once per root cause."""
    page = render_html(mixed_run())
    row = catalog()["P-3.12-03"]
    summary = row.summary.replace("'", "&#x27;").replace('"', "&quot;")
    assert page.count(summary) == 1
    assert (
        "<code class='rid'>P-3.12-03</code><span class='lvl l-MUST'>REQUIRED</span>"
        "<span class='sec'>RFC 7644 §3.12</span>"
    ) in page


def test_each_failure_shows_expected_received_a_collapsed_exchange_and_the_curl_line() -> None:
    """What a reader needs to act on one failure, with the exchange folded away."""
    card = cards(render_html(mixed_run()))[0]
    assert "test_errors.py::test_unknown_id_is_404[User]" in card
    assert '<dt>Expected</dt><dd><pre>"status": "404" (a JSON string)</pre></dd>' in card
    assert '<dt>Received</dt><dd><pre>"status": 404</pre></dd>' in card
    assert "<details class='ex'><summary>exchange <code>GET /scim/v2/Users/2819c223 → 404" in card
    assert "<details class='ex' open" not in card
    assert "<pre>curl -X GET http://sp.example/scim/v2/Users/2819c223 " in card
    assert '"Authorization: Bearer $SCIM_TOKEN"' in card and "s3cret" not in card


def test_a_failure_of_another_shape_keeps_its_own_title() -> None:
    """A cause's title masks numbers; a check's own title with them is shown on its card."""
    check = failed("test_errors.py::test_z", "Unexpected status 500", "P-3.12-01")
    page = render_html(recorder(check))
    assert "<span class='ct'>Unexpected status …</span>" in page
    assert "<p class='ftitle'>Unexpected status 500</p>" in page


@pytest.mark.parametrize(
    "checks, fail_on, exit_status, css, word",
    [
        ([failed("test_a.py::test_f")], "should", 1, "failed", "FAILED"),
        ([], "should", 5, "error", "ERROR"),
        ([passed("test_a.py::test_p")], "should", 3, "error", "ERROR"),
        (
            [failed("test_a.py::test_s", "Odd", "P-3.12-10", cites=("P-3.12-10",))],
            "must",
            1,
            "deviations",
            "PASSED with 1 SHOULD deviations",
        ),
        ([passed("test_a.py::test_p")], "should", 0, "passed", "PASSED"),
    ],
    ids=["failed", "no-checks", "internal-error", "should-deviation", "passed"],
)
def test_the_verdict_is_the_console_verdict(
    checks: list[CheckResult], fail_on: str, exit_status: int, css: str, word: str
) -> None:
    """FAILED / ERROR / PASSED with N SHOULD deviations / PASSED, by report.py's rule."""
    run = recorder(*checks, fail_on=fail_on, exit_status=exit_status)
    console = run.summary_text().splitlines()[-1]
    page = render_html(run)
    match = re.search(r"<p class='verdict v-(\w+)' id='verdict'><strong>(.*?)</strong>", page)
    assert match and match.groups() == (css, word)
    assert console.startswith(f"Result: {word} (")


def test_filters_offer_every_area_level_and_outcome_and_every_check_is_a_row() -> None:
    """The filter bar lists what the run holds; each check carries what the filters read."""
    run = mixed_run()
    page = render_html(run)
    form = page[page.index("<form class='filters'") : page.index("</form>")]
    assert " hidden>" in form[:60]  # shown by the script, useless without it
    boxes = re.findall(r"name='(\w+)' value='(\w+)' checked", form)
    assert boxes == [("outcome", "failed"), ("outcome", "passed"), ("outcome", "skipped"),
                     ("level", "MUST"), ("level", "SHOULD"), ("level", "MAY")]  # fmt: skip
    areas = re.findall(r"<option value='(\w*)'>", form)
    assert areas == ["", "delete", "errors", "retrieve"]
    rows = re.findall(r"<(?:li|article)[^>]*data-outcome='(\w+)'", page)
    assert sorted(rows) == ["failed"] * 4 + ["passed"] * 2 + ["skipped"]
    assert all("data-area=" in c[:120] for c in cards(page))
    assert re.findall(r"class='area' data-group data-area='(\w+)'", page) == ["delete", "errors"]


def test_passing_and_skipped_checks_are_one_line_each_and_collapsed() -> None:
    """The other checks wait behind a closed ``<details>``, by area, skip reasons shown."""
    page = render_html(mixed_run())
    others = page[page.index("<section id='others'>") : page.index("<section id='counts'>")]
    assert "<details class='others' id='others-list'><summary>" in others
    assert "2 passed, 1 skipped" in others
    lines = re.findall(r"<li [^>]*>(.*?)</li>", others)
    assert len(lines) == 3
    assert any("ServiceProviderConfig advertises both" in line for line in lines)


def test_the_coverage_view_counts_rows_by_rfc_section() -> None:
    """Per section: rows cited by the suite, exercised by the run, violated; missing ids."""
    page = render_html(mixed_run())
    row = re.search(r"<tr><th scope='row'>RFC 7644 §3\.12</th>(.*?)</tr>", page)
    assert row, page[page.index("id='coverage'") :][:2000]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    total = sum(1 for r in catalog().values() if r.rfc == 7644 and r.section == "3.12")
    assert cells[0].startswith(f"<span class='frac'>2 / {total}</span>")
    assert cells[1:3] == ["2", "1"]  # P-3.12-01 and -03 exercised; -03 violated
    assert "P-3.12-02" in cells[3]
    assert "Catalog coverage" in page


def test_long_bodies_and_curl_lines_are_cut_with_a_note() -> None:
    """A 1 MB request body (the /Bulk payload check) costs a few kilobytes, not a megabyte."""
    big = exchange("POST", "/Bulk", 413, request={"Operations": [], "padding": "x" * 1_000_000})
    page = render_html(recorder(failed("test_bulk.py::test_oversized", seen=big)))
    assert len(page.encode()) < 60_000
    assert re.search(r"… [\d,]+ more characters not shown", page)
    assert re.search(r"Cut: [\d,]+ more characters in pytest's output", page)


def test_exchanges_of_one_shape_are_shown_once_per_root_cause() -> None:
    """Fifty failures of one bug: the bodies once, then links to that first card."""
    checks = [
        failed(f"test_errors.py::test_n[{i}]", seen=exchange(path=f"/Users/{i:08x}-aaaa"))
        for i in range(50)
    ]
    page = render_html(recorder(*checks))
    assert page.count("<div class='xl'>response") == 1
    assert page.count("Bodies of the same shape as in <a href='#f1-1'>this check</a>") == 49
    assert page.count("<div class='curl'>") == 50  # every failure keeps its curl line
    assert "47 more checks with this root cause" in page


def test_the_page_stays_small_however_many_checks_fail() -> None:
    """Bodies of every shape and size: bounded by the budget plus a little per card."""
    checks = [
        failed(
            f"test_patch_cases.py::test_case[{i}]",
            f"Wrong value {i % 7}",
            "P-3.4.2-01",
            seen=exchange("POST", "/Users", 400, {f"k{i}": "v" * 5000}, {f"r{i}": "w" * 5000}),
        )
        for i in range(300)
    ]
    size = len(render_html(recorder(*checks)).encode())
    assert size < BODY_BUDGET + 300 * 1_200 + 40_000, size


def test_a_failure_without_a_known_shape_is_shown_raw() -> None:
    """A crash outside a ConformanceFailure keeps its text and its own group."""
    crash = CheckResult("test_a.py::test_crash", outcome="failed", failure="KeyError: 'id'")
    page = render_html(recorder(crash))
    assert "<pre class='raw'>KeyError: 'id'</pre>" in page
    assert "<li><a href='#cause-1'>KeyError: &#x27;id&#x27;</a>" in page
    assert "names no catalog requirement" in page


def test_a_rendered_failure_reads_back_into_its_parts() -> None:
    """parse_failure inverts ConformanceFailure.__str__ (the plugin keeps only the text)."""
    seen = exchange("PUT", "/Users/1", 400, request={"userName": "a\nb"})
    error = ConformanceFailure(
        "Unexpected status 400",
        expected="200\nwith a body",
        received="400",
        exchange=seen,
        requirements=["P-3.5.1-01"],
        hint="try again",
    )
    parsed = parse_failure(str(error))
    assert parsed.structured and parsed.title == "Unexpected status 400"
    assert (parsed.expected, parsed.received, parsed.hint) == (
        "200\nwith a body",
        "400",
        "try again",
    )
    assert parsed.exchange is not None
    assert parsed.exchange.summary == "PUT /scim/v2/Users/1 -> 400 OK"
    assert [p.label for p in parsed.exchange.parts] == ["request", "response"]
    assert parsed.exchange.parts[1].media_type == "application/scim+json"
    assert parsed.exchange.parts[0].text.startswith('{\n  "userName": "a\\nb"')
    assert parsed.curl == seen.as_curl() and parsed.rest == ""
    (block,) = split_transcript(seen.render())
    assert block.raw == parsed.exchange.raw


def test_a_blocked_check_keeps_its_qualifier_apart_from_its_title() -> None:
    """``Blocked by a failed precondition: RFC …: title``: the card tags it, the title is bare."""
    error = ConformanceFailure("Set-up failed: no user", requirements=["P-3.3-04"])
    check = failed("test_a.py::test_b", outcome="error")
    check.failure = f"Blocked by a failed precondition: {error}"
    parsed = parse_failure(check.failure)
    assert (parsed.qualifier, parsed.title) == (
        "Blocked by a failed precondition",
        "Set-up failed: no user",
    )
    card = cards(render_html(recorder(check)))[0]
    assert "<span class='tag t-error'>Blocked by a failed precondition</span>" in card
    assert "<span class='tag t-error'>error in set-up or teardown</span>" in card


class _Tags(HTMLParser):
    """Open elements, mismatched end tags, ids and in-page links of a document."""

    VOID = frozenset({"meta", "br", "input", "img", "hr", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.mismatched: list[str] = []
        self.ids: list[str] = []
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.ids += [found["id"] or ""] if "id" in found else []
        if (found.get("href") or "").startswith("#"):
            self.links.add(str(found["href"])[1:])
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.mismatched.append(tag)


@pytest.mark.parametrize("many", [False, True], ids=["mixed", "fifty-of-one-cause"])
def test_the_markup_is_balanced_and_every_link_resolves(many: bool) -> None:
    """Every element closes where it opened, ids are unique, every ``#link`` has a target."""
    run = mixed_run()
    if many:
        run = recorder(*(failed(f"test_errors.py::test_n[{i}]") for i in range(50)))
    tags = _Tags()
    tags.feed(render_html(run))
    assert tags.open == [] and tags.mismatched == []
    assert len(tags.ids) == len(set(tags.ids))
    assert tags.links and tags.links <= set(tags.ids)


@pytest.fixture(scope="module")
def defect_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object]]:
    """The whole suite against the in-process mock under error-status-integer."""
    out = tmp_path_factory.mktemp("report")
    result = run_cli(
        out, "--mock", "--html", "run.html", "--json", "run.json", "--",
        "--scim-mock-transport", "wsgi", "--scim-mock-fault", "error-status-integer",
        "-p", "no:randomly",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    page = (out / "run.html").read_text(encoding="utf-8")
    return page, json.loads((out / "run.json").read_text(encoding="utf-8"))


def test_a_real_run_under_a_defect_stays_small(defect_run: tuple[str, dict[str, object]]) -> None:
    """One bug failing dozens of checks: every failure on the page, in a fraction of the
    1.5 MB the report took when it repeated every exchange and curl line in full."""
    page, document = defect_run
    checks = document["checks"]
    assert isinstance(checks, list)
    failures = [c for c in checks if c["outcome"] in ("failed", "error")]
    assert len(failures) > 30
    assert len(cards(page)) == len(failures)
    assert len(page.encode()) < 300_000, len(page.encode())
    assert "<span class='ct'>The error body&#x27;s status is not a string</span>" in page
