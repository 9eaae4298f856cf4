"""``canonicalize_resource`` (RFC 7643 §2, §3): the shape of a resource body, its ``schemas``,
case-insensitive names, value types, unassigned values, ``primary`` and canonical values.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scim_mock.errors import InvalidSyntax, InvalidValue, ScimError
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER
from scim_mock.validation import canonicalize_resource
from tests.mock.validation_samples import (
    TEST_EXT,
    canon_user,
    custom,
    custom_rt,
    registry,
    rt,
    user,
)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param([], InvalidSyntax, id="array-body"),
        pytest.param("user", InvalidSyntax, id="string-body"),
        pytest.param(None, InvalidSyntax, id="null-body"),
        pytest.param({"userName": "x"}, InvalidSyntax, id="schemas-missing"),
        pytest.param({"schemas": USER, "userName": "x"}, InvalidSyntax, id="schemas-not-array"),
        pytest.param({"schemas": [], "userName": "x"}, InvalidSyntax, id="schemas-empty"),
        pytest.param(
            {"schemas": [USER, 5], "userName": "x"}, InvalidSyntax, id="schemas-non-string"
        ),
        pytest.param(
            {"schemas": [USER], "Schemas": [USER], "userName": "x"},
            InvalidSyntax,
            id="schemas-twice",
        ),
        pytest.param({"schemas": [ENTERPRISE_USER], "userName": "x"}, InvalidSyntax, id="no-core"),
        pytest.param({"schemas": [USER, GROUP], "userName": "x"}, InvalidValue, id="foreign-urn"),
        pytest.param(
            {"schemas": [USER, "urn:x:y"], "userName": "x"}, InvalidValue, id="unknown-urn"
        ),
    ],
)
def test_malformed_bodies_and_schemas_are_refused(body: Any, error: type[ScimError]) -> None:
    """C-3.3-01, P-3.12-19: the body is an object whose ``schemas`` lists the core URN and only
    URNs of the resource type; unknown URNs are invalidValue, a bad ``schemas`` invalidSyntax."""
    with pytest.raises(error):
        canon_user(body)


def test_schema_urns_and_attribute_names_are_matched_case_insensitively() -> None:
    """C-2.1-01: names and URNs match in any case; the output uses canonical spelling."""
    body = {
        "SCHEMAS": [USER.upper(), ENTERPRISE_USER.lower(), USER],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara"},
        "emails": [{"VALUE": "b@example.com", "Type": "work"}],
        ENTERPRISE_USER.upper(): {"EMPLOYEENUMBER": "7", "manager": {"VALUE": "m1"}},
    }
    assert canon_user(body) == {
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "bjensen",
        "name": {"givenName": "Barbara"},
        "emails": [{"value": "b@example.com", "type": "work"}],
        ENTERPRISE_USER: {"employeeNumber": "7", "manager": {"value": "m1"}},
    }


def test_id_meta_and_external_id_are_kept_for_the_caller_to_strip() -> None:
    body = user(id="abc", externalId="e1", meta={"resourceType": "User"})
    assert canon_user(body) == body


@pytest.mark.parametrize(
    ("body", "error", "named"),
    [
        pytest.param(user(nosuch="x"), InvalidSyntax, "nosuch", id="unknown-attribute"),
        pytest.param(user(name={"nick": "x"}), InvalidSyntax, "name.nick", id="unknown-sub"),
        pytest.param(
            user(emails=[{"value": "a", "label": "x"}]),
            InvalidSyntax,
            "emails.label",
            id="unknown-element-sub",
        ),
        pytest.param(
            {"schemas": [USER], "userName": "a", "USERNAME": "b"},
            InvalidSyntax,
            "userName",
            id="name-twice",
        ),
        pytest.param(
            user(name={"givenName": "a", "GIVENNAME": "b"}),
            InvalidSyntax,
            "givenName",
            id="sub-twice",
        ),
        pytest.param(
            user(**{f"{ENTERPRISE_USER}:employeeNumber": "7"}),
            InvalidSyntax,
            "employeeNumber",
            id="urn-qualified-key",
        ),
        pytest.param(
            {"schemas": [USER, ENTERPRISE_USER], "userName": "x", ENTERPRISE_USER: {"nosuch": 1}},
            InvalidSyntax,
            "nosuch",
            id="unknown-extension-attribute",
        ),
        pytest.param(
            {"schemas": [USER], "userName": "x", ENTERPRISE_USER: {"employeeNumber": "7"}},
            InvalidValue,
            ENTERPRISE_USER,
            id="extension-not-in-schemas",
        ),
        pytest.param(
            {"schemas": [USER, ENTERPRISE_USER], "userName": "x", ENTERPRISE_USER: "7"},
            InvalidValue,
            ENTERPRISE_USER,
            id="extension-not-object",
        ),
        pytest.param(
            {"schemas": [USER], "userName": "x", USER: {"nickName": "n"}},
            InvalidSyntax,
            USER,
            id="core-urn-as-key",
        ),
    ],
)
def test_unknown_or_duplicate_names_are_refused_naming_the_attribute(
    body: dict[str, Any], error: type[ScimError], named: str
) -> None:
    """The strict mock refuses names its schemas do not define, and the same name twice."""
    with pytest.raises(error) as info:
        canon_user(body)
    assert named in info.value.detail


@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param(user(active="yes"), "active", id="boolean-as-string"),
        pytest.param(user(userName=5), "userName", id="string-as-number"),
        pytest.param(user(emails={"value": "a"}), "emails", id="multi-valued-not-array"),
        pytest.param(user(name=[{"givenName": "a"}]), "name", id="single-valued-array"),
        pytest.param(user(nickName=["a"]), "nickName", id="simple-array"),
        pytest.param(user(name="Barbara"), "name", id="complex-as-string"),
        pytest.param(user(emails=["a@example.com"]), "emails", id="element-not-object"),
        pytest.param(user(emails=[None]), "emails", id="null-element"),
        pytest.param(user(emails=[[{"value": "a"}]]), "emails", id="nested-array"),
        pytest.param(
            user(emails=[{"value": "a", "primary": "true"}]), "emails.primary", id="sub-type"
        ),
        pytest.param(
            user(x509Certificates=[{"value": "not base64!"}]), "x509Certificates.value", id="binary"
        ),
        pytest.param(user(meta={"created": "yesterday"}), "meta.created", id="dateTime"),
        pytest.param(
            {
                "schemas": [USER, ENTERPRISE_USER],
                "userName": "x",
                ENTERPRISE_USER: {"manager": "m"},
            },
            f"{ENTERPRISE_USER}:manager",
            id="extension-complex",
        ),
    ],
)
def test_values_of_the_wrong_type_are_invalid_value(body: dict[str, Any], named: str) -> None:
    """C-2.3-02, P-3.12-22: each value has the JSON type of its SCIM type; detail names it."""
    with pytest.raises(InvalidValue) as info:
        canon_user(body)
    assert named in info.value.detail
    assert info.value.scim_type == "invalidValue"


@pytest.mark.parametrize(
    ("attribute", "value", "ok"),
    [
        ("count", 3, True),
        ("count", 1.5, False),  # C-2.3.4-01
        ("count", True, False),
        ("ratio", 1.5, True),
        ("ratio", 2, True),
        ("ratio", "1.5", False),
        ("born", "2024-01-01T00:00:00Z", True),
        ("born", "2024-01-01", False),  # C-2.3.5-01: date and time
        ("token", "aGVsbG8=", True),
        ("token", "***", False),
    ],
)
def test_numeric_datetime_and_binary_types_are_checked(
    attribute: str, value: Any, ok: bool
) -> None:
    body = {"schemas": [USER, TEST_EXT], "userName": "x", attribute: value}
    if ok:
        assert canonicalize_resource(custom(), custom_rt(), body)[attribute] == value
    else:
        with pytest.raises(InvalidValue):
            canonicalize_resource(custom(), custom_rt(), body)


def test_null_empty_array_and_empty_object_mean_unassigned_and_are_dropped() -> None:
    """RFC 7643 §2.5, C-2.5-01: null, [] and {} are all "no value"."""
    body = user(
        nickName=None,
        emails=[],
        name={},
        phoneNumbers=[{"value": None}],
        addresses=[{"locality": "X", "region": None}],
    )
    body["schemas"] = [USER, ENTERPRISE_USER]
    body[ENTERPRISE_USER] = None
    assert canon_user(body) == {
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "bjensen",
        "addresses": [{"locality": "X"}],
    }


@pytest.mark.parametrize(
    ("emails", "ok"),
    [
        ([{"value": "a", "primary": True}, {"value": "b", "primary": False}], True),
        ([{"value": "a", "primary": True}, {"value": "b"}], True),
        ([{"value": "a", "primary": True}, {"value": "b", "primary": True}], False),
    ],
)
def test_at_most_one_value_is_primary(emails: list[dict[str, Any]], ok: bool) -> None:
    """C-2.4-02: two ``primary: true`` values in one attribute are invalidValue."""
    if ok:
        assert canon_user(user(emails=emails))["emails"] == emails
    else:
        with pytest.raises(InvalidValue, match="primary"):
            canon_user(user(emails=emails))


@pytest.mark.parametrize(
    ("member_type", "stored"),
    [("User", "User"), ("group", "Group"), ("USER", "User"), ("Robot", None), ("", None)],
)
def test_group_member_type_must_be_user_or_group(member_type: str, stored: str | None) -> None:
    """Design decision: canonicalValues are enforced only for Group ``members.type``."""
    body = {
        "schemas": [GROUP],
        "displayName": "g",
        "members": [{"value": "1", "type": member_type}],
    }
    if stored is None:
        with pytest.raises(InvalidValue, match="members.type"):
            canonicalize_resource(registry(), rt("Group"), body)
    else:
        result = canonicalize_resource(registry(), rt("Group"), body)
        assert result["members"] == [{"value": "1", "type": stored}]


def test_other_canonical_values_are_advisory() -> None:
    """C-2.3.1-01: a provider MAY refuse values outside canonicalValues; we accept them."""
    assert (
        canon_user(user(emails=[{"value": "a", "type": "weird"}]))["emails"][0]["type"] == "weird"
    )


def test_canonicalize_does_not_mutate_its_input() -> None:
    body = user(emails=[{"VALUE": "a"}], nickName=None)
    snapshot = copy.deepcopy(body)
    canon_user(body)
    assert body == snapshot
