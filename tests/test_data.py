"""Every data-case file validates against its meta-schema; ids are unique and cite the catalog.

A family is a folder ``fixtures/<family>/`` with a meta-schema
``schemas/meta/<family>.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from scim_tests import data
from scim_tests.catalog import catalog

ROOT = Path(__file__).resolve().parents[1]
META = ROOT / "schemas" / "meta"
FAMILIES = sorted(p.name.removesuffix(".schema.json") for p in META.glob("*.schema.json"))


def test_catalog_copy_matches_the_shared_catalog() -> None:
    """fixtures/catalog/requirements.tsv is the shared catalog, unchanged (when it is at hand)."""
    shared = ROOT.parent / "shared" / "spec" / "requirements.tsv"
    if not shared.exists():
        pytest.skip("../shared/spec/requirements.tsv is not beside this checkout")
    ours = ROOT / "fixtures" / "catalog" / "requirements.tsv"
    assert ours.read_bytes() == shared.read_bytes(), "re-copy the shared catalog"


@pytest.mark.parametrize("family", FAMILIES)
def test_meta_schema_is_valid(family: str) -> None:
    """Each meta-schema is a valid draft 2020-12 schema."""
    Draft202012Validator.check_schema(json.loads((META / f"{family}.schema.json").read_text()))


@pytest.mark.parametrize("family", FAMILIES)
def test_case_files_validate_and_cite_known_requirements(family: str) -> None:
    """All files load (meta-schema valid), ids are unique, every cited id is in the catalog."""
    cases = data.cases(family)
    assert cases, f"fixtures/{family} has no cases"
    rows = catalog()
    for case in cases:
        for spec in [*case.group.get("spec", []), *case.test.get("spec", [])]:
            row = rows.get(spec["id"])
            assert row is not None, f"{case.id}: unknown requirement {spec['id']}"
            assert spec.get("level", row.level) == row.level, f"{case.id}: {spec['id']} level"


def test_a_malformed_case_file_is_refused(tmp_path: Path) -> None:
    """A file that breaks its meta-schema raises CaseFileError naming the file."""
    if not FAMILIES:
        pytest.skip("no case families yet")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"tests": "not a list"}]')
    with pytest.raises(data.CaseFileError, match="bad.json"):
        data.load_file(FAMILIES[0], bad)
    bad.write_text("{not json")
    with pytest.raises(data.CaseFileError, match="not valid JSON"):
        data.load_file(FAMILIES[0], bad)
