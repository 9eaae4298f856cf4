"""Mutation testing of the mock with the conformance suite as the test.

Usage: ``python bench/mutation.py [--sample 200] [--seed 1] [--jobs 2] [--timeout S]
[--workdir /tmp/mutation-tree] [--rerun RESULTS.json] [--only KEY ...] [--list]``

cosmic-ray (8.x) enumerates the mutants of the mock's domain and HTTP modules
(``mutation_plan.MODULES``) into a session database and applies each one; this driver draws a
seeded sample, runs the conformance suite against the in-process mock once per mutant and
prints killed / survived / timed out, overall and per module. It never touches the project's
own files: the tree is copied to ``--workdir`` (which must lie outside the project), one copy
per job, and each mutant is written into its job's copy and restored after its run.

The test for a mutant is the suite as a user runs it against the bundled mock, made fast and
repeatable: in-process transport, ``-x`` (the first failing check kills the mutant), fixed
order (``-p no:randomly``), a fixed run id, no hash randomisation. Hypothesis examples are
derandomized by the plugin's profile. A run longer than ``--timeout`` (default: five times the
unmutated suite's time, at least 60 s) is killed with its process group and counted as timed
out, so a mutant that loops forever costs one timeout.

Results are written, as the run goes, to ``<workdir>/results.json`` (outcome, seconds, the
first failing check and the diff of every mutant) and into the cosmic-ray session
(``<workdir>/session.sqlite``, readable with ``cr-report``). ``--rerun`` re-runs the mutants a
previous results file lists as survived, against the current checks.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from queue import Queue
from typing import Any

from cosmic_ray.mutating import mutate_code, use_mutation  # type: ignore[import-untyped]
from cosmic_ray.plugins import get_operator  # type: ignore[import-untyped]
from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult  # type: ignore[import-untyped]
from mutation_plan import MODULES, Mutant, draw_sample, enumerate_mutants, skip_unsampled

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = "mutation"
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".*_cache", ".hypothesis", "*.egg-info", "build", "dist"
)
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
#: Suites under way, so that an interrupted run leaves no orphan (each runs in its own group).
_RUNNING: set[subprocess.Popen[bytes]] = set()


def suite_command() -> list[str]:
    """The conformance suite against the in-process mock, stopping at the first failure."""
    return [
        sys.executable, "-m", "pytest", "--pyargs", "scim_tests.checks",
        "--scim-mock", "--scim-mock-transport", "wsgi", "--scim-run-id", RUN_ID,
        "-p", "no:randomly", "-p", "no:cacheprovider", "-x", "-q",
    ]  # fmt: skip


def run_suite(tree: Path, timeout: float) -> tuple[str, float, str]:
    """Run the suite in ``tree``; returns (outcome, seconds, output).

    ``python -m`` puts the working directory first on ``sys.path``, so the copy's packages
    shadow the editable install of the project. No bytecode is written: a mutant and the
    original can share a size and a modification second, which would let a stale .pyc win.
    """
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    started = time.perf_counter()
    process = subprocess.Popen(
        suite_command(),
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "timed out", time.perf_counter() - started, ""
    finally:
        _RUNNING.discard(process)
    seconds = time.perf_counter() - started
    text = output.decode("utf-8", "replace")
    return ("survived" if process.returncode == 0 else "killed"), seconds, text


def copy_tree(workdir: Path, jobs: int) -> list[Path]:
    """Fresh copies of the project under ``workdir``: ``base`` to enumerate, one per job."""
    workdir = workdir.resolve()
    if workdir == ROOT or ROOT in workdir.parents:
        raise SystemExit(f"--workdir {workdir} lies inside the project; mutants go to a copy")
    trees = [workdir / "base", *(workdir / f"job{n}" for n in range(jobs))]
    for tree in trees:
        if tree.exists():
            shutil.rmtree(tree)
        shutil.copytree(ROOT, tree, ignore=IGNORED)
    return trees


def _diff(module: str, original: str, mutated: str) -> str:
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            mutated.splitlines(keepends=True),
            f"a/{module}",
            f"b/{module}",
            n=1,
        )
    )


def mutant_diff(tree: Path, mutant: Mutant) -> tuple[bool, str]:
    """(whether it applies, its diff) for ``mutant`` in ``tree``, without touching the file."""
    source = (tree / mutant.module).read_text(encoding="utf-8")
    try:
        mutated = mutate_code(source, get_operator(mutant.operator)(), mutant.occurrence)
    except AttributeError:
        return False, ""
    return mutated is not None, _diff(mutant.module, source, mutated or source)


def run_mutant(mutant: Mutant, tree: Path, timeout: float) -> dict[str, Any]:
    """Apply ``mutant`` in ``tree``, run the suite, restore the module; return its record."""
    path = tree / mutant.module
    operator = get_operator(mutant.operator)()
    with use_mutation(path, operator, mutant.occurrence) as (original, mutated):
        if mutated is None:
            return {"outcome": "no mutation", "seconds": 0.0, "diff": "", "killer": None}
        outcome, seconds, output = run_suite(tree, timeout)
    diff = _diff(mutant.module, original, mutated)
    failed = _FAILED.search(output)
    killer = failed.group(1) if failed else None
    if outcome == "killed" and killer is None:
        killer = output.strip().splitlines()[-1] if output.strip() else "(no output)"
    return {"outcome": outcome, "seconds": round(seconds, 2), "diff": diff, "killer": killer}


def record(session: Path, mutant: Mutant, result: dict[str, Any]) -> None:
    """Store a result in the cosmic-ray session (a timeout is 'killed' there, output 'timeout')."""
    outcome = TestOutcome.SURVIVED if result["outcome"] == "survived" else TestOutcome.KILLED
    output = "timeout" if result["outcome"] == "timed out" else str(result["killer"] or "")
    with use_db(str(session), WorkDB.Mode.open) as db:
        db.set_result(
            mutant.job_id,
            WorkResult(
                output=output,
                diff=result["diff"],
                test_outcome=outcome,
                worker_outcome=WorkerOutcome.NORMAL,
            ),
        )


def summary(results: dict[str, dict[str, Any]]) -> str:
    """Killed / survived / timed out, overall and per module, as printable text."""
    per_module: dict[str, Counter[str]] = {}
    for item in results.values():
        per_module.setdefault(item["module"], Counter())[item["outcome"]] += 1
    rows = [f"{'module':32} {'mutants':>7} {'killed':>6} {'survived':>8} {'timed out':>9}"]
    total: Counter[str] = Counter()
    for module in sorted(per_module):
        counts = per_module[module]
        total.update(counts)
        rows.append(
            f"{module:32} {sum(counts.values()):7} {counts['killed']:6} "
            f"{counts['survived']:8} {counts['timed out']:9}"
        )
    n = sum(total.values())
    rows.append(
        f"{'total':32} {n:7} {total['killed']:6} {total['survived']:8} {total['timed out']:9}"
    )
    score = (total["killed"] + total["timed out"]) / n if n else 0.0
    rows.append(
        f"killed {total['killed']}, survived {total['survived']}, "
        f"timed out {total['timed out']} of {n} mutants (mutation score {score:.1%})"
    )
    return "\n".join(rows)


def _changed_lines(diff: str) -> list[str]:
    """The removed and added lines of a diff, without positions (which edits elsewhere shift)."""
    return [
        line.strip()
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def _find_again(base: Path, mutants: list[Mutant], key: str, diff: str) -> Mutant:
    """The mutant making the same change as ``diff`` (recorded as ``key``) in today's source.

    An occurrence number counts the operator's sites from the top of the module, so an edit
    above the site renumbers it: the same module and operator are searched for the same change.
    """
    module, operator, _ = key.rsplit(":", 2)
    wanted = _changed_lines(diff)
    for mutant in sorted(mutants, key=lambda m: m.key != key):
        if mutant.module == module and mutant.operator == operator:
            _, found = mutant_diff(base, mutant)
            if _changed_lines(found) == wanted:
                return mutant
    raise SystemExit(f"{key}: that change cannot be made in today's source")


def choose(args: argparse.Namespace, mutants: list[Mutant]) -> list[Mutant]:
    """The mutants to run: ``--only`` keys, ``--rerun`` survivors, or the seeded sample."""
    base = args.workdir.resolve() / "base"
    by_key = {m.key: m for m in mutants}
    missing = [key for key in args.only or [] if key not in by_key]
    if missing:
        raise SystemExit(f"unknown mutants: {missing}")
    chosen = [by_key[key] for key in args.only or []]
    if args.rerun:
        previous = json.loads(Path(args.rerun).read_text(encoding="utf-8"))["mutants"]
        chosen += [
            _find_again(base, mutants, key, item["diff"])
            for key, item in previous.items()
            if item["outcome"] == "survived"
        ]
    if chosen:
        return list(dict.fromkeys(chosen))
    return draw_sample(base, mutants, args.sample, args.seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=200, help="mutants to draw (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="suites run at once (default 2)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: auto)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mutation-tree"))
    parser.add_argument("--rerun", help="re-run the survivors listed in this results file")
    parser.add_argument("--only", action="append", help="run this mutant key (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the chosen mutants and stop")
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= 8 or args.sample < 1:
        parser.error("--jobs must be 1..8 and --sample positive")

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        return run(args)
    finally:
        for process in list(_RUNNING):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def run(args: argparse.Namespace) -> int:
    """Copy, enumerate, choose, run and summarise (see the module docstring)."""
    started = time.perf_counter()
    base, *trees = copy_tree(args.workdir, args.jobs)
    session = args.workdir.resolve() / "session.sqlite"
    session.unlink(missing_ok=True)
    mutants = enumerate_mutants(base, session, MODULES)
    chosen = choose(args, mutants)
    skip_unsampled(session, mutants, chosen)
    print(f"{len(mutants)} mutants in {len(MODULES)} modules; running {len(chosen)}", flush=True)
    if args.list:
        for mutant in chosen:
            print(f"{mutant.key}  line {mutant.line}")
        return 0

    with ThreadPoolExecutor(len(trees)) as pool:
        baselines = list(pool.map(lambda tree: run_suite(tree, 600), trees))
    if any(outcome != "survived" for outcome, _, _ in baselines):
        print(next(out for outcome, _, out in baselines if outcome != "survived")[-3000:])
        raise SystemExit("the unmutated suite does not pass; no mutant was run")
    slowest = max(seconds for _, seconds, _ in baselines)
    timeout = args.timeout or max(60.0, 5 * slowest)
    print(f"unmutated suite: {slowest:.1f}s; timeout per mutant {timeout:.0f}s", flush=True)

    free: Queue[Path] = Queue()
    for tree in trees:
        free.put(tree)

    def job(mutant: Mutant) -> dict[str, Any]:
        tree = free.get()
        try:
            return run_mutant(mutant, tree, timeout)
        finally:
            free.put(tree)

    out = args.workdir.resolve() / "results.json"
    results: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    pool = ThreadPoolExecutor(len(trees))
    try:
        futures = {pool.submit(job, mutant): mutant for mutant in chosen}
        for done, future in enumerate(as_completed(futures), 1):
            mutant = futures[future]
            result = future.result()
            with lock:
                record(session, mutant, result)
                results[mutant.key] = {"module": mutant.module, "line": mutant.line, **result}
                meta = {"seed": args.seed, "sample": len(chosen), "timeout": timeout}
                out.write_text(json.dumps({"run": meta, "mutants": results}, indent=1))
            print(
                f"[{done}/{len(chosen)}] {result['outcome']:9} {result['seconds']:6.1f}s "
                f"{mutant.key} line {mutant.line}  {result['killer'] or ''}",
                flush=True,
            )
    finally:
        # On an interrupt, queued mutants are dropped; main() kills the suites under way.
        pool.shutdown(wait=False, cancel_futures=True)
    print(summary(results))
    print(f"wall time {time.perf_counter() - started:.0f}s with {args.jobs} jobs; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
