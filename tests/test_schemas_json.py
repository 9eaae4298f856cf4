"""The wire-message schemas (``schemas/json``) are valid Draft 2020-12 schemas whose ``$ref``s
resolve, that know the RFC 7644 §3.12 scimTypes, accept the served schema representations and
cover every attribute of the RFC 7643 schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.rfc_payloads import served
from tests.schema_files import (
    BASE_ID,
    JSON_DIR,
    SCIM_FILES,
    errors,
    json_registry,
    json_schema_paths,
    load_json,
    scim_schema,
)


def test_json_schema_files_exist() -> None:
    names = {p.name.removesuffix(".schema.json") for p in json_schema_paths()}
    expected = {
        "Common",
        "Error",
        "ListResponse",
        "PatchOp",
        "SearchRequest",
        "BulkRequest",
        "BulkResponse",
        "User",
        "Group",
        "EnterpriseUser",
        "ServiceProviderConfig",
        "ResourceType",
        "Schema",
    }
    assert expected <= names


@pytest.mark.parametrize("path", json_schema_paths(), ids=lambda p: p.name)
def test_json_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = load_json(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == BASE_ID + path.name


@pytest.mark.parametrize("path", json_schema_paths(), ids=lambda p: p.name)
def test_json_schema_refs_resolve(path: Path) -> None:
    """Every ``$ref`` in every file resolves through the registry."""
    schema = load_json(path)
    resolver = json_registry().resolver(base_uri=schema["$id"])

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(schema):
        resolver.lookup(ref)


def test_error_known_scim_types() -> None:
    known = load_json(JSON_DIR / "Error.schema.json")["$defs"]["knownScimType"]["enum"]
    assert known == [
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    ]


@pytest.mark.parametrize("name", SCIM_FILES)
def test_served_scim_schema_matches_schema_json_schema(name: str) -> None:
    """What our mock serves at /Schemas/<id> is a valid Schema resource."""
    assert errors("Schema", served(name)) == []


@pytest.mark.parametrize(("resource", "json_name"), [("User", "User"), ("Group", "Group")])
def test_json_schema_covers_every_scim_attribute(resource: str, json_name: str) -> None:
    properties = load_json(JSON_DIR / f"{json_name}.schema.json")["properties"]
    for attr in scim_schema(resource)["attributes"]:
        if attr["returned"] == "never":
            continue
        assert attr["name"] in properties, attr["name"]


def test_enterprise_json_schema_covers_every_scim_attribute() -> None:
    properties = load_json(JSON_DIR / "EnterpriseUser.schema.json")["properties"]
    assert {a["name"] for a in scim_schema("EnterpriseUser")["attributes"]} <= set(properties)
