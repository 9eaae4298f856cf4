"""What the PATCH tests share: the bundled and a custom schema registry, stored resources shaped
like the RFC examples (bjensen, a group), and ``op``/``patch`` shorthands over ``apply_patch``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scim_mock.patch import apply_patch
from scim_mock.schema import (
    GROUP,
    USER,
    Attribute,
    ResourceType,
    Schema,
    SchemaExtension,
    SchemaRegistry,
)

BJENSEN = "2819c223-7f76-453a-919d-413861904646"
JSMITH = "902c246b-6245-4190-8e05-00816be7344a"
TEST_EXT = "urn:example:params:scim:schemas:extension:test:2.0:User"
MISSING = object()


@cache
def registry() -> SchemaRegistry:
    return SchemaRegistry.load()


def rt(name: str = "User") -> ResourceType:
    found = registry().resource_type(name)
    assert found is not None
    return found


@cache
def custom() -> SchemaRegistry:
    """A User type with an immutable attribute and a required extension."""
    attributes = (
        Attribute("userName", required=True),
        Attribute("serial", mutability="immutable"),
        Attribute("tags", multi_valued=True),
        Attribute(
            "badge",
            type="complex",
            sub_attributes=(Attribute("code", required=True), Attribute("note")),
        ),
    )
    return SchemaRegistry(
        [
            Schema(USER, "User", "", attributes),
            Schema(TEST_EXT, "Test", "", (Attribute("level"),)),
        ],
        [
            ResourceType(
                "User",
                "User",
                "/Users",
                USER,
                schema_extensions=(SchemaExtension(TEST_EXT, required=True),),
            )
        ],
    )


def bjensen() -> dict[str, Any]:
    """A stored user shaped like RFC 7643 §8.2's full representation (trimmed)."""
    return {
        "schemas": [USER],
        "id": BJENSEN,
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "nickName": "Babs",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "locality": "Hollywood"},
        ],
    }


def group(*members: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"schemas": [GROUP], "id": "g1", "displayName": "Tour Guides"}
    if members:
        resource["members"] = [{"value": m, "type": "User"} for m in members]
    return resource


def op(name: str, path: str | None = None, value: Any = MISSING) -> dict[str, Any]:
    operation: dict[str, Any] = {"op": name}
    if path is not None:
        operation["path"] = path
    if value is not MISSING:
        operation["value"] = value
    return operation


def patch(resource: dict[str, Any], *operations: Any, type_: str = "User") -> dict[str, Any]:
    return apply_patch(resource, list(operations), registry(), rt(type_))


def prepared(setup: list[dict[str, Any]]) -> dict[str, Any]:
    """bjensen after the ``setup`` operations (apply_patch refuses an empty list)."""
    return patch(bjensen(), *setup) if setup else bjensen()


def patch_custom(resource: dict[str, Any], *operations: Any) -> dict[str, Any]:
    found = custom().resource_type("User")
    assert found is not None
    return apply_patch(resource, list(operations), custom(), found)


def widget(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER, TEST_EXT], "userName": "w", TEST_EXT: {"level": "1"}, **extra}
