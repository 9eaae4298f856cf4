"""The requirement catalog (RFC 7643/7644 rows with stable ids) and coverage figures.

The catalog ships with the package (``fixtures/catalog/requirements.tsv``); checks cite its ids
through :func:`scim_tests.markers.requirement`. Coverage is the share of testable MUST-class
rows cited by at least one check.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from scim_tests.datadir import fixtures_dir

MUST_CLASS = frozenset({"MUST", "MUST NOT", "REQUIRED"})
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
