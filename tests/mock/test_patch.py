"""Tests of ``scim_mock.patch``: PATCH add/remove/replace (RFC 7644 §3.5.2)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_mock.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
    ScimError,
)
from scim_mock.patch import apply_patch
from scim_mock.patch_targets import resolve_target
from scim_mock.schema import (
    ENTERPRISE_USER,
    GROUP,
    USER,
    Attribute,
    ResourceType,
    Schema,
    SchemaExtension,
    SchemaRegistry,
)
from scim_mock.validation import canonicalize_value, equal_values, get_value

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


# -- request validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operations", "error", "scim_type"),
    [
        pytest.param({"op": "add"}, InvalidSyntax, "invalidSyntax", id="not-an-array"),
        pytest.param([], InvalidSyntax, "invalidSyntax", id="empty"),
        pytest.param(["add"], InvalidSyntax, "invalidSyntax", id="element-not-object"),
        pytest.param(
            [{"path": "nickName", "value": "x"}], InvalidSyntax, "invalidSyntax", id="no-op"
        ),
        pytest.param(
            [op("move", "nickName")], InvalidSyntax, "invalidSyntax", id="json-patch-move"
        ),
        pytest.param(
            [op("test", "nickName", "x")], InvalidSyntax, "invalidSyntax", id="json-patch-test"
        ),
        pytest.param([{"op": 1}], InvalidSyntax, "invalidSyntax", id="op-not-string"),
        pytest.param(
            [{"op": "add", "path": "nickName", "value": "x", "from": "title"}],
            InvalidSyntax,
            "invalidSyntax",
            id="unexpected-member",
        ),
        pytest.param(
            [{"op": "add", "OP": "add", "value": {}}], InvalidSyntax, "invalidSyntax", id="op-twice"
        ),
        pytest.param(
            [op("remove", "emails", [])], InvalidSyntax, "invalidSyntax", id="remove-value"
        ),
        pytest.param([op("add", "nickName")], InvalidValue, "invalidValue", id="add-without-value"),
        pytest.param(
            [op("replace", "nickName")], InvalidValue, "invalidValue", id="replace-no-value"
        ),
        pytest.param([op("remove")], NoTarget, "noTarget", id="remove-without-path"),
        pytest.param(
            [{"op": "add", "path": 5, "value": "x"}], InvalidPath, "invalidPath", id="path-int"
        ),
        pytest.param([op("add", "", "x")], InvalidPath, "invalidPath", id="path-empty"),
        pytest.param(
            [op("add", "name..givenName", "x")], InvalidPath, "invalidPath", id="double-dot"
        ),
        pytest.param(
            [op("add", 'emails[type eq "w"', "x")], InvalidPath, "invalidPath", id="unclosed"
        ),
        pytest.param(
            [op("add", "nosuch", "x")], InvalidPath, "invalidPath", id="unknown-attribute"
        ),
        pytest.param([op("add", "name.nick", "x")], InvalidPath, "invalidPath", id="unknown-sub"),
        pytest.param(
            [op("add", "employeeNumber", "1")],
            InvalidPath,
            "invalidPath",
            id="unqualified-extension",
        ),
        pytest.param([op("add", USER, {})], InvalidPath, "invalidPath", id="core-urn-path"),
        pytest.param(
            [op("remove", 'name[givenName eq "x"]')], InvalidPath, "invalidPath", id="filter-single"
        ),
        pytest.param(
            [op("remove", "emails[type eq]")], InvalidFilter, "invalidFilter", id="bad-filter"
        ),
        pytest.param(
            [op("remove", 'emails[label eq "x"]')],
            InvalidFilter,
            "invalidFilter",
            id="filter-unknown",
        ),
        pytest.param(
            [op("add", value={"nosuch": 1})], InvalidPath, "invalidPath", id="pathless-unknown"
        ),
        pytest.param(
            [op("add", value={"nickName": "a", "NICKNAME": "b"})],
            InvalidSyntax,
            "invalidSyntax",
            id="pathless-same-name-twice",
        ),
        pytest.param(
            [op("add", value="Babs")], InvalidValue, "invalidValue", id="pathless-not-object"
        ),
        pytest.param(
            [op("add", value={'emails[type eq "work"]': {}})],
            InvalidPath,
            "invalidPath",
            id="pathless-key-filter",
        ),
        pytest.param(
            [op("add", ENTERPRISE_USER, "x")],
            InvalidValue,
            "invalidValue",
            id="extension-not-object",
        ),
    ],
)
def test_malformed_requests_fail_with_the_rfc_scim_type(
    operations: Any, error: type[ScimError], scim_type: str
) -> None:
    """P-3.5.2-02, -04, -05, -07, P-3.5.2.1-01, P-3.5.2.2-01, P-3.12-15, -19, -20, -21."""
    resource = bjensen()
    with pytest.raises(error) as info:
        patch(resource, *operations) if isinstance(operations, list) else apply_patch(
            resource, operations, registry(), rt()
        )
    assert info.value.scim_type == scim_type
    assert resource == bjensen()


def test_op_names_and_member_names_are_case_insensitive() -> None:
    """C-2.1-01; RFC 7644 §3.5.2 op values compared case-insensitively (common client usage)."""
    result = patch(
        bjensen(),
        {"OP": "Replace", "Path": "NICKNAME", "Value": "B"},
        {"op": "ADD", "path": "Name.GivenName", "value": "Barb"},
    )
    assert result["nickName"] == "B"
    assert result["name"]["givenName"] == "Barb"


# -- RFC 7644 §3.5.2 examples ----------------------------------------------------------------------


def test_rfc_add_member_to_group() -> None:
    """RFC 7644 §3.5.2.1 example; P-3.5.2.1-05. The readOnly ``display`` sent is ignored."""
    ref = f"https://example.com/v2/Users/{BJENSEN}"
    member = {"display": "Babs Jensen", "$ref": ref, "value": BJENSEN}
    result = patch(group(JSMITH), op("add", "members", [member]), type_="Group")
    assert result["members"] == [
        {"value": JSMITH, "type": "User"},
        {"$ref": ref, "value": BJENSEN},
    ]


def test_rfc_remove_member_by_value_filter() -> None:
    """RFC 7644 §3.5.2.2 example; P-3.5.2.2-04."""
    path = f'members[value eq "{BJENSEN}"]'
    result = patch(group(BJENSEN, JSMITH), op("remove", path), type_="Group")
    assert result["members"] == [{"value": JSMITH, "type": "User"}]


def test_rfc_remove_all_members() -> None:
    """RFC 7644 §3.5.2.2 example; P-3.5.2.2-03: the attribute becomes unassigned."""
    result = patch(group(BJENSEN, JSMITH), op("remove", "members"), type_="Group")
    assert "members" not in result


def test_rfc_replace_members_by_remove_then_add() -> None:
    """RFC 7644 §3.5.2.2 example (remove all, then add); P-3.5.2-12 applies ops in order."""
    result = patch(
        group(BJENSEN),
        op("remove", "members"),
        op("add", "members", [{"value": JSMITH, "display": "James Smith"}]),
        type_="Group",
    )
    assert result["members"] == [{"value": JSMITH}]


def test_rfc_replace_members() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-03."""
    new = [
        {"display": "Babs Jensen", "value": BJENSEN},
        {"display": "James Smith", "value": JSMITH},
    ]
    result = patch(group("other"), op("replace", "members", new), type_="Group")
    assert result["members"] == [{"value": BJENSEN}, {"value": JSMITH}]


