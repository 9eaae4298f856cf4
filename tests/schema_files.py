"""Loading the data in ``schemas/`` for its tests: the wire-message JSON Schemas
(``schemas/json``, Draft 2020-12, cross-file ``$ref`` resolved through one registry) and the
RFC 7643 §8.7 schema representations (``schemas/scim``), with the URNs they use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
JSON_DIR = SCHEMAS_DIR / "json"
SCIM_DIR = SCHEMAS_DIR / "scim"
BASE_ID = "https://scim-conformance.invalid/schemas/json/"

SCIM_FILES = ["User", "Group", "EnterpriseUser", "ServiceProviderConfig", "ResourceType", "Schema"]
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9$_-]*$")

Json = dict[str, Any]


# --- loading ------------------------------------------------------------------------------


def load_json(path: Path) -> Json:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: expected one JSON object"
    return data


def json_schema_paths() -> list[Path]:
    return sorted(JSON_DIR.glob("*.schema.json"))


@cache
def json_registry() -> Registry[Any]:
    """All wire-message schemas, addressable by their ``$id`` (for cross-file ``$ref``)."""
    resources = [
        (load_json(p)["$id"], Resource.from_contents(load_json(p))) for p in json_schema_paths()
    ]
    return Registry().with_resources(resources)


def validator(name: str) -> Draft202012Validator:
    """A format-checking validator for ``schemas/json/<name>.schema.json``."""
    return Draft202012Validator(
        load_json(JSON_DIR / f"{name}.schema.json"),
        registry=json_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, instance: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(instance)]


@cache
def scim_schema(name: str) -> Json:
    return load_json(SCIM_DIR / f"{name}.json")


def attribute(attrs: list[Json], name: str) -> Json:
    found = [a for a in attrs if a["name"] == name]
    assert len(found) == 1, f"expected exactly one attribute {name!r}, found {len(found)}"
    return found[0]


def sub(schema: str, *path: str) -> Json:
    """The attribute at ``path`` (top-level name, then sub-attribute names) of a SCIM schema."""
    node = attribute(scim_schema(schema)["attributes"], path[0])
    for name in path[1:]:
        node = attribute(node["subAttributes"], name)
    return node


def walk(attrs: list[Json], prefix: str = "") -> Iterator[tuple[str, Json]]:
    for attr in attrs:
        dotted = f"{prefix}{attr['name']}"
        yield dotted, attr
        yield from walk(attr.get("subAttributes", []), f"{dotted}.")
