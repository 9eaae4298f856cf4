"""PATCH as a whole request (RFC 7644 §3.5.2): atomic (P-3.5.2-14) and pure, by example and by
Hypothesis properties; replace-then-read gives the value and adding values twice equals once.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_mock.errors import Mutability, ScimError
from scim_mock.patch_targets import resolve_target
from scim_mock.schema import ENTERPRISE_USER
from scim_mock.validation import canonicalize_value, equal_values, get_value
from tests.mock.patch_samples import (
    BJENSEN,
    JSMITH,
    bjensen,
    group,
    op,
    patch,
    prepared,
    registry,
    rt,
)

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
