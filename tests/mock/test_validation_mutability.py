"""Mutability on writes (RFC 7643 §2.2, §7): readOnly values a client sends are dropped
(``strip_read_only``), set immutable values cannot change (``check_immutable``), and PUT keeps
what the server owns (``merge_for_replace``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scim_mock.errors import Mutability
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER
from scim_mock.validation import check_immutable, merge_for_replace, strip_read_only
from tests.mock.validation_samples import TEST_EXT, custom, custom_rt, registry, rt, user

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