def test_rfc_replace_work_address() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-07: the matching value is replaced as a whole."""
    value = {"type": "work", "streetAddress": "911 Universal City Plaza", "country": "US"}
    result = patch(bjensen(), op("replace", 'addresses[type eq "work"]', value))
    assert result["addresses"] == [value, {"type": "home", "locality": "Hollywood"}]


def test_rfc_replace_work_street_address() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-08: only the sub-attribute of matches changes."""
    path = 'addresses[type eq "work"].streetAddress'
    result = patch(bjensen(), op("replace", path, "1010 Broadway Ave"))
    assert result["addresses"][0] == {
        "type": "work",
        "streetAddress": "1010 Broadway Ave",
        "locality": "Hollywood",
    }
    assert result["addresses"][1] == bjensen()["addresses"][1]


def test_replace_work_email_value() -> None:
    """P-3.5.2-07: a value path with a sub-attribute, ``emails[type eq "work"].value``."""
    result = patch(bjensen(), op("replace", 'emails[type eq "work"].value', "new@example.com"))
    assert result["emails"][0] == {"value": "new@example.com", "type": "work", "primary": True}


def test_rfc_pathless_replace() -> None:
    """RFC 7644 §3.5.2.3 example (note the lower-case "nickname"); P-3.5.2.3-01."""
    value = {
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "nickname": "Babs",
    }
    start = bjensen()
    start["emails"] = [{"value": "old@example.com"}]
    start["nickName"] = "Old"
    result = patch(start, op("replace", value=value))
    assert result["emails"] == value["emails"]
    assert result["nickName"] == "Babs"


