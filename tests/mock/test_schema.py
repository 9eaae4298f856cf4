"""The schema registry (RFC 7643 §2, §6, §7): lookups, defaults, resolution."""

from __future__ import annotations

import pytest

from scim_mock.schema import (
    ENTERPRISE_USER,
    GROUP,
    USER,
    Attribute,
    ResourceType,
    Schema,
    SchemaRegistry,
)


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.load()


def test_loads_the_six_rfc_schemas_and_two_resource_types(registry: SchemaRegistry) -> None:
    """User, Group, EnterpriseUser and the three discovery schemas; User and Group types."""
    assert len(list(registry.schemas())) == 6
    assert {rt.name for rt in registry.resource_types()} == {"User", "Group"}
    user = registry.resource_type("user")
    assert user is not None and user.endpoint == "/Users"
    assert user.schema_ids == (USER, ENTERPRISE_USER)
    assert registry.resource_type_for_endpoint("/Groups") == registry.resource_type("Group")
    assert registry.resource_type_for_endpoint("/groups") is None  # URLs are case-sensitive


def test_defaults_apply_to_omitted_characteristics() -> None:
    """RFC 7643 §2.2 (C-2.2-01): omitted characteristics take their defaults."""
    attribute = Attribute.from_json({"name": "nickName"})
    assert (attribute.type, attribute.mutability, attribute.returned) == (
        "string", "readWrite", "default",
    )  # fmt: skip
    assert not attribute.required and not attribute.case_exact
    assert attribute.uniqueness == "none" and not attribute.multi_valued


def test_lookups_are_case_insensitive(registry: SchemaRegistry) -> None:
    """Attribute names and schema URNs match regardless of case (C-2.1-01)."""
    user = registry.schema(USER.upper())
    assert user is not None
    attribute = user.attribute("USERNAME")
    assert attribute is not None and attribute.name == "userName"
    name = user.attribute("name")
    assert name is not None and name.sub_attribute("GIVENNAME") is not None


def test_resolution_of_common_core_and_extension_attributes(registry: SchemaRegistry) -> None:
    """id/meta are common; unqualified names are core; extensions need their URN."""
    user = registry.resource_type("User")
    assert user is not None
    common = registry.resolve(user, "id")
    assert common is not None and common.schema is None and not common.is_extension
    core = registry.resolve(user, "name", "familyName")
    assert core is not None and core.schema == USER and core.target.name == "familyName"
    qualified_core = registry.resolve(user, "userName", urn=USER.lower())
    assert qualified_core is not None and not qualified_core.is_extension
    extension = registry.resolve(user, "employeeNumber", urn=ENTERPRISE_USER)
    assert extension is not None and extension.is_extension
    assert registry.resolve(user, "employeeNumber") is None
    assert registry.resolve(user, "nope") is None
    assert registry.resolve(user, "name", "nope") is None
    assert registry.resolve(user, "userName", urn="urn:example:unknown") is None
    meta_created = registry.resolve(user, "meta", "created", urn=USER)
    assert meta_created is not None and meta_created.target.type == "dateTime"


def test_custom_resource_type_core_attributes_are_not_extensions() -> None:
    """A resource type's own core schema is never treated as an extension."""
    widget = Schema("urn:example:Widget", "Widget", "", (Attribute("color"),))
    rt = ResourceType("Widget", "Widget", "/Widgets", "urn:example:Widget")
    registry = SchemaRegistry([widget], [rt])
    resolved = registry.resolve(rt, "color", urn="urn:example:Widget")
    assert resolved is not None and not resolved.is_extension


def test_a_resource_type_naming_an_unknown_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        SchemaRegistry([], [ResourceType("X", "X", "/X", "urn:example:X")])


def test_representations_spell_out_every_characteristic(registry: SchemaRegistry) -> None:
    """/Schemas output: every attribute carries all characteristics; Group members too."""
    group = registry.schema(GROUP)
    assert group is not None
    document = group.to_json()
    members = next(a for a in document["attributes"] if a["name"] == "members")
    for key in ("type", "multiValued", "required", "caseExact", "mutability", "returned",
                "uniqueness", "description"):  # fmt: skip
        assert key in members
    assert {s["name"] for s in members["subAttributes"]} >= {"value", "$ref", "type", "display"}
