"""Fuzz family 4: PATCH requests (RFC 7644 §3.5.2) with bad ops, bad and filtered paths, values of
the wrong type, readOnly targets and broken PatchOp envelopes. The invariants are those of
``fuzz_requests.check``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from scim_mock.schema import Attribute, ResourceType
from tests.mock.fuzz_requests import (
    AUTHS,
    BASE,
    ENTERPRISE,
    GROUP,
    GROUP_RT,
    JSON_VALUES,
    PATCH_OP,
    USER,
    USER_RT,
    big,
    play_requests,
    rarely,
    run_family,
)
from tests.mock.fuzz_values import PARAM_JUNK, PATHS, attribute_entries, right_value, wrong_value

PATCH_PATHS = st.one_of(
    PATHS,
    st.sampled_from([
        "name..givenName", "emails[type eq]", "emails[", "]", "[]", "emails]", "emails[]",
        'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "nope"].value',
        'emails[type eq "work"]]', 'emails[type eq "work"].', 'emails[type eq "work"].value.x',
        'emails[value eq "a"][type eq "b"]', "emails[not (type pr)]", "emails[primary eq true]",
        'emails[type eq "work" and primary eq true].display', "emails[type[value pr]]",
        'members[value eq "{U1}"]', 'members[value eq "{G1}"].display', "members[type pr]",
        'members[value eq "{U2}"].value', "members.value", "members.display", "groups",
        "groups.display", "id", "meta", "meta.version", "meta.created", "schemas", " userName",
        "userName ", "\u2603", "\u00e9mails", "\x00", big("x" * 10_000), f"{ENTERPRISE}",
        f"{ENTERPRISE}:", f"{ENTERPRISE}:manager", f"{ENTERPRISE}:manager.displayName",
        f"{ENTERPRISE}:manager.value", f"{USER}:userName", f"{USER}:name.givenName",
        f"{GROUP}:members", "urn:x:y:z:userName", 'x509Certificates[value eq "aGVsbG8="]',
        'addresses[type eq "work"].locality', big("emails[" * 60 + "]" * 60),
        big('emails[value eq "' + "q" * 9000 + '"]'), "password", "active", "displayName",
    ]),
    st.text(max_size=15),
    st.sampled_from([None, 1, True, [], {}, ["userName"]]),
)
ALL_ENTRIES = attribute_entries(USER_RT) + attribute_entries(GROUP_RT)
OPS = st.sampled_from(["add", "remove", "replace", "Add", "REPLACE", "Remove", "move", "copy",
                       "test", "", None, 1, ["add"], "add "])
PATCH_VALUES = st.one_of(
    JSON_VALUES,
    st.sampled_from(ALL_ENTRIES).flatmap(lambda e: wrong_value(e[1]) | right_value(e[1])),
    st.sampled_from([
        {"userName": "patched"}, {"displayName": "x", "DISPLAYNAME": "y"},
        {ENTERPRISE: {"employeeNumber": 1}}, {ENTERPRISE: "x"}, {ENTERPRISE: {"schemas": "x"}},
        {f"{ENTERPRISE}:manager": {"value": "{U2}"}}, [{"value": "{U2}"}],
        [{"value": "{G2}", "type": "Group"}], [{"value": "{G1}"}], {"value": "{U1}"},
        [{"value": "no-such"}], {"emails[type eq \"work\"].value": "x"}, {"id": "new"},
        {"meta": {"version": "W/\"1\""}}, {"groups": [{"value": "{G1}"}]},
        [{"value": "a@b.c", "primary": True}, {"value": "c@d.e", "primary": True}],
        {"schemas": [USER]}, {"": 1}, {"members": [{"value": "{G2}"}]},
    ]),
)


VALUE_FILTERS = st.sampled_from([
    'type eq "work"', "primary eq true", 'value eq "{U1}"', 'value eq "{G1}"', "value pr",
    'type eq "work" and primary eq true', 'not (type eq "home")', 'value sw "one"',
    'type eq "nope"', "display pr", "primary gt 1", 'value eq 1',
])


@st.composite
def schema_operation(draw: st.DrawFn, rt: ResourceType) -> dict[str, Any]:
    """An operation whose path comes from the schema, with a right or wrong value for it."""
    extension, attribute = draw(st.sampled_from(attribute_entries(rt)))
    prefix = f"{extension}:" if extension else draw(st.sampled_from(["", "", f"{rt.schema}:"]))
    path, target = prefix + attribute.name, attribute
    shape = draw(st.integers(0, 3))
    if attribute.sub_attributes and shape >= 2:
        target = draw(st.sampled_from(attribute.sub_attributes))
        if attribute.multi_valued and shape == 3:
            path = f"{prefix}{attribute.name}[{draw(VALUE_FILTERS)}].{target.name}"
        else:
            path = f"{path}.{target.name}"
    elif attribute.multi_valued and attribute.sub_attributes and shape == 1:
        path = f"{path}[{draw(VALUE_FILTERS)}]"
        target = Attribute(attribute.name, "complex", sub_attributes=attribute.sub_attributes)
    op = draw(st.sampled_from(["add", "replace", "remove", "add", "replace", "Add", "REPLACE"]))
    operation: dict[str, Any] = {"op": op}
    if not rarely(draw, 10):
        operation["path"] = path
    else:  # no path: the value is an object of attributes
        target = Attribute("pathless", "complex", sub_attributes=(attribute,))
    if op.lower() != "remove" or rarely(draw, 10):
        good = not rarely(draw, 3)
        operation["value"] = draw(right_value(target) if good else wrong_value(target))
        if "path" not in operation and not isinstance(operation["value"], dict):
            operation["value"] = {prefix + attribute.name: operation["value"]}
    return operation


@st.composite
def junk_operation(draw: st.DrawFn) -> Any:
    """An operation with bad members, a bad path or a value unrelated to its path."""
    if rarely(draw, 8):
        return draw(JSON_VALUES)
    op: dict[str, Any] = {}
    keys = {"op": draw(st.sampled_from(["op", "OP", "Op"])),
            "path": draw(st.sampled_from(["path", "Path"])),
            "value": draw(st.sampled_from(["value", "VALUE"]))}
    if not rarely(draw, 11):
        op[keys["op"]] = draw(OPS)
    if not rarely(draw, 4):
        op[keys["path"]] = draw(PATCH_PATHS)
    if not rarely(draw, 4):
        op[keys["value"]] = draw(PATCH_VALUES)
    if rarely(draw, 13):
        op[draw(st.sampled_from(["from", "extra", "op "]))] = "x"
    return op


@st.composite
def patch_request(draw: st.DrawFn) -> dict[str, Any]:
    target = draw(st.sampled_from([
        "/Users/{U1}", "/Users/{U1}", "/Users/{U2}", "/Groups/{G1}", "/Groups/{G1}",
        "/Groups/{G2}", "/Users/{G1}", "/Users/no-such-id",
    ]))
    rt = USER_RT if target.startswith("/Users") else GROUP_RT
    assert rt is not None
    operation = st.one_of(schema_operation(rt), schema_operation(rt), junk_operation())
    operations: Any = draw(st.lists(operation, min_size=1, max_size=3))
    body: Any = {"schemas": [PATCH_OP], "Operations": operations}
    envelope = draw(st.sampled_from([-1] * 15 + [0, 1, 2, 3, 4]))
    if envelope == 0:
        body = {"Operations": operations}
    elif envelope == 1:
        body = {"schemas": [PATCH_OP], "Operations": draw(JSON_VALUES)}
    elif envelope == 2:
        body = {"schemas": PATCH_OP, "operations": operations, "extra": 1}
    elif envelope == 3:
        body = operations
    elif envelope == 4:
        body = {"schemas": [PATCH_OP], "Operations": operations * 50}
    query = {}
    if rarely(draw, 9):
        query[draw(st.sampled_from(["attributes", "excludedAttributes"]))] = draw(PARAM_JUNK)
    headers = {}
    if rarely(draw, 9):
        headers["If-Match"] = draw(st.sampled_from(['W/"1"', "*", "junk", '""', "W/"]))
    return {"method": "PATCH", "path": BASE + target, "body": body, "query": query,
            "headers": headers, "auth": draw(AUTHS)}


def test_patch_operations() -> None:
    """Random operation lists with bad ops, bad paths, wrong values and readOnly targets."""
    run_family("patch", 90, st.lists(patch_request(), min_size=5, max_size=5), play_requests)