def test_rfc_pathless_add() -> None:
    """RFC 7644 §3.5.2.1 example; P-3.5.2.1-02: the attributes are added, others kept."""
    start = bjensen()
    del start["nickName"]
    value = {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"}
    result = patch(start, op("add", value=value))
    assert result["emails"] == start["emails"]  # already present: nothing added
    assert result["nickName"] == "Babs"
    assert result["name"] == start["name"]


# -- add -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "attribute", "expected"),
    [
        pytest.param(op("add", "title", "Tour Guide"), "title", "Tour Guide", id="creates"),
        pytest.param(op("add", "nickName", "New"), "nickName", "New", id="single-overwrites"),
        pytest.param(
            op("add", "name", {"middleName": "Jane"}),
            "name",
            {"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"},
            id="complex-merges",
        ),
        pytest.param(
            op("add", "emails", {"value": "c@example.com"}),
            "emails",
            [*bjensen()["emails"], {"value": "c@example.com"}],
            id="multi-appends-one-element",
        ),
        pytest.param(
            op("add", "emails", [{"VALUE": "BJENSEN@example.com", "type": "work"}]),
            "emails",
            bjensen()["emails"],
            id="multi-skips-existing",
        ),
        pytest.param(op("add", "emails", []), "emails", bjensen()["emails"], id="multi-empty"),
        pytest.param(
            op("add", 'emails[type eq "home"].display', "Home"),
            "emails",
            [
                bjensen()["emails"][0],
                {"value": "babs@jensen.org", "type": "home", "display": "Home"},
            ],
            id="filter-sub-attribute",
        ),
        pytest.param(
            op("add", 'emails[type eq "home"]', {"display": "Home"}),
            "emails",
            [
                bjensen()["emails"][0],
                {"value": "babs@jensen.org", "type": "home", "display": "Home"},
            ],
            id="filter-merges",
        ),
        pytest.param(
            op("add", f"{USER}:nickName", "Q"), "nickName", "Q", id="core-urn-qualified-path"
        ),
        pytest.param(op("add", "active", False), "active", False, id="boolean"),
    ],
)
def test_add(operation: dict[str, Any], attribute: str, expected: Any) -> None:
    """P-3.5.2.1-03 to -07, P-3.10-01."""
    assert patch(bjensen(), operation)[attribute] == expected


def test_add_merges_a_known_value_instead_of_duplicating_it() -> None:
    """C-2.4-06: the same (value, type) is never stored twice; new sub-attributes are merged."""
    result = patch(bjensen(), op("add", "emails", [{"value": "babs@jensen.org", "display": "B"}]))
    assert result["emails"][1] == {"value": "babs@jensen.org", "type": "home", "display": "B"}
    assert len(result["emails"]) == 2


def test_adding_an_existing_member_changes_nothing() -> None:
    """P-3.5.2.1-07, P-3.5.2.1-08: the result equals the input, so meta need not change."""
    start = group(BJENSEN)
    assert patch(start, op("add", "members", [{"value": BJENSEN}]), type_="Group") == start


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        pytest.param(op("add", "nickName", None), InvalidValue, id="null"),
        pytest.param(op("add", "active", "yes"), InvalidValue, id="wrong-type"),
        pytest.param(op("add", "emails", "a@example.com"), InvalidValue, id="element-not-object"),
        pytest.param(op("add", "emails.value", "x"), InvalidPath, id="multi-sub-without-filter"),
        pytest.param(op("add", 'emails[type eq "other"].value', "x"), NoTarget, id="no-match"),
        pytest.param(
            op("add", "emails", [{"value": "a", "primary": True}] * 2),
            InvalidValue,
            id="two-primary",
        ),
        pytest.param(
            op("add", 'emails[type eq "work"]', [{"value": "x"}]),
            InvalidValue,
            id="filter-takes-one-object",
        ),
    ],
)
def test_add_errors(operation: dict[str, Any], error: type[ScimError]) -> None:
    with pytest.raises(error):
        patch(bjensen(), operation)


