"""The requirement catalog (RFC 7643/7644 rows with stable ids) and coverage figures.

The catalog ships with the package (``fixtures/catalog/requirements.tsv``); checks cite its ids
through :func:`scim_tests.markers.requirement`. Two coverage figures are computed over the
testable MUST-class rows: *cited*, the rows at least one check cites, and *proven*, the rows for
which a check that cites the row is shown to fail under a deliberate defect of the mock that
violates it (``fixtures/catalog/proofs.json``, generated from the defect matrix by
``python -m tests.defects.proofs --write``). A citation is a claim; a proof is evidence.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from scim_tests.datadir import fixtures_dir

MUST_CLASS = frozenset({"MUST", "MUST NOT", "REQUIRED"})
#: The report's title for the proven figure (a citation is a claim, a proof is evidence).
PROVEN_TITLE = (
    "Proven coverage (testable MUST-class rows whose citing check fails under a defect "
    "violating them)"
)
SHOULD_CLASS = frozenset({"SHOULD", "SHOULD NOT"})
LEVELS = ("MUST", "MUST NOT", "REQUIRED", "SHOULD", "SHOULD NOT", "MAY")


@dataclass(frozen=True)
class Requirement:
    """One catalog row."""

    id: str
    rfc: int
    section: str
    level: str
    category: str
    testable: str
    summary: str
    how_to_check: str

    @property
    def must_class(self) -> bool:
        """MUST, MUST NOT or REQUIRED."""
        return self.level in MUST_CLASS

    @property
    def grade(self) -> str:
        """The verdict class a violation falls in: MUST, SHOULD or MAY."""
        if self.level in MUST_CLASS:
            return "MUST"
        if self.level in SHOULD_CLASS:
            return "SHOULD"
        return "MAY"


@cache
def catalog() -> dict[str, Requirement]:
    """Every requirement by id."""
    path = fixtures_dir() / "catalog" / "requirements.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader if row]
    return {
        row["id"]: Requirement(
            id=row["id"],
            rfc=int(row["rfc"].split()[-1]),
            section=row["section"],
            level=row["level"],
            category=row["category"],
            testable=row["testable"],
            summary=row["summary"],
            how_to_check=row["how_to_check"],
        )
        for row in rows
    }


@dataclass(frozen=True)
class Coverage:
    """How many rows of a class the cited ids cover."""

    cited: int
    total: int
    missing: tuple[str, ...]

    @property
    def percent(self) -> float:
        """Cited share in percent."""
        return 100.0 * self.cited / self.total if self.total else 100.0

    def __str__(self) -> str:
        return f"{self.cited}/{self.total} ({self.percent:.1f}%)"


def coverage(cited_ids: Iterable[str], testable: tuple[str, ...] = ("yes",)) -> Coverage:
    """Coverage of the MUST-class rows whose ``testable`` is in ``testable``."""
    cited = set(cited_ids)
    rows = [r for r in catalog().values() if r.must_class and r.testable in testable]
    missing = tuple(sorted(r.id for r in rows if r.id not in cited))
    return Coverage(len(rows) - len(missing), len(rows), missing)


#: (check, defect): a check citing the row fails under a defect that declares it violated.
Proof = tuple[str, str]


@cache
def proofs() -> dict[str, tuple[Proof, ...]] | None:
    """Row id -> the (check, defect) pairs proving it; None if the proofs file is not shipped."""
    path = fixtures_dir() / "catalog" / "proofs.json"
    if not path.is_file():
        return None
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return {row: tuple((str(c), str(d)) for c, d in pairs) for row, pairs in rows.items()}


def proven_coverage(
    cited_ids: Iterable[str], testable: tuple[str, ...] = ("yes",)
) -> Coverage | None:
    """Coverage of the MUST-class rows that are both cited and proven (None without proofs).

    ``missing`` lists every row of the class that is not proven, cited or not.
    """
    known = proofs()
    if known is None:
        return None
    cited = set(cited_ids)
    return coverage(cited & set(known), testable)


def unproven(cited_ids: Iterable[str], testable: tuple[str, ...] = ("yes",)) -> tuple[str, ...]:
    """MUST-class rows that checks cite but no defect proves (the rows to audit first)."""
    known = proofs() or {}
    cited = set(cited_ids)
    rows = catalog().values()
    return tuple(
        sorted(
            r.id
            for r in rows
            if r.must_class and r.testable in testable and r.id in cited and r.id not in known
        )
    )


def proven_pair(cited_ids: Iterable[str]) -> tuple[Coverage, Coverage] | None:
    """Proven coverage of the testable rows, then of those plus the partially testable ones."""
    cited = set(cited_ids)
    strict, partial = proven_coverage(cited), proven_coverage(cited, ("yes", "partial"))
    return None if strict is None or partial is None else (strict, partial)


def proven_json(cited_ids: Iterable[str]) -> dict[str, Any] | None:
    """The proven figures as JSON: ``proven`` counts rows, ``unproven`` lists every row of the
    class without a proof, ``cited_unproven`` those of them a check cites (None without proofs).
    """
    cited = set(cited_ids)
    figures = proven_pair(cited)
    if figures is None:
        return None

    def figure(value: Coverage) -> dict[str, Any]:
        return {"proven": value.cited, "total": value.total, "percent": round(value.percent, 1),
                "unproven": list(value.missing)}  # fmt: skip

    return {"must": figure(figures[0]), "must_incl_partial": figure(figures[1]),
            "cited_unproven": list(unproven(cited))}  # fmt: skip
