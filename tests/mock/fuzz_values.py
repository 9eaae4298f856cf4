"""Schema-driven fuzz strategies shared by several fuzz families: attribute values of the right
and of the wrong type (attribute types, PATCH), attribute paths and query-parameter junk
(filters, PATCH).
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from scim_mock.schema import Attribute, ResourceType
from tests.mock.fuzz_requests import (
    ENTERPRISE,
    FINITE,
    GROUP_RT,
    PLACEHOLDERS,
    REGISTRY,
    SCALARS,
    USER,
    USER_RT,
    big,
    mangle_case,
)

# -- values of the right and of the wrong type ---------------------------------------------------

DATES = ["2024-01-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01", "yesterday", "",
         "2024-01-01T25:61:61Z", "99999-01-01T00:00:00+99:99", "2024-01-01T00:00:00.1234567Z"]


def right_single(attribute: Attribute) -> st.SearchStrategy[Any]:
    """A value of the attribute's own type (single element for multi-valued ones)."""
    kind = attribute.type
    if kind == "complex":
        optional = {sub.name: right_value(sub) for sub in attribute.sub_attributes}
        return st.fixed_dictionaries({}, optional=optional)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers()
    if kind == "decimal":
        return FINITE
    if kind == "dateTime":
        return st.sampled_from(DATES[:1])
    if kind == "binary":
        return st.sampled_from(["aGVsbG8=", "", "TUlJQg=="])
    if kind == "reference":
        return st.sampled_from(["https://example.com/a", "urn:x:y", "{U1}", "../rel"])
    if attribute.name in ("value",) and attribute.mutability == "immutable":
        return PLACEHOLDERS | st.text(max_size=8)  # Group members
    if attribute.name == "type" and attribute.mutability == "immutable":
        return st.sampled_from(["User", "Group", "user", "Other"])
    return st.text(max_size=12)


def right_value(attribute: Attribute) -> st.SearchStrategy[Any]:
    if attribute.multi_valued:
        return st.lists(right_single(attribute), max_size=2)
    return right_single(attribute)


def wrong_single(attribute: Attribute) -> st.SearchStrategy[Any]:
    """A single value of some other JSON type (or a malformed one of the right type)."""
    kind = attribute.type
    objects = st.dictionaries(st.text(max_size=6), SCALARS, min_size=1, max_size=2)
    if kind == "complex":
        subs = attribute.sub_attributes
        wrong_sub = st.sampled_from(subs).flatmap(
            lambda sub: st.tuples(st.just(sub.name), wrong_value(sub))
        ).map(lambda kv: {kv[0]: kv[1]})
        unknown = st.text(min_size=1, max_size=8).map(lambda k: {k + "_x": 1})
        mangled = st.tuples(st.sampled_from(subs), st.integers(0, 2**16)).map(
            lambda t: {t[0].name: "a", mangle_case(t[0].name, t[1] | 1): "b"}
        )  # the same sub-attribute twice, in another case
        nested = st.sampled_from(subs).map(lambda sub: {sub.name: {"deeper": {"x": [1]}}})
        return st.one_of(SCALARS.filter(lambda v: v is not None), wrong_sub, unknown, mangled,
                         nested, st.just({"value": None, "primary": "yes"}))
    wrong = {
        "boolean": st.one_of(st.sampled_from(["true", "false", 1, 0, "yes", 1.0]), objects),
        "integer": st.one_of(st.text(max_size=4), FINITE.filter(lambda f: f != int(f)),
                             st.booleans(), objects),
        "decimal": st.one_of(st.text(max_size=4), st.booleans(), objects),
        "dateTime": st.one_of(st.sampled_from(DATES[1:]), st.integers(), st.booleans(), objects),
        "binary": st.one_of(st.sampled_from(["not base64!", "a", "====", "\u00e9"]),
                            st.integers(), objects),
    }.get(kind, st.one_of(st.integers(), FINITE, st.booleans(), objects))
    return wrong


def wrong_value(attribute: Attribute) -> st.SearchStrategy[Any]:
    if attribute.multi_valued:
        element = right_single(attribute)
        return st.one_of(
            wrong_single(attribute),  # a single value where an array is expected
            right_single(attribute).filter(lambda v: v not in ({}, None)),
            st.lists(wrong_single(attribute), min_size=1, max_size=3),
            st.lists(element, min_size=1, max_size=2).map(lambda items: [*items, None]),
            st.lists(element, min_size=1, max_size=2).map(lambda items: [items]),
            st.just([{"value": "a", "primary": True}, {"value": "b", "primary": True}]),
        )
    return st.one_of(
        wrong_single(attribute),
        st.lists(right_single(attribute), min_size=1, max_size=2),  # array where single
    )


def attribute_entries(rt: ResourceType) -> list[tuple[str | None, Attribute]]:
    """(extension URN or None, attribute) for every attribute of ``rt``, from the registry."""
    entries = [
        (resolved.schema if resolved.is_extension else None, resolved.attribute)
        for resolved in REGISTRY.attributes_of(rt)
    ]
    random.Random(rt.name).shuffle(entries)  # Hypothesis favours the first ones: mix them
    return entries


# -- attribute paths and query-parameter junk ----------------------------------------------------

def _attribute_paths() -> list[str]:
    paths: set[str] = {"schemas", "id", "meta.created", "meta.version", "groups.value"}
    for rt in (USER_RT, GROUP_RT):
        assert rt is not None
        for extension, attribute in attribute_entries(rt):
            prefix = f"{extension}:" if extension else ""
            paths.add(prefix + attribute.name)
            for sub in attribute.sub_attributes:
                paths.add(f"{prefix}{attribute.name}.{sub.name}")
    ordered = sorted(paths)
    random.Random(7).shuffle(ordered)  # Hypothesis favours the first ones: mix them
    return ordered


ATTRIBUTE_PATHS = _attribute_paths()
JUNK_PATHS = ["", "userName.", ".x", "a..b", "urn:", f"{USER}:", "urn:x:y:z", "emails[type",
              "$ref", "\u00fcser", "1abc", "userName.givenName.x", f"{USER}:name.givenName",
              f"{ENTERPRISE}", f"{ENTERPRISE}:manager.value", big("x" * 300), "USERNAME",
              "Emails.VALUE"]
PATHS = st.sampled_from([False, False, False, True]).flatmap(
    lambda junk: st.sampled_from(JUNK_PATHS if junk else ATTRIBUTE_PATHS)
)
PARAM_JUNK = st.one_of(
    st.sampled_from(["", "0", "-1", "1", "1.5", "ten", "99999999999999999999999", " 2", "+3",
                     "0x10", "1e3", "\u0661", "NaN", "null", "ascending", "DESCENDING", "up",
                     "userName", "name", "emails.value", "password", "meta.created",
                     "urn:x:y", ",,,", "userName,,", "a..b", "emails[type eq \"work\"]",
                     f"{ENTERPRISE}:manager", big("x" * 3000)]),
    PATHS,
    st.text(max_size=12),
)
