"""Data-driven cases: ``fixtures/<family>/*.json`` files turned into ``pytest.param`` objects.

A case file is a JSON array of groups in the JSON-Schema-Test-Suite shape: each group has a
``description``, the catalog requirements it verifies (``spec``), optional ``feature`` (an
optional SCIM feature the cases need), optional family-specific set-up, and ``tests``. Every file
is validated against ``schemas/meta/<family>.schema.json`` before use; the requirement ids
become ``scim_requirement`` marks, so ``-m`` selects data cases like any other check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scim_tests.datadir import fixtures_dir, schemas_dir
from scim_tests.markers import requirement_marks


class CaseFileError(ValueError):
    """A case file is malformed (invalid JSON or against its meta-schema)."""


@dataclass(frozen=True)
class Case:
    """One test of a case group, with the group it belongs to."""

    family: str
    file: str
    group: dict[str, Any]
    test: dict[str, Any]

    @property
    def id(self) -> str:
        """A stable id: ``<file>-<group>--<test>`` in slug form."""
        return f"{self.file}-{slug(self.group['description'])}--{slug(self.test['description'])}"

    @property
    def requirements(self) -> tuple[str, ...]:
        """Catalog ids from the group's ``spec`` (and the test's own, if any)."""
        specs = [*self.group.get("spec", []), *self.test.get("spec", [])]
        return tuple(dict.fromkeys(s["id"] for s in specs))

    @property
    def feature(self) -> str | None:
        """The optional SCIM feature the case needs (``patch``, ``filter``, ``sort`` …)."""
        feature = self.test.get("feature", self.group.get("feature"))
        return str(feature) if feature is not None else None


def slug(text: str) -> str:
    """Lower-case words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@cache
def _validator(family: str) -> Draft202012Validator:
    path = schemas_dir() / "meta" / f"{family}.schema.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def load_file(family: str, path: Path) -> list[dict[str, Any]]:
    """One case file, validated against its family's meta-schema."""
    try:
        groups = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CaseFileError(f"{path}: not valid JSON: {exc}") from None
    errors = sorted(_validator(family).iter_errors(groups), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(f"{e.json_path}: {e.message[:160]}" for e in errors[:5])
        raise CaseFileError(f"{path}: does not match schemas/meta/{family}.schema.json: {shown}")
    result: list[dict[str, Any]] = groups
    return result


@cache
def cases(family: str) -> tuple[Case, ...]:
    """Every case of ``fixtures/<family>/*.json``, in file order."""
    found = []
    for path in sorted((fixtures_dir() / family).glob("*.json")):
        for group in load_file(family, path):
            for test in group["tests"]:
                found.append(Case(family, path.stem, group, test))
    ids = [c.id for c in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CaseFileError(f"duplicate case ids in fixtures/{family}: {duplicates}")
    return tuple(found)


def params(family: str) -> list[Any]:
    """``pytest.param`` per case, with requirement marks and the feature gate."""
    result = []
    for case in cases(family):
        marks: list[Any] = list(requirement_marks(*case.requirements))
        if case.feature is not None:
            marks.append(pytest.mark.scim_feature(case.feature))
        result.append(pytest.param(case, id=case.id, marks=marks))
    return result
