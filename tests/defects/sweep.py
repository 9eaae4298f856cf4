"""The sweep: the whole conformance suite once per defect, measuring each defect's blast radius.

``tox -e sweep`` (or ``python -m tests.defects.sweep --jobs 2 --write``) runs every check
against the in-process mock with one defect on, for every defect of scim_defects, and records
every check that fails (blast_radius.json). Where matrix.json promises that a defect fails some
checks, the sweep shows what else it fails; the matrix test checks the two files agree. Not part
of ``.ci/run``: it takes about 19 minutes on two cores.

Without ``--write`` the sweep compares its measurement with the committed file and exits 1 when
they differ (a changed blast radius is a change to review).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.defects.matrix_plugin import load
from tests.defects.suite import PROFILES, outcomes, root_causes, run_pytest

BLAST_RADIUS = Path(__file__).with_name("blast_radius.json")
ESCALATE = ["-W", "error::scim_tests.DeprovisioningWarning"]
RUN_TIMEOUT = 600
DESCRIPTION = (
    "The blast radius of each defect of scim_defects: every conformance check that fails with "
    "the defect on (whole suite, in-process mock), measured by `tox -e sweep`. "
    "fails_when_warnings_are_errors: the same under -W error::scim_tests.DeprovisioningWarning, "
    "for defects whose matrix row needs it. root_causes: the failures grouped as the report "
    "groups them (violated requirement and shape), with counts. Generated; do not edit by hand."
)


def failing(defect: str, extra: list[str]) -> tuple[list[str], dict[str, int]]:
    """The checks that fail with ``defect`` on (sorted), and their root causes with counts."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        run = run_pytest(
            ["--scim-mock-fault", defect, *PROFILES, f"--junitxml={junit}", *extra],
            cwd=Path(tmp),
            timeout=RUN_TIMEOUT,
        )
        if not junit.exists():
            raise RuntimeError(f"{defect}: the suite produced no report\n{run.output}")
        return sorted(outcomes(junit).failed), root_causes(junit)


def measure(defect: str, escalated: bool) -> dict[str, Any]:
    """The blast radius of one defect."""
    fails, causes = failing(defect, [])
    row: dict[str, Any] = {"fails": fails, "root_causes": causes}
    if escalated:
        row["fails_when_warnings_are_errors"] = failing(defect, ESCALATE)[0]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="suite runs at once (default 2)")
    parser.add_argument("--write", action="store_true", help="write blast_radius.json")
    parser.add_argument("defects", nargs="*", help="only these defects (default: all)")
    args = parser.parse_args(argv)
    from scim_defects import DEFECTS

    fails, escalated = load()
    names = args.defects or sorted(DEFECTS)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = dict(zip(names, pool.map(lambda n: measure(n, n in escalated), names), strict=True))
    elapsed = time.monotonic() - started
    previous = {}
    if BLAST_RADIUS.exists():
        previous = json.loads(BLAST_RADIUS.read_text(encoding="utf-8"))["defects"]
    merged = {**previous, **rows} if args.defects else rows
    for name in names:
        promised = fails.get(name, set())
        measured = set(rows[name]["fails"])
        missing = sorted(promised - measured)
        print(
            f"{name}: {len(measured)} checks fail ({len(promised)} in the matrix, "
            f"{len(measured - promised)} more)" + (f"; NOT FAILING: {missing}" if missing else "")
        )
    pairs = sum(len(r["fails"]) for r in rows.values())
    print(f"sweep: {len(names)} defects, {pairs} failing checks in all, {elapsed:.0f} s")
    spread = {n: len(r["root_causes"]) for n, r in rows.items() if len(r["root_causes"]) > 1}
    print(
        f"root causes: {len(names) - len(spread)} defects read as one root cause (or none), "
        f"{len(spread)} as several: "
        + ", ".join(f"{n} ({k})" for n, k in sorted(spread.items(), key=lambda i: -i[1]))
    )
    if args.write:
        body = {"description": DESCRIPTION, "defects": dict(sorted(merged.items()))}
        BLAST_RADIUS.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {BLAST_RADIUS}")
        return 0
    changed = sorted(n for n in names if previous.get(n) != rows[n])
    if changed:
        print(f"blast radius changed for: {', '.join(changed)} (re-run with --write)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
