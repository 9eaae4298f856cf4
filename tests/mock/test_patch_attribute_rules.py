"""PATCH respects the attribute characteristics of RFC 7643: one ``primary`` value (§2.4),
readOnly and immutable attributes (mutability, §7), required attributes and extensions, and
canonical values.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import InvalidPath, InvalidValue, Mutability
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER
from tests.mock.patch_samples import (
    BJENSEN,
    MISSING,
    TEST_EXT,
    bjensen,
    group,
    op,
    patch,
    patch_custom,
    widget,
)

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
