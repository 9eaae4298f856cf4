"""Tests of ``scim_mock.validation``: canonical form and RFC 7643 §2 characteristics."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest

from scim_mock.errors import InvalidSyntax, InvalidValue, Mutability, ScimError
from scim_mock.schema import (
    ENTERPRISE_USER,
    GROUP,
    USER,
    Attribute,
    ResolvedAttribute,
    ResourceType,
    Schema,
    SchemaExtension,
    SchemaRegistry,
)
from scim_mock.validation import (
    canonicalize_resource,
    canonicalize_value,
    check_immutable,
    check_required,
    equal_values,
    merge_for_replace,
    strip_read_only,
)

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


# -- canonicalize_resource: shape and schemas ----------------------------------------------------


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


# -- canonicalize_value ------------------------------------------------------------------------


def resolved(
    name: str, sub: str | None = None, urn: str | None = None, type_: str = "User"
) -> ResolvedAttribute:
    found = registry().resolve(rt(type_), name, sub, urn)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("target", "value", "element", "expected"),
    [
        pytest.param(resolved("emails"), [{"VALUE": "a"}], False, [{"value": "a"}], id="list"),
        pytest.param(resolved("emails"), {"VALUE": "a"}, True, {"value": "a"}, id="one-element"),
        pytest.param(
            resolved("emails"), [{"value": "a"}], True, [{"value": "a"}], id="list-element-mode"
        ),
        pytest.param(resolved("emails"), [], False, None, id="empty-list"),
        pytest.param(resolved("emails"), None, True, None, id="null-element"),
        pytest.param(resolved("emails", "value"), "a@b", False, "a@b", id="sub-attribute"),
        pytest.param(
            resolved("name"), {"FamilyName": "J"}, False, {"familyName": "J"}, id="complex"
        ),
        pytest.param(resolved("active"), False, False, False, id="boolean"),
        pytest.param(
            resolved("members", "type", type_="Group"), "group", False, "Group", id="member-type"
        ),
        pytest.param(
            resolved("manager", urn=ENTERPRISE_USER),
            {"Value": "m"},
            False,
            {"value": "m"},
            id="extension",
        ),
    ],
)
def test_canonicalize_value_checks_a_value_for_one_attribute(
    target: ResolvedAttribute, value: Any, element: bool, expected: Any
) -> None:
    result = canonicalize_value(registry(), rt("User"), target, value, element=element)
    assert result == expected


@pytest.mark.parametrize(
    ("target", "value", "element"),
    [
        pytest.param(resolved("emails"), {"value": "a"}, False, id="element-without-element-mode"),
        pytest.param(resolved("emails", "primary"), "yes", False, id="sub-type"),
        pytest.param(resolved("nickName"), ["a"], False, id="array-for-single"),
        pytest.param(
            resolved("emails"), [{"value": "a", "primary": True}] * 2, False, id="two-primary"
        ),
        pytest.param(resolved("members", "type", type_="Group"), "Robot", False, id="member-type"),
    ],
)
def test_canonicalize_value_refuses_bad_values(
    target: ResolvedAttribute, value: Any, element: bool
) -> None:
    with pytest.raises(InvalidValue):
        canonicalize_value(registry(), rt("User"), target, value, element=element)


def test_canonicalize_value_refuses_unknown_sub_attributes() -> None:
    with pytest.raises(InvalidSyntax, match="name.nick"):
        canonicalize_value(registry(), rt("User"), resolved("name"), {"nick": "n"})


# -- strip_read_only -----------------------------------------------------------------------------


def test_read_only_attributes_sent_by_a_client_are_dropped() -> None:
    """P-3.3-01, P-3.5.1-06: id, meta, groups, members.display, manager.displayName."""
    body = user(
        id="client-id",
        meta={"created": "2000-01-01T00:00:00Z"},
        groups=[{"value": "g"}],
        nickName="n",
    )
    body["schemas"].append(ENTERPRISE_USER)
    body[ENTERPRISE_USER] = {"manager": {"value": "m", "displayName": "Boss"}}
    snapshot = copy.deepcopy(body)
    assert strip_read_only(registry(), rt("User"), body) == {
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "bjensen",
        "nickName": "n",
        ENTERPRISE_USER: {"manager": {"value": "m"}},
    }
    assert body == snapshot


def test_read_only_sub_attributes_of_multi_valued_values_are_dropped() -> None:
    group = {
        "schemas": [GROUP],
        "displayName": "g",
        "members": [{"value": "1", "display": "One"}, {"display": "only display"}],
    }
    assert strip_read_only(registry(), rt("Group"), group)["members"] == [{"value": "1"}]


def test_an_extension_left_empty_by_stripping_is_dropped() -> None:
    body = {
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "x",
        ENTERPRISE_USER: {"manager": {"displayName": "B"}},
    }
    assert ENTERPRISE_USER not in strip_read_only(registry(), rt("User"), body)


# -- check_required ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        pytest.param({"schemas": [USER]}, "userName", id="missing"),
        pytest.param(user(userName=""), "userName", id="empty-string"),
        pytest.param(user(userName=None), "userName", id="null"),
    ],
)
def test_missing_required_attributes_are_invalid_value(
    resource: dict[str, Any], named: str
) -> None:
    """P-3.12-22: a missing required value is invalidValue, and the detail names it."""
    with pytest.raises(InvalidValue) as info:
        check_required(registry(), rt("User"), resource)
    assert named in info.value.detail


def test_required_check_skips_read_only_attributes() -> None:
    """``id`` is required by RFC 7643 §3.1 but assigned by the server."""
    check_required(registry(), rt("User"), user())
    check_required(registry(), rt("Group"), {"schemas": [GROUP], "displayName": "g"})


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        pytest.param(
            {"schemas": [USER], "userName": "x"}, TEST_EXT, id="required-extension-missing"
        ),
        pytest.param(
            {"schemas": [USER, TEST_EXT], "userName": "x"},
            f"{TEST_EXT}:level",
            id="extension-attribute",
        ),
        pytest.param(
            {
                "schemas": [USER, TEST_EXT],
                "userName": "x",
                TEST_EXT: {"level": "1"},
                "badge": {"serial": "s"},
            },
            "badge.code",
            id="required-sub-attribute",
        ),
    ],
)
def test_required_extensions_and_sub_attributes_are_checked(
    resource: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidValue) as info:
        check_required(custom(), custom_rt(), resource)
    assert named in info.value.detail


def test_complete_resource_with_required_extension_passes() -> None:
    resource = {
        "schemas": [USER, TEST_EXT],
        "userName": "x",
        TEST_EXT: {"level": "1"},
        "badge": {"code": "c"},
    }
    check_required(custom(), custom_rt(), resource)


# -- check_immutable and merge_for_replace --------------------------------------------------------


def widget(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER, TEST_EXT], "userName": "x", TEST_EXT: {"level": "1"}, **extra}


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(widget(serial="A"), widget(serial="B"), False, id="changed"),
        pytest.param(widget(serial="A"), widget(serial="a"), True, id="same-case-insensitive"),
        pytest.param(widget(serial="A"), widget(), True, id="absent-in-new"),
        pytest.param(widget(), widget(serial="B"), True, id="first-value"),
        pytest.param(widget(codes=["a", "b"]), widget(codes=["B", "A"]), True, id="multi-same-set"),
        pytest.param(widget(codes=["a"]), widget(codes=["a", "b"]), False, id="multi-changed"),
        pytest.param(
            widget(badge={"code": "c", "serial": "1"}),
            widget(badge={"code": "d", "serial": "2"}),
            False,
            id="immutable-sub-attribute",
        ),
        pytest.param(
            widget(badge={"code": "c", "serial": "1"}),
            widget(badge={"code": "d"}),
            True,
            id="immutable-sub-attribute-omitted",
        ),
    ],
)
def test_put_cannot_change_a_set_immutable_value(
    old: dict[str, Any], new: dict[str, Any], ok: bool
) -> None:
    """P-3.5.1-04, P-3.5.1-05, C-7-14: set immutable values stay; unset ones may be given."""
    if ok:
        check_immutable(custom(), custom_rt(), old, new)
    else:
        with pytest.raises(Mutability):
            check_immutable(custom(), custom_rt(), old, new)


def test_put_may_replace_group_members_despite_immutable_member_values() -> None:
    """P-3.5.1-09: members have no identity, so replacing the list is no immutability breach."""
    old = {"schemas": [GROUP], "displayName": "g", "members": [{"value": "A"}, {"value": "B"}]}
    new = {"schemas": [GROUP], "displayName": "g", "members": [{"value": "B"}]}
    merged = merge_for_replace(registry(), rt("Group"), old, new)
    assert merged["members"] == [{"value": "B"}]


def test_merge_for_replace_keeps_server_values_and_replaces_the_rest() -> None:
    """P-3.5.1-02, P-3.5.1-03, P-3.5.1-06: readOnly from old, readWrite from new, omitted cleared;
    writeOnly ``password`` kept when omitted (design decision)."""
    old = user(
        id="1",
        meta={"resourceType": "User", "version": 'W/"1"'},
        nickName="old",
        title="t",
        password="secret",
        groups=[{"value": "g1"}],
    )
    new = user(id="client", meta={"version": "x"}, nickName="new", groups=[{"value": "g2"}])
    merged = merge_for_replace(registry(), rt("User"), old, new)
    assert merged == {
        "schemas": [USER],
        "userName": "bjensen",
        "nickName": "new",
        "id": "1",
        "meta": {"resourceType": "User", "version": 'W/"1"'},
        "password": "secret",
        "groups": [{"value": "g1"}],
    }
    assert "title" not in merged
    assert merged["meta"] is not old["meta"]


def test_merge_for_replace_takes_a_new_password_and_read_only_sub_attributes_from_old() -> None:
    old = {
        "schemas": [USER, ENTERPRISE_USER],
        "id": "1",
        "userName": "x",
        "password": "old",
        ENTERPRISE_USER: {"manager": {"value": "m", "displayName": "Boss"}},
    }
    new = {
        "schemas": [USER, ENTERPRISE_USER],
        "userName": "x",
        "password": "new",
        ENTERPRISE_USER: {"manager": {"value": "m2", "displayName": "client"}},
    }
    merged = merge_for_replace(registry(), rt("User"), old, new)
    assert merged["password"] == "new"
    assert merged[ENTERPRISE_USER] == {"manager": {"value": "m2", "displayName": "Boss"}}


def test_merge_for_replace_carries_immutable_values_and_their_extension() -> None:
    old = widget(serial="S")
    new = {"schemas": [USER], "userName": "x"}
    merged = merge_for_replace(custom(), custom_rt(), old, new)
    assert merged["serial"] == "S"
    with pytest.raises(Mutability):
        merge_for_replace(custom(), custom_rt(), old, widget(serial="T"))


# -- equal_values --------------------------------------------------------------------------------

CASE_EXACT = Attribute("externalId", case_exact=True)
CASE_IGNORED = Attribute("userName")
WHEN = Attribute("when", type="dateTime")
FLAG = Attribute("flag", type="boolean")
NUMBER = Attribute("n", type="decimal")
EMAILS = Attribute(
    "emails",
    type="complex",
    multi_valued=True,
    sub_attributes=(Attribute("value"), Attribute("type"), Attribute("ref", case_exact=True)),
)


@pytest.mark.parametrize(
    ("attribute", "a", "b", "equal"),
    [
        (CASE_IGNORED, "Babs", "babs", True),
        (CASE_EXACT, "Babs", "babs", False),
        (CASE_EXACT, "Babs", "Babs", True),
        (WHEN, "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
        (WHEN, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
        (FLAG, True, 1, False),
        (FLAG, False, False, True),
        (NUMBER, 1, 1.0, True),
        (CASE_IGNORED, None, [], True),
        (CASE_IGNORED, None, "x", False),
        (EMAILS, {"value": "A", "type": "work"}, {"type": "WORK", "value": "a"}, True),
        (EMAILS, {"value": "a", "ref": "X"}, {"value": "a", "ref": "x"}, False),
        (EMAILS, {"value": "a"}, {"value": "a", "type": None}, True),
        (EMAILS, {"value": "a"}, {"value": "a", "type": "work"}, False),
        (EMAILS, [{"value": "a"}, {"value": "b"}], [{"value": "B"}, {"value": "a"}], True),
        (EMAILS, [{"value": "a"}, {"value": "a"}], [{"value": "a"}, {"value": "b"}], False),
        (EMAILS, [{"value": "a"}], [{"value": "a"}, {"value": "a"}], False),
    ],
)
def test_equal_values_respects_case_exact_types_and_multisets(
    attribute: Attribute, a: Any, b: Any, equal: bool
) -> None:
    """RFC 7643 §2.2 caseExact; C-7-10 / C-7-12; multi-valued order carries no meaning."""
    assert equal_values(attribute, a, b) is equal
    assert equal_values(attribute, b, a) is equal
