"""Which mutants the mutation bench runs: cosmic-ray's enumeration, filtered and sampled.

cosmic-ray (``cosmic_ray.commands.init``) enumerates every mutation its core operators can make
in a module and stores them as work items in a session database (SQLite). This module keeps
the items of the mock's domain and HTTP modules, drops the ones that cannot change behaviour
by construction, and draws the seeded sample; ``mutation.py`` runs it.
"""

from __future__ import annotations

import ast
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

from cosmic_ray.commands.init import init as cr_init  # type: ignore[import-untyped]
from cosmic_ray.mutating import mutate_code  # type: ignore[import-untyped]
from cosmic_ray.plugins import get_operator  # type: ignore[import-untyped]
from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
from cosmic_ray.work_item import WorkerOutcome, WorkResult  # type: ignore[import-untyped]

#: The mock's domain and HTTP layers (ARCHITECTURE.md), relative to the project root. Left
#: out: the app layer (config, extensions, app, server, __main__), which only wires things,
#: and two HTTP modules that serve no SCIM endpoint: ``transport`` (latency/429/5xx faults for
#: client authors, off unless configured) and ``views/control`` (the mock's /_mock API). A
#: conformance suite has nothing to say about either, so their mutants would only dilute the
#: figure.
MODULES = (
    "scim_mock/errors.py",
    "scim_mock/schema.py",
    "scim_mock/paths.py",
    "scim_mock/values.py",
    "scim_mock/filters.py",
    "scim_mock/filter_lexer.py",
    "scim_mock/filter_parser.py",
    "scim_mock/validation.py",
    "scim_mock/patch.py",
    "scim_mock/patch_targets.py",
    "scim_mock/store.py",
    "scim_mock/listing.py",
    "scim_mock/projection.py",
    "scim_mock/messages.py",
    "scim_mock/memberships.py",
    "scim_mock/query.py",
    "scim_mock/seams.py",
    "scim_mock/operations.py",
    "scim_mock/provider.py",
    "scim_mock/bulk.py",
    "scim_mock/http.py",
    "scim_mock/handlers.py",
    "scim_mock/views/resources.py",
    "scim_mock/views/discovery.py",
    "scim_mock/views/bulk.py",
)


@dataclass(frozen=True)
class Mutant:
    """One cosmic-ray work item: a single mutation of one module."""

    job_id: str
    module: str
    operator: str
    occurrence: int
    line: int
    column: int

    @property
    def key(self) -> str:
        """Stable name across sessions (while the module's source is unchanged)."""
        return f"{self.module}:{self.operator}:{self.occurrence}"


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions, as (line, column), of every annotation in ``source``.

    Every mock module starts with ``from __future__ import annotations``, so annotations are
    never evaluated: cosmic-ray's ``X | None`` -> ``X - None`` mutants there are equivalent by
    construction and are not worth a test run.
    """
    spans = []
    for node in ast.walk(ast.parse(source)):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None and annotation.end_lineno is not None:
                start = (annotation.lineno, annotation.col_offset)
                end = (annotation.end_lineno, annotation.end_col_offset or 0)
                spans.append((start, end))
    return spans


def _in_annotation(
    position: tuple[int, int], spans: list[tuple[tuple[int, int], tuple[int, int]]]
) -> bool:
    return any(start <= position < end for start, end in spans)


def enumerate_mutants(tree: Path, session: Path, modules: tuple[str, ...]) -> list[Mutant]:
    """Create the cosmic-ray session for ``modules`` of ``tree``; return the useful mutants.

    Mutants inside annotations are marked skipped in the session (see ``_annotation_spans``).
    """
    with use_db(str(session), WorkDB.Mode.create) as db:
        cr_init([tree / module for module in modules], db, {})
        spans = {
            module: _annotation_spans((tree / module).read_text(encoding="utf-8"))
            for module in modules
        }
        mutants = []
        in_annotations = []
        for item in db.pending_work_items:
            (spec,) = item.mutations
            module = Path(spec.module_path).relative_to(tree).as_posix()
            line, column = spec.start_pos
            if _in_annotation((line, column), spans[module]):
                in_annotations.append(item.job_id)
                continue
            mutants.append(
                Mutant(item.job_id, module, spec.operator_name, spec.occurrence, line, column)
            )
        db.set_multiple_results(
            in_annotations, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="annotation")
        )
    return sorted(mutants, key=lambda m: (m.module, m.operator, m.occurrence))


def compiles(tree: Path, mutant: Mutant) -> bool:
    """Whether the mutated module is valid Python.

    cosmic-ray also rewrites the bare ``*`` of keyword-only parameters (``def f(a, *, b)``),
    which yields a syntax error: such a mutant says nothing about the tests, so it is redrawn
    (as are the few it enumerates but cannot apply).
    """
    source = (tree / mutant.module).read_text(encoding="utf-8")
    try:
        mutated = mutate_code(source, get_operator(mutant.operator)(), mutant.occurrence)
    except AttributeError:
        # cosmic-ray 8.7's ExceptionReplacer enumerates dotted names inside an
        # ``except (a.B, C)`` tuple that it then cannot rewrite; such a mutant cannot be made.
        return False
    if mutated is None:
        return False
    try:
        with warnings.catch_warnings():
            # ``x is "literal"`` mutants compile with a SyntaxWarning; they are real mutants.
            warnings.simplefilter("ignore", SyntaxWarning)
            compile(mutated, mutant.module, "exec")
    except SyntaxError:
        return False
    return True


def draw_sample(tree: Path, mutants: list[Mutant], size: int, seed: int) -> list[Mutant]:
    """A seeded uniform sample of ``size`` mutants that compile (fewer if there are not enough).

    The candidates are shuffled with ``seed`` and taken in that order, skipping the ones that
    do not compile, so the same seed and source always give the same sample.
    """
    order = list(mutants)
    random.Random(seed).shuffle(order)
    chosen: list[Mutant] = []
    for mutant in order:
        if len(chosen) == size:
            break
        if compiles(tree, mutant):
            chosen.append(mutant)
    return sorted(chosen, key=lambda m: (m.module, m.operator, m.occurrence))


def skip_unsampled(session: Path, mutants: list[Mutant], sample: list[Mutant]) -> None:
    """Mark the mutants outside the sample skipped, so ``cr-report`` shows only the sample."""
    chosen = {m.job_id for m in sample}
    rest = [m.job_id for m in mutants if m.job_id not in chosen]
    with use_db(str(session), WorkDB.Mode.open) as db:
        db.set_multiple_results(
            rest, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="not sampled")
        )