def test_add_by_extension_path_adds_the_extension_urn_to_schemas() -> None:
    """P-3.5.2-11, C-3.3-02, C-3.3-04."""
    result = patch(bjensen(), op("add", f"{ENTERPRISE_USER}:employeeNumber", "701984"))
    assert result["schemas"] == [USER, ENTERPRISE_USER]
    assert result[ENTERPRISE_USER] == {"employeeNumber": "701984"}


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op("add", ENTERPRISE_USER, {"employeeNumber": "7"}), id="urn-path"),
        pytest.param(op("add", value={ENTERPRISE_USER: {"EmployeeNumber": "7"}}), id="urn-key"),
        pytest.param(
            op("add", value={f"{ENTERPRISE_USER}:employeeNumber": "7"}), id="qualified-key"
        ),
        pytest.param(
            op("replace", value={f"{ENTERPRISE_USER.upper()}:EMPLOYEENUMBER": "7"}), id="upper"
        ),
    ],
)
def test_extension_attributes_can_be_set_in_every_spelling(operation: dict[str, Any]) -> None:
    """P-3.10-03, P-3.10-04: URN key, URN-qualified name, any case."""
    result = patch(bjensen(), operation)
    assert result[ENTERPRISE_USER] == {"employeeNumber": "7"}
    assert ENTERPRISE_USER in result["schemas"]


def test_an_extension_value_may_restate_its_own_urn_in_schemas() -> None:
    """scim2-models sends extension objects with their own ``schemas``; it is ignored."""
    value = {"schemas": [ENTERPRISE_USER.upper()], "employeeNumber": "7"}
    assert patch(bjensen(), op("add", ENTERPRISE_USER, value))[ENTERPRISE_USER] == {
        "employeeNumber": "7"
    }
    with pytest.raises(InvalidValue):
        patch(bjensen(), op("add", ENTERPRISE_USER, {"schemas": [USER], "employeeNumber": "7"}))


def test_later_operations_see_extensions_added_by_earlier_ones() -> None:
    """P-3.5.2-10."""
    result = patch(
        bjensen(),
        op("add", f"{ENTERPRISE_USER}:employeeNumber", "1"),
        op("replace", f"{ENTERPRISE_USER}:manager.value", "boss"),
        op("replace", f"{ENTERPRISE_USER}:employeeNumber", "2"),
    )
    assert result[ENTERPRISE_USER] == {"employeeNumber": "2", "manager": {"value": "boss"}}


# -- remove ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "attribute", "expected"),
    [
        pytest.param("nickName", "nickName", MISSING, id="single"),
        pytest.param("emails", "emails", MISSING, id="multi-all"),
        pytest.param('emails[type eq "work"]', "emails", [bjensen()["emails"][1]], id="filter"),
        pytest.param(
            'emails[type eq "other"]', "emails", bjensen()["emails"], id="filter-no-match"
        ),
        pytest.param(
            'emails[type eq "work" or type eq "home"]', "emails", MISSING, id="filter-all-unassigns"
        ),
        pytest.param(
            'emails[type eq "work"].primary',
            "emails",
            [{"value": "bjensen@example.com", "type": "work"}, bjensen()["emails"][1]],
            id="filter-sub-attribute",
        ),
        pytest.param(
            "emails.type",
            "emails",
            [{"value": "bjensen@example.com", "primary": True}, {"value": "babs@jensen.org"}],
            id="sub-attribute-of-every-value",
        ),
        pytest.param("name.givenName", "name", {"familyName": "Jensen"}, id="sub-attribute"),
        pytest.param("title", "title", MISSING, id="absent"),
        pytest.param(
            f"{ENTERPRISE_USER}:employeeNumber", ENTERPRISE_USER, MISSING, id="absent-ext"
        ),
    ],
)
def test_remove(path: str, attribute: str, expected: Any) -> None:
    """P-3.5.2.2-02 to -05, -07; removing what is not there succeeds without change."""
    result = patch(bjensen(), op("remove", path))
    assert result.get(attribute, MISSING) == expected


def test_removing_the_last_sub_attribute_unassigns_the_complex_attribute() -> None:
    result = patch(bjensen(), op("remove", "name.givenName"), op("remove", "NAME.familyName"))
    assert "name" not in result


