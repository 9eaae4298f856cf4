"""fixtures/catalog/proofs.json (the report's proven coverage) agrees with the defect matrix.

A row is proven when a (defect, check) pair of matrix.json has the row among the defect's declared
requirements and among the check's citations (tests/defects/proofs.py). The file is generated;
these tests fail when it is stale, so that the report never claims a proof the matrix lost.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from scim_tests.catalog import catalog, coverage, proofs, proven_coverage, unproven
from tests.defects.matrix_plugin import load
from tests.defects.proofs import PROOFS, ROOT, compute, render

#: Collecting the suite takes a few seconds; generous for a loaded 2-core machine.
TIMEOUT = 300


def test_proofs_file_is_up_to_date() -> None:
    """Regenerating the proofs from matrix.json and the suite's citations changes nothing."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    run = subprocess.run(
        [sys.executable, "-m", "tests.defects.proofs"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]


def test_every_proof_is_a_pair_of_the_matrix_for_a_known_row() -> None:
    """Each stored (check, defect) is a ``fails`` pair of matrix.json, for a row of the catalog."""
    fails, _ = load()
    stored = json.loads(PROOFS.read_text(encoding="utf-8"))["rows"]
    rows = catalog()
    for row, pairs in stored.items():
        assert row in rows, row
        assert pairs, row
        for check, defect in pairs:
            assert check in fails.get(defect, set()), f"{row}: {defect} x {check}"


def test_a_row_needs_the_defect_and_the_check_to_name_it() -> None:
    """A pair proves only the rows both its defect declares and its check cites."""
    fails = {"d1": {"test_a", "test_b"}, "d2": {"test_b"}}
    cited = {"test_a": ("R-1", "R-2"), "test_b": ("R-3",), "test_c": ("R-4",)}
    declared = {"d1": ("R-1", "R-3", "R-4"), "d2": ("R-2",)}
    assert compute(fails, cited, declared) == {
        "R-1": [["test_a", "d1"]],
        "R-3": [["test_b", "d1"]],
    }
    assert json.loads(render(compute(fails, cited, declared)))["rows"]["R-1"] == [["test_a", "d1"]]


def test_proven_coverage_counts_only_cited_and_proven_rows() -> None:
    """The proven figure never exceeds the cited one; the unproven rows are the difference."""
    everything = set(catalog())
    cited = coverage(everything)
    proven = proven_coverage(everything)
    assert proofs() is not None and proven is not None
    assert proven.total == cited.total and proven.cited <= cited.cited
    assert set(unproven(everything)) == set(proven.missing) - set(cited.missing)
    nothing = proven_coverage(set())
    assert nothing is not None and nothing.cited == 0


def _proven(testable: tuple[str, ...]) -> tuple[int, int]:
    """(proven rows, rows) of the MUST class; every stored proof row is cited by construction."""
    stored = json.loads(PROOFS.read_text(encoding="utf-8"))["rows"]
    rows = [r for r in catalog().values() if r.must_class and r.testable in testable]
    return sum(r.id in stored for r in rows), len(rows)


def test_readme_states_the_proven_figure() -> None:
    """The README's proven coverage is the one proofs.json gives (it is not edited by hand)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    found = re.search(r"(\d+) of (\d+) rows are proven \((\d+\.\d)%; (\d+) of (\d+) with", text)
    assert found, "README.md no longer states the proven coverage"
    strict, partial = _proven(("yes",)), _proven(("yes", "partial"))
    assert (int(found[1]), int(found[2])) == strict
    assert found[3] == f"{100 * strict[0] / strict[1]:.1f}"
    assert (int(found[4]), int(found[5])) == partial
