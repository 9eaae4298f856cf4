"""The defect matrix: every conformance check fails under the defects matrix.json names for it.

The pairs are proven in pytest sessions of the suite against the in-process mock (one session per
shard, so that xdist spreads them over the cores; ``pytest --pyargs scim_tests.checks --scim-mock
--scim-mock-transport wsgi -p tests.defects.matrix_plugin`` proves them all in one). A pair holds
when the check reports a ConformanceFailure under its defect; a check that passes, skips or
crashes under it fails the matrix. The table itself is checked against the defect registry, the
strict suite and the blast radius the sweep measured (blast_radius.json, ``tox -e sweep``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scim_defects import DEFECTS
from tests.defects.matrix_plugin import MATRIX, load
from tests.defects.suite import PROFILES, outcomes, run_pytest

SHARDS = 4
#: Generous bound for one shard on a loaded 2-core machine (a shard takes about a minute).
SHARD_TIMEOUT = 900
BLAST_RADIUS = Path(__file__).with_name("blast_radius.json")
FAILS, ESCALATED = load()


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_pair_of_the_matrix_holds(tmp_path: Path, shard: int) -> None:
    """Each (defect, check) pair of the shard: the check fails with a ConformanceFailure."""
    report = tmp_path / "matrix.json"
    run = run_pytest(
        ["-p", "tests.defects.matrix_plugin", *PROFILES, f"--matrix-shard={shard}/{SHARDS}",
         f"--matrix-report={report}"],
        cwd=tmp_path,
        timeout=SHARD_TIMEOUT,
    )  # fmt: skip
    assert report.exists(), run.output
    result = json.loads(report.read_text())
    assert result["missing"] == [], run.output
    escaped = {
        f"{defect}: {check}: {verdict}"
        for defect, checks in result["verdicts"].items()
        for check, verdict in checks.items()
        if verdict != "detected"
    }
    assert not escaped, "\n".join(sorted(escaped)) + "\n\n" + run.output[-20000:]
    proven = sum(len(checks) for checks in result["verdicts"].values())
    names = sorted(set(FAILS) | set(ESCALATED))
    mine = {n for i, n in enumerate(names) if i % SHARDS == shard}
    expected = len({(n, c) for n in mine for c in FAILS.get(n, set()) | ESCALATED.get(n, set())})
    assert proven == expected
    assert run.returncode == 0, run.output


def test_every_defect_has_a_row_and_every_row_a_defect() -> None:
    """The table and the registry of scim_defects name the same defects, each with a check."""
    assert set(FAILS) == set(DEFECTS)
    empty = [n for n in FAILS if not FAILS[n] and not ESCALATED.get(n)]
    assert empty == []


def test_every_check_fails_under_some_defect(tmp_path: Path) -> None:
    """Every check that runs against the strict mock is named by at least one row.

    Checks that skip against the strict mock (a feature or attribute it does not have) cannot
    be proven against it, and are listed by the strict run's skip reasons instead.
    """
    junit = tmp_path / "strict.xml"
    run = run_pytest([*PROFILES, f"--junitxml={junit}"], cwd=tmp_path, timeout=SHARD_TIMEOUT)
    assert run.returncode == 0, run.output
    strict = outcomes(junit)
    assert strict.failed == set(), run.output
    proven = set().union(*FAILS.values(), *ESCALATED.values())
    assert sorted(strict.passed - proven) == []
    # The table names only checks that exist (some skip against the strict mock and run only
    # under the defect that provokes them, e.g. a feature advertised but not implemented).
    assert sorted(proven - strict.passed - strict.skipped) == []


def test_the_sweep_measured_every_pair_of_the_table() -> None:
    """blast_radius.json (written by ``tox -e sweep``) agrees with the table.

    The sweep runs the whole suite once per defect and records every check that fails. Each pair
    of the table must be in it (a pair the sweep did not see fail means the file is stale or the
    table is wrong), and it covers exactly the registered defects.
    """
    blast = json.loads(BLAST_RADIUS.read_text(encoding="utf-8"))["defects"]
    assert set(blast) == set(DEFECTS), "re-run `tox -e sweep`: the defects changed"
    unmeasured = {
        f"{name}: {check}"
        for name, checks in FAILS.items()
        for check in checks - set(blast[name]["fails"])
    }
    assert not unmeasured, "\n".join(sorted(unmeasured))
    escalation = {
        f"{name}: {check}"
        for name, checks in ESCALATED.items()
        for check in checks - set(blast[name].get("fails_when_warnings_are_errors", []))
    }
    assert not escalation, "\n".join(sorted(escalation))


def test_matrix_file_is_sorted_and_canonical() -> None:
    """matrix.json is kept sorted, so that a change to it is a readable diff."""
    text = MATRIX.read_text(encoding="utf-8")
    data = json.loads(text)
    rows = data["defects"]
    assert list(rows) == sorted(rows)
    for row in rows.values():
        for checks in row.values():
            assert checks == sorted(set(checks))
    assert text == json.dumps(data, indent=2) + "\n"