def test_remove_member_who_is_not_in_the_group_succeeds_without_change() -> None:
    """P-3.5.2.2-07 (a SHOULD we follow rather than answering noTarget)."""
    start = group(BJENSEN)
    assert patch(start, op("remove", f'members[value eq "{JSMITH}"]'), type_="Group") == start


@pytest.mark.parametrize(
    "path",
    [ENTERPRISE_USER, f"{ENTERPRISE_USER}:employeeNumber"],
)
def test_removing_extension_data_removes_its_urn_from_schemas(path: str) -> None:
    """C-3.3-04: ``schemas`` lists exactly the extensions in use."""
    start = patch(bjensen(), op("add", f"{ENTERPRISE_USER}:employeeNumber", "1"))
    result = patch(start, op("remove", path))
    assert ENTERPRISE_USER not in result
    assert result["schemas"] == [USER]


def test_removing_one_of_two_extension_attributes_keeps_the_extension() -> None:
    start = patch(bjensen(), op("add", ENTERPRISE_USER, {"employeeNumber": "1", "division": "d"}))
    result = patch(start, op("remove", f"{ENTERPRISE_USER}:division"))
    assert result[ENTERPRISE_USER] == {"employeeNumber": "1"}
    assert result["schemas"] == [USER, ENTERPRISE_USER]


# -- replace ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "attribute", "expected"),
    [
        pytest.param(op("replace", "nickName", "B"), "nickName", "B", id="single"),
        pytest.param(op("replace", "title", "T"), "title", "T", id="absent-acts-as-add"),
        pytest.param(
            op("replace", "name", {"givenName": "Barb"}),
            "name",
            {"givenName": "Barb", "familyName": "Jensen"},
            id="complex-keeps-others",
        ),
        pytest.param(
            op("replace", "emails", [{"value": "x@example.com"}]),
            "emails",
            [{"value": "x@example.com"}],
            id="multi-whole",
        ),
        pytest.param(
            op("replace", "emails", {"value": "x@example.com"}),
            "emails",
            [{"value": "x@example.com"}],
            id="multi-one-element",
        ),
        pytest.param(op("replace", "emails", []), "emails", MISSING, id="empty-list-unassigns"),
        pytest.param(op("replace", "nickName", None), "nickName", MISSING, id="null-unassigns"),
        pytest.param(
            op("replace", "name.givenName", None),
            "name",
            {"familyName": "Jensen"},
            id="null-sub-attribute",
        ),
        pytest.param(op("replace", value={"active": False}), "active", False, id="pathless"),
        pytest.param(op("replace", "active", False), "active", False, id="deactivate"),
        pytest.param(
            op("replace", 'emails[type eq "home"]', None),
            "emails",
            [bjensen()["emails"][0]],
            id="filter-null-removes",
        ),
    ],
)
def test_replace(operation: dict[str, Any], attribute: str, expected: Any) -> None:
    """P-3.5.2.3-01 to -08, P-3.5.2.3-10; RFC 7643 §2.5 for null and []."""
    assert patch(bjensen(), operation).get(attribute, MISSING) == expected


def test_replace_members_with_an_empty_array_removes_every_member() -> None:
    """P-3.5.2.3-04."""
    assert "members" not in patch(group(BJENSEN), op("replace", "members", []), type_="Group")


@pytest.mark.parametrize(
    "path",
    ['emails[type eq "zzz"].value', 'emails[type eq "zzz"]', 'phoneNumbers[type eq "work"]'],
)
def test_replace_with_a_filter_that_matches_nothing_is_no_target(path: str) -> None:
    """P-3.5.2.3-09, P-3.12-21."""
    with pytest.raises(NoTarget) as info:
        patch(bjensen(), op("replace", path, "x" if path.endswith("value") else {"value": "x"}))
    assert info.value.scim_type == "noTarget"
    with pytest.raises(NoTarget):
        patch(bjensen(), op("replace", path, None))


def test_replace_extension_by_urn_updates_only_the_given_attributes() -> None:
    start = patch(bjensen(), op("add", ENTERPRISE_USER, {"employeeNumber": "1", "division": "d"}))
    result = patch(start, op("replace", ENTERPRISE_USER, {"division": "e"}))
    assert result[ENTERPRISE_USER] == {"employeeNumber": "1", "division": "e"}
    result = patch(start, op("replace", ENTERPRISE_USER, None))
    assert ENTERPRISE_USER not in result
    assert result["schemas"] == [USER]


