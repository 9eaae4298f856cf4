"""PATCH ``add`` (RFC 7644 §3.5.2.1): creating, merging and appending values, its errors, and
extension attributes added by path or by key in every spelling.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import InvalidPath, InvalidValue, NoTarget, ScimError
from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.patch_samples import BJENSEN, bjensen, group, op, patch


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
