"""Malformed PATCH requests (RFC 7644 §3.5.2, §3.12) fail with the scimType the RFC names and
change nothing; op and member names are case-insensitive.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    NoTarget,
    ScimError,
)
from scim_mock.patch import apply_patch
from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.patch_samples import bjensen, op, patch, registry, rt


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