# -- primary ---------------------------------------------------------------------------------------


def test_making_a_value_primary_clears_primary_on_the_others() -> None:
    """P-3.5.2-13 (the RFC 7644 §3.5.2 rule), C-2.4-02."""
    result = patch(bjensen(), op("replace", 'emails[value eq "babs@jensen.org"].primary', True))
    assert result["emails"] == [
        {"value": "bjensen@example.com", "type": "work", "primary": False},
        {"value": "babs@jensen.org", "type": "home", "primary": True},
    ]


def test_adding_a_primary_value_clears_primary_on_the_others() -> None:
    result = patch(bjensen(), op("add", "emails", [{"value": "new@example.com", "primary": True}]))
    assert [e.get("primary") for e in result["emails"]] == [False, None, True]


def test_making_two_values_primary_at_once_is_invalid_value() -> None:
    path = 'emails[type eq "work" or type eq "home"].primary'
    with pytest.raises(InvalidValue):
        patch(bjensen(), op("replace", path, True))


# -- mutability and required -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(op("replace", "id", "x"), id="replace-id"),
        pytest.param(op("remove", "id"), id="remove-id"),
        pytest.param(op("replace", "meta.created", "2020-01-01T00:00:00Z"), id="meta-created"),
        pytest.param(op("add", "meta", {"version": "x"}), id="meta"),
        pytest.param(op("add", "groups", [{"value": "g"}]), id="groups"),
        pytest.param(op("replace", value={"id": "x"}), id="pathless-id"),
        pytest.param(op("replace", "schemas", [USER]), id="schemas"),
        pytest.param(op("remove", "userName"), id="remove-required"),
        pytest.param(op("replace", "userName", None), id="null-required"),
        pytest.param(op("replace", value={"userName": None}), id="pathless-null-required"),
        pytest.param(
            op("replace", f"{ENTERPRISE_USER}:manager.displayName", "B"), id="ext-read-only"
        ),
    ],
)
def test_read_only_and_required_targets_are_mutability_errors(operation: dict[str, Any]) -> None:
    """P-3.5.2-08, P-3.5.2.2-06, C-7-13."""
    with pytest.raises(Mutability) as info:
        patch(bjensen(), operation)
    assert info.value.scim_type == "mutability"


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(
            op("replace", f'members[value eq "{BJENSEN}"].value', "x"), id="replace-value"
        ),
        pytest.param(op("remove", f'members[value eq "{BJENSEN}"].type'), id="remove-type"),
        pytest.param(op("add", f'members[value eq "{BJENSEN}"].type', "Group"), id="add-over-type"),
        pytest.param(op("replace", f'members[value eq "{BJENSEN}"]', {"value": "x"}), id="element"),
        pytest.param(op("replace", f'members[value eq "{BJENSEN}"].display', "x"), id="read-only"),
    ],
)
def test_set_immutable_member_sub_attributes_cannot_change(operation: dict[str, Any]) -> None:
    """C-7-14: Group ``members.value``/``type`` are immutable, ``display`` readOnly."""
    with pytest.raises(Mutability):
        patch(group(BJENSEN), operation, type_="Group")


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        pytest.param(
            op("add", f'members[value eq "{BJENSEN}"].type', "user"),
            [{"value": BJENSEN, "type": "User"}],
            id="add-same-immutable-value",
        ),
        pytest.param(
            op("replace", f'members[value eq "{BJENSEN}"]', {"$ref": "/Users/x"}),
            [{"$ref": "/Users/x", "value": BJENSEN, "type": "User"}],
            id="replace-element-keeps-immutable",
        ),
        pytest.param(
            op("add", f'members[value eq "{BJENSEN}"]', {"display": "read-only only"}),
            [{"value": BJENSEN, "type": "User"}],
            id="add-nothing-left-after-stripping",
        ),
        pytest.param(
            op("replace", f'members[value eq "{BJENSEN}"]', {}),
            MISSING,
            id="replace-with-empty-object-removes",
        ),
    ],
)
def test_value_filter_updates_respect_immutable_and_read_only_members(
    operation: dict[str, Any], expected: Any
) -> None:
    """C-7-14: immutable member values stay (omitted = kept); readOnly ones sent are dropped;
    ``{}`` is unassigned (RFC 7643 §2.5)."""
    result = patch(group(BJENSEN), operation, type_="Group")
    assert result.get("members", MISSING) == expected


