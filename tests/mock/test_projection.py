"""attributes / excludedAttributes and the returned characteristic (RFC 7644 §3.9)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scim_mock import errors
from scim_mock.projection import parse_attribute_list, project
from scim_mock.schema import (
    ENTERPRISE_USER,
    GROUP,
    USER,
    Attribute,
    ResourceType,
    Schema,
    SchemaRegistry,
)

REGISTRY = SchemaRegistry.load()

BJENSEN: dict[str, Any] = {
    "schemas": [USER, ENTERPRISE_USER],
    "id": "2819c223",
    "externalId": "bjensen",
    "userName": "bjensen",
    "name": {"familyName": "Jensen", "givenName": "Barbara"},
    "password": "t1meMa$heen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@example.org", "type": "home"},
    ],
    ENTERPRISE_USER: {"employeeNumber": "701984", "manager": {"value": "26118915"}},
    "meta": {
        "resourceType": "User",
        "created": "2024-05-01T12:00:00.000Z",
        "lastModified": "2024-05-01T12:00:00.000Z",
        "version": 'W/"3"',
    },
}


def user(attributes: list[str] | None = None, excluded: list[str] | None = None) -> dict[str, Any]:
    return project(BJENSEN, REGISTRY, "User", attributes, excluded)


def test_default_projection_is_everything_but_the_password() -> None:
    expected = {k: v for k, v in BJENSEN.items() if k != "password"}
    assert user() == expected
    assert list(user()) == list(expected)


@pytest.mark.parametrize(
    ("attributes", "excluded"),
    [(["password"], None), (["PASSWORD", "userName"], None), (None, ["userName"]), (None, None)],
)
def test_password_is_never_returned(
    attributes: list[str] | None, excluded: list[str] | None
) -> None:
    assert "password" not in user(attributes, excluded)


def test_attributes_returns_only_named_plus_always_and_schemas() -> None:
    assert user(["userName"]) == {
        "schemas": [USER, ENTERPRISE_USER],
        "id": "2819c223",
        "userName": "bjensen",
    }


def test_id_and_schemas_survive_exclusion() -> None:
    projected = user(excluded=["id", "schemas", "userName"])
    assert projected["id"] == "2819c223"
    assert projected["schemas"] == [USER, ENTERPRISE_USER]
    assert "userName" not in projected


def test_meta_is_returned_by_default_and_can_be_excluded_or_narrowed() -> None:
    assert "meta" not in user(excluded=["meta"])
    assert "meta" not in user(["userName"])
    assert user(["meta.lastModified"])["meta"] == {"lastModified": "2024-05-01T12:00:00.000Z"}
    assert user(excluded=["meta.version"])["meta"] == {
        k: v for k, v in BJENSEN["meta"].items() if k != "version"
    }


def test_sub_attribute_selection_returns_the_parent_with_only_that_part() -> None:
    assert user(["name.familyName"])["name"] == {"familyName": "Jensen"}
    assert user(["emails.value"])["emails"] == [
        {"value": "bjensen@example.com"},
        {"value": "babs@example.org"},
    ]
    assert user(["emails.value", "emails.type"])["emails"] == [
        {"value": "bjensen@example.com", "type": "work"},
        {"value": "babs@example.org", "type": "home"},
    ]
    assert user(["emails", "emails.value"])["emails"] == BJENSEN["emails"]


def test_sub_attribute_exclusion_keeps_the_rest() -> None:
    assert user(excluded=["name.givenName"])["name"] == {"familyName": "Jensen"}
    assert user(excluded=["emails.value"])["emails"] == [
        {"type": "work", "primary": True},
        {"type": "home"},
    ]


def test_elements_and_objects_left_empty_are_dropped() -> None:
    assert "name" not in user(["name.middleName"])
    assert "emails" not in user(["emails.display"])
    assert "emails" not in user(excluded=["emails.value", "emails.type", "emails.primary"])


@pytest.mark.parametrize(
    "name",
    [
        f"{USER}:userName",
        f"{USER.upper()}:USERNAME",
        "USERNAME",
        "username",
    ],
)
def test_names_are_case_insensitive_and_may_carry_the_core_urn(name: str) -> None:
    assert user([name])["userName"] == "bjensen"
    assert "userName" not in user(excluded=[name])


def test_extension_attributes_by_qualified_name_and_by_bare_urn() -> None:
    assert user([f"{ENTERPRISE_USER}:employeeNumber"])[ENTERPRISE_USER] == {
        "employeeNumber": "701984"
    }
    assert user([f"{ENTERPRISE_USER.lower()}:MANAGER.value"])[ENTERPRISE_USER] == {
        "manager": {"value": "26118915"}
    }
    assert user([ENTERPRISE_USER.upper()])[ENTERPRISE_USER] == BJENSEN[ENTERPRISE_USER]
    assert ENTERPRISE_USER not in user(excluded=[ENTERPRISE_USER])
    assert ENTERPRISE_USER not in user(["userName"])
    # An extension emptied by exclusion disappears; schemas stays as stored.
    emptied = user(excluded=[f"{ENTERPRISE_USER}:employeeNumber", f"{ENTERPRISE_USER}:manager"])
    assert ENTERPRISE_USER not in emptied
    assert emptied["schemas"] == [USER, ENTERPRISE_USER]


def test_unqualified_extension_names_do_not_match() -> None:
    # RFC 7644 §3.10: extension attributes are named with their URN.
    assert ENTERPRISE_USER not in user(["employeeNumber"])


def test_bare_core_urn_selects_core_attributes() -> None:
    projected = user([USER])
    assert projected["userName"] == "bjensen" and projected["emails"] == BJENSEN["emails"]
    assert "meta" not in projected and ENTERPRISE_USER not in projected
    assert "password" not in projected


def test_unknown_names_are_ignored() -> None:
    unknown = ["nickName", "noSuchThing", "name.nope", "urn:example:other:2.0:User:x", "ims.value"]
    assert user(unknown) == user(["id"])
    assert user(excluded=unknown) == user()


@pytest.mark.parametrize("name", ['emails[type eq "work"].value', "a.b.c", "user name", "9x"])
def test_malformed_names_are_invalid_value(name: str) -> None:
    with pytest.raises(errors.InvalidValue):
        user([name])


def test_attributes_and_excluded_attributes_together_are_refused() -> None:
    with pytest.raises(errors.InvalidValue) as info:
        user(["userName"], ["emails"])
    assert info.value.status == 400
    assert user([], ["emails"]) == user(excluded=["emails"])  # an empty list is no parameter


def test_keys_outside_the_schemas_are_not_returned() -> None:
    stored = {**BJENSEN, "internalNote": "x", "urn:example:ext": {"a": 1}}
    assert project(stored, REGISTRY, "User") == user()


def test_projection_copies_and_never_mutates_the_input() -> None:
    before = copy.deepcopy(BJENSEN)
    projected = user()
    projected["emails"][0]["value"] = "changed"
    projected["schemas"].append("x")
    assert before == BJENSEN


def test_group_members_projection() -> None:
    group = {
        "schemas": [GROUP],
        "id": "g1",
        "displayName": "Tour Guides",
        "members": [{"value": "u1", "$ref": "https://x/Users/u1", "display": "Babs"}],
    }
    group_type = REGISTRY.resource_type("Group")
    assert group_type is not None
    assert project(group, REGISTRY, group_type, ["members.value"]) == {
        "schemas": [GROUP],
        "id": "g1",
        "members": [{"value": "u1"}],
    }
    assert project(group, REGISTRY, "Group", excluded_attributes=["members"]) == {
        "schemas": [GROUP],
        "id": "g1",
        "displayName": "Tour Guides",
    }


def test_unknown_resource_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        project(BJENSEN, REGISTRY, "Widget")


# -- every returned characteristic, on a made-up resource type ---------------------------------

WIDGET_URN = "urn:example:params:scim:schemas:core:2.0:Widget"
WIDGET_SCHEMA = Schema(
    id=WIDGET_URN,
    name="Widget",
    description="Test resource with every returned characteristic",
    attributes=(
        Attribute(name="label"),
        Attribute(name="tag", returned="always"),
        Attribute(name="secret", returned="request"),
        Attribute(name="token", returned="never"),
        Attribute(name="pin", mutability="writeOnly"),
        Attribute(
            name="detail",
            type="complex",
            sub_attributes=(
                Attribute(name="a"),
                Attribute(name="b", returned="request"),
                Attribute(name="c", returned="always"),
                Attribute(name="d", returned="never"),
            ),
        ),
    ),
)
WIDGETS = SchemaRegistry(
    [*REGISTRY.schemas(), WIDGET_SCHEMA],
    [ResourceType(id="Widget", name="Widget", endpoint="/Widgets", schema=WIDGET_URN)],
)
WIDGET = {
    "schemas": [WIDGET_URN],
    "id": "w1",
    "label": "L",
    "tag": "T",
    "secret": "S",
    "token": "X",
    "pin": "1234",
    "detail": {"a": 1, "b": 2, "c": 3, "d": 4},
}


def widget(attributes: list[str] | None = None, excluded: list[str] | None = None) -> Any:
    return project(WIDGET, WIDGETS, "Widget", attributes, excluded)


def test_request_attributes_only_when_named() -> None:
    assert widget() == {
        "schemas": [WIDGET_URN],
        "id": "w1",
        "label": "L",
        "tag": "T",
        "detail": {"a": 1, "c": 3},
    }
    assert widget(["secret"]) == {"schemas": [WIDGET_URN], "id": "w1", "tag": "T", "secret": "S"}
    assert "secret" not in widget([WIDGET_URN])  # a bare URN does not name request attributes
    assert widget(["detail"])["detail"] == {"a": 1, "c": 3}
    assert widget(["detail", "detail.b"])["detail"] == {"a": 1, "b": 2, "c": 3}
    assert widget(["detail.b"])["detail"] == {"b": 2, "c": 3}


def test_always_attributes_resist_exclusion_and_never_or_write_only_never_appear() -> None:
    projected = widget(excluded=["tag", "detail.c", "label"])
    assert projected["tag"] == "T" and projected["detail"] == {"a": 1, "c": 3}
    for names in (["token", "pin", "detail.d"], [WIDGET_URN]):
        projected = widget(names)
        assert "token" not in projected and "pin" not in projected
        assert "d" not in projected.get("detail", {})
    assert "label" not in widget(excluded=[WIDGET_URN])


# -- parse_attribute_list -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (" , ,", None),
        ("userName", ["userName"]),
        ("userName, emails ,name.givenName", ["userName", "emails", "name.givenName"]),
        (["userName", "emails,meta"], ["userName", "emails", "meta"]),
        ([], None),
    ],
)
def test_parse_attribute_list(value: Any, expected: list[str] | None) -> None:
    assert parse_attribute_list(value) == expected


@pytest.mark.parametrize("value", [3, ["userName", 3], {"a": 1}])
def test_parse_attribute_list_refuses_non_strings(value: Any) -> None:
    with pytest.raises(errors.InvalidSyntax):
        parse_attribute_list(value)


# -- the default representation's fast path ------------------------------------------------------
#
# project() without attributes/excludedAttributes takes a per-key plan (projection._DefaultPlan);
# an excludedAttributes naming nothing the schema knows takes the general path with the same
# meaning, so the two must agree on any stored resource, however odd.

_NOTHING = ["noSuchAttribute"]


def _odd(value: Any, mask: int) -> Any:
    """``value`` with the sub-attribute names of its elements mis-cased and None members added
    (stored data a lenient variant or an old version may hold)."""
    if isinstance(value, list):
        return [_odd(item, mask >> 1) for item in value]
    if not isinstance(value, dict):
        return value
    odd = {(k.upper() if mask & 1 else k): v for k, v in value.items()}
    if mask & 2:
        odd.update({name: None for name in list(odd)[:1]}, nope=1)
    return odd


def _stored_resource(registry: SchemaRegistry, rt_name: str) -> st.SearchStrategy[dict[str, Any]]:
    from tests.mock.fuzz_values import right_value, wrong_value

    rt = registry.resource_type(rt_name)
    assert rt is not None
    top: dict[str, st.SearchStrategy[Any]] = {}
    extensions: dict[str, dict[str, st.SearchStrategy[Any]]] = {}
    for resolved in registry.attributes_of(rt):
        attribute = resolved.attribute
        right = right_value(attribute)
        odd = st.tuples(right, st.integers(0, 15)).map(lambda pair: _odd(*pair))
        # Mostly values of the right shape, where the sub-attribute rules matter.
        value = st.one_of(right, odd, right, odd, wrong_value(attribute), st.none())
        if resolved.is_extension:
            assert resolved.schema is not None
            extensions.setdefault(resolved.schema, {})[attribute.name] = value
        else:
            top[attribute.name] = value
    top.update({name.upper(): st.just("x") for name in ("userName", "displayName", "label")})
    optional = {
        **top,
        **{urn: st.fixed_dictionaries({}, optional=inner) for urn, inner in extensions.items()},
        **{urn.upper(): st.just({"employeeNumber": "1"}) for urn in extensions},
        "schemas": st.just([rt.schema]),
        "unknownKey": st.integers(),
        "urn:example:unknown:2.0:Ext": st.just({"a": 1}),
    }
    return st.fixed_dictionaries({}, optional=optional)


@pytest.mark.parametrize(
    ("registry", "rt_name"), [(REGISTRY, "User"), (REGISTRY, "Group"), (WIDGETS, "Widget")]
)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_the_default_plan_agrees_with_the_general_path(
    registry: SchemaRegistry, rt_name: str, data: st.DataObject
) -> None:
    resource = data.draw(_stored_resource(registry, rt_name))
    fast = project(resource, registry, rt_name)
    general = project(resource, registry, rt_name, None, _NOTHING)
    assert fast == general
    assert list(fast) == list(general)


def test_the_default_plan_keeps_its_answers_apart_per_resource_type() -> None:
    group = {"schemas": [GROUP], "displayName": "Admins", "userName": "not a Group attribute"}
    assert project(group, REGISTRY, "Group") == {"schemas": [GROUP], "displayName": "Admins"}
    assert project(BJENSEN, REGISTRY, "User")["userName"] == "bjensen"
