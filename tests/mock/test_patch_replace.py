"""PATCH ``replace`` (RFC 7644 §3.5.2.3): single, complex and multi-valued attributes, null and
``[]`` unassigning, value filters that match nothing (noTarget), and extensions by URN.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import NoTarget
from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.patch_samples import BJENSEN, MISSING, bjensen, group, op, patch


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