def test_an_unset_immutable_sub_attribute_can_be_added() -> None:
    """P-3.5.2-09."""
    start = {"schemas": [GROUP], "displayName": "g", "members": [{"value": BJENSEN}]}
    result = patch(start, op("add", f'members[value eq "{BJENSEN}"].type', "user"), type_="Group")
    assert result["members"] == [{"value": BJENSEN, "type": "User"}]


@pytest.mark.parametrize(
    ("start", "operation", "ok"),
    [
        pytest.param(widget(), op("add", "serial", "S"), True, id="add-unset"),
        pytest.param(widget(serial="S"), op("add", "serial", "s"), True, id="add-same"),
        pytest.param(widget(serial="S"), op("add", "serial", "T"), False, id="add-over"),
        pytest.param(widget(serial="S"), op("replace", "serial", "T"), False, id="replace"),
        pytest.param(widget(serial="S"), op("remove", "serial"), False, id="remove"),
        pytest.param(widget(), op("remove", "serial"), True, id="remove-unset"),
        pytest.param(
            widget(serial="S"), op("replace", value={"serial": "T"}), False, id="pathless"
        ),
    ],
)
def test_immutable_attributes_can_only_be_set_once(
    start: dict[str, Any], operation: dict[str, Any], ok: bool
) -> None:
    """P-3.5.2-09, C-7-14."""
    if ok:
        patch_custom(start, operation)
    else:
        with pytest.raises(Mutability):
            patch_custom(start, operation)


def test_required_extensions_and_sub_attributes_cannot_be_removed() -> None:
    """P-3.5.2.2-06; check_required runs on the result (P-3.12-22)."""
    with pytest.raises(Mutability):
        patch_custom(widget(), op("remove", TEST_EXT))
    with pytest.raises(Mutability):
        patch_custom(widget(badge={"code": "c"}), op("remove", "badge.code"))
    with pytest.raises(InvalidValue, match="badge.code"):
        patch_custom(widget(), op("add", "badge", {"note": "n"}))
    with pytest.raises(InvalidValue, match="userName"):
        patch_custom(
            {"schemas": [USER, TEST_EXT], TEST_EXT: {"level": "1"}}, op("add", "tags", ["a"])
        )


def test_simple_multi_valued_attributes_add_without_duplicates() -> None:
    result = patch_custom(widget(tags=["a"]), op("add", "tags", ["A", "b", "b"]))
    assert result["tags"] == ["a", "b"]
    with pytest.raises(InvalidPath):
        patch_custom(widget(tags=["a"]), op("remove", 'tags[value eq "a"]'))


def test_canonical_member_type_is_enforced_in_patch_values() -> None:
    with pytest.raises(InvalidValue, match="members.type"):
        patch(group(), op("add", "members", [{"value": "1", "type": "Robot"}]), type_="Group")


# -- atomicity and purity --------------------------------------------------------------------------


def test_a_failing_operation_leaves_the_resource_unchanged() -> None:
    """P-3.5.2-14: [valid replace of nickName, invalid replace of id] changes nothing."""
    start = bjensen()
    with pytest.raises(Mutability):
        patch(start, op("replace", "nickName", "changed"), op("replace", "id", "x"))
    assert start == bjensen()


def test_apply_patch_returns_a_new_resource_sharing_nothing_with_the_input() -> None:
    start = bjensen()
    result = patch(start, op("replace", "title", "T"))
    result["emails"][0]["value"] = "mutated"
    result["name"]["givenName"] = "mutated"
    assert start == bjensen()


# -- properties ------------------------------------------------------------------------------------

TEXT = st.text(alphabet="abcXYZ 1", min_size=1, max_size=6)
SIMPLE_PATHS = [
    "nickName",
    "title",
    "displayName",
    "userType",
    "locale",
    "externalId",
    "name.givenName",
    "NAME.familyName",
    f"{ENTERPRISE_USER}:employeeNumber",
    f"{ENTERPRISE_USER}:department",
    f"{ENTERPRISE_USER}:manager.value",
]
EMAIL = st.fixed_dictionaries(
    {"value": st.sampled_from(["a@x.org", "b@x.org", "c@x.org", "d@x.org"])},
    optional={"type": st.sampled_from(["work", "home"]), "display": TEXT},
)


