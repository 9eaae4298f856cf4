"""What the ``scim_mock.validation`` tests share: the bundled schema registry, a custom User type
with the characteristics the standard schemas lack (immutable, integer, required extension...),
and shorthands for User bodies.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scim_mock.schema import USER, Attribute, ResourceType, Schema, SchemaExtension, SchemaRegistry
from scim_mock.validation import canonicalize_resource

TEST_EXT = "urn:example:params:scim:schemas:extension:test:2.0:User"


@cache
def registry() -> SchemaRegistry:
    return SchemaRegistry.load()


def rt(name: str) -> ResourceType:
    found = registry().resource_type(name)
    assert found is not None
    return found


@cache
def custom() -> SchemaRegistry:
    """A User type with the characteristics the standard schemas lack (immutable, integer...)."""
    email_subs = (Attribute("value"), Attribute("type"), Attribute("primary", type="boolean"))
    attributes = (
        Attribute("userName", required=True, uniqueness="server"),
        Attribute("serial", mutability="immutable"),
        Attribute("count", type="integer"),
        Attribute("ratio", type="decimal"),
        Attribute("born", type="dateTime"),
        Attribute("token", type="binary"),
        Attribute("tags", multi_valued=True),
        Attribute("codes", multi_valued=True, mutability="immutable"),
        Attribute(
            "badge",
            type="complex",
            sub_attributes=(
                Attribute("code", required=True),
                Attribute("serial", mutability="immutable"),
                Attribute("issuer", mutability="readOnly"),
            ),
        ),
        Attribute("emails", type="complex", multi_valued=True, sub_attributes=email_subs),
    )
    return SchemaRegistry(
        [
            Schema(USER, "User", "", attributes),
            Schema(TEST_EXT, "Test", "", (Attribute("level", required=True),)),
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


def custom_rt() -> ResourceType:
    found = custom().resource_type("User")
    assert found is not None
    return found


def user(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": "bjensen", **extra}


def canon_user(body: Any) -> dict[str, Any]:
    return canonicalize_resource(registry(), rt("User"), body)