def emails(min_size: int = 0) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of distinct email values, the first one possibly primary."""
    return st.tuples(
        st.lists(EMAIL, min_size=min_size, max_size=3, unique_by=lambda e: e["value"]),
        st.booleans(),
    ).map(
        lambda pair: (
            [{**pair[0][0], "primary": True}, *pair[0][1:]] if pair[1] and pair[0] else pair[0]
        )
    )


EMAILS = emails()
VALID_OPS = st.one_of(
    st.builds(lambda p, v: op("replace", p, v), st.sampled_from(SIMPLE_PATHS), TEXT),
    st.builds(lambda p, v: op("add", p, v), st.sampled_from(SIMPLE_PATHS), TEXT),
    st.builds(
        lambda p: op("remove", p),
        st.sampled_from(
            [*SIMPLE_PATHS, "emails", 'emails[type eq "work"]', "name", ENTERPRISE_USER]
        ),
    ),
    st.builds(lambda v: op("add", "emails", v), EMAILS),
    st.builds(lambda v: op("replace", "emails", v), EMAILS),
    st.builds(lambda v: op("replace", value={"active": v}), st.booleans()),
    st.builds(lambda v: op("add", value={"nickName": v, ENTERPRISE_USER: {"costCenter": v}}), TEXT),
)
FAILING_OPS = [
    op("replace", "id", "x"),
    op("remove", "userName"),
    op("add", "nosuch", "x"),
    op("move", "nickName"),
    op("replace", 'emails[type eq "zzz"].value', "x"),
    op("add", "active", "yes"),
    op("remove"),
]
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(
    operations=st.lists(VALID_OPS, max_size=6),
    failing=st.sampled_from(FAILING_OPS),
    position=st.integers(min_value=0, max_value=6),
)
def test_property_patch_is_all_or_nothing(
    operations: list[dict[str, Any]], failing: dict[str, Any], position: int
) -> None:
    """P-3.5.2-14: valid operations succeed; adding one failing operation anywhere raises and
    the input is unchanged (and it is never mutated, even on success)."""
    start = bjensen()
    if operations:
        patch(start, *operations)
        assert start == bjensen()
    with_failure = [*operations]
    with_failure.insert(min(position, len(operations)), copy.deepcopy(failing))
    with pytest.raises(ScimError):
        patch(start, *with_failure)
    assert start == bjensen()


@PROPERTY_SETTINGS
@given(
    target=st.one_of(
        st.tuples(st.sampled_from(SIMPLE_PATHS), TEXT),
        st.tuples(st.just("emails"), emails(min_size=1)),
        st.tuples(st.just("active"), st.booleans()),
    ),
    setup=st.lists(VALID_OPS, max_size=3),
)
def test_property_replace_then_read_gives_the_value(
    target: tuple[str, Any], setup: list[dict[str, Any]]
) -> None:
    """P-3.5.2.3-02, -03, -05: after ``replace path=X value=v`` the attribute X equals v."""
    path, value = target
    start = prepared(setup)
    result = patch(start, op("replace", path, value))
    resolved = resolve_target(path, registry(), rt()).attribute
    expected = canonicalize_value(registry(), rt(), resolved, value)
    stored = get_value(result, resolved)
    if resolved.sub_attribute is not None:
        stored = stored[resolved.sub_attribute.name]
    assert equal_values(resolved.target, stored, expected)


@PROPERTY_SETTINGS
@given(values=EMAILS, setup=st.lists(VALID_OPS, max_size=3))
def test_property_add_to_multi_valued_is_idempotent(
    values: list[dict[str, Any]], setup: list[dict[str, Any]]
) -> None:
    """P-3.5.2.1-07, C-2.4-06: adding the same values twice equals adding them once."""
    start = prepared(setup)
    once = patch(start, op("add", "emails", values))
    assert patch(once, op("add", "emails", values)) == once
    assert patch(start, op("add", "emails", values), op("add", "emails", values)) == once


@PROPERTY_SETTINGS
@given(ids=st.lists(st.sampled_from([BJENSEN, JSMITH, "x1", "x2"]), max_size=4))
def test_property_adding_members_twice_equals_once(ids: list[str]) -> None:
    members = [{"value": i} for i in ids]
    once = patch(group(BJENSEN), op("add", "members", members), type_="Group")
    assert patch(once, op("add", "members", members), type_="Group") == once
    assert len({m["value"] for m in once["members"]}) == len(once["members"])
