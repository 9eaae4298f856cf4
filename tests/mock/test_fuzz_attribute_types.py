"""Fuzz family 2: every User and Group attribute with values of the wrong JSON type, unknown and
case-mangled names, bad ``schemas`` and non-object extensions, in POST and PUT bodies. The
invariants are those of ``fuzz_requests.check``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from scim_mock.schema import ResourceType
from tests.mock.fuzz_requests import (
    AUTHS,
    BASE,
    ENTERPRISE,
    GROUP,
    GROUP_RT,
    USER,
    USER_RT,
    mangle_case,
    play_requests,
    run_family,
    user_body,
)
from tests.mock.fuzz_values import attribute_entries, right_value, wrong_value


@st.composite
def mutation(draw: st.DrawFn, rt: ResourceType) -> Callable[[dict[str, Any]], None]:
    """A change to a resource body that (mostly) breaks it."""
    kind = draw(st.sampled_from(
        ["wrong"] * 6 + ["right", "mangled", "unknown", "schemas", "extension", "null"]
    ))
    extension, attribute = draw(st.sampled_from(attribute_entries(rt)))
    name = attribute.name
    if kind == "mangled":
        name = mangle_case(name, draw(st.integers(0, 2**16)))
    value = draw(right_value(attribute) if kind in ("right", "mangled")
                 else wrong_value(attribute))
    if kind == "null":
        value = draw(st.sampled_from([None, [], {}, ""]))

    def apply(body: dict[str, Any]) -> None:
        if kind == "unknown":
            body[draw_unknown] = value
        elif kind == "schemas" and schemas_value == "<missing>":
            body.pop("schemas", None)
        elif kind == "schemas":
            body[schemas_key] = schemas_value
        elif kind == "extension":
            body[ENTERPRISE if ext_case is None else mangle_case(ENTERPRISE, ext_case)] = ext_val
        elif extension is None:
            body[name] = value
        else:
            holder = body.get(extension)
            if not isinstance(holder, dict):
                holder = body[extension] = {}
            holder[name] = value
            # Earlier changes may have removed or mangled "schemas"; list the extension only
            # where there is still a list to list it in.
            listed = body.get("schemas")
            if draw_listed and isinstance(listed, list) and extension not in listed:
                body["schemas"] = [*listed, extension]

    draw_unknown = draw(st.sampled_from(
        ["unknownAttr", "userName.givenName", "urn:x:y:z", f"{USER}:nope", f"{GROUP}:displayName",
         f"{ENTERPRISE}:employeeNumber", "", " ", "emails[type eq \"work\"]", "$ref", "\u00e9"]
    ) | st.text(max_size=10))
    schemas_key = draw(st.sampled_from(["schemas", "SCHEMAS", "Schemas"]))
    schemas_value = draw(st.sampled_from([
        "<missing>", [], None, "x", USER, [1], [None], [USER, USER], [ENTERPRISE], ["urn:unknown"],
        [USER.upper(), ENTERPRISE.lower()], [GROUP], [USER, GROUP], [{"a": USER}], [[USER]],
        [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Group"], {"0": USER},
    ]))
    ext_case = draw(st.none() | st.integers(0, 2**16))
    ext_val = draw(st.sampled_from(["x", 1, True, [], [{}], [{"employeeNumber": "1"}],
                                    {"unknown": 1}, {"employeeNumber": 5}, {"manager": "m"},
                                    {"schemas": [ENTERPRISE]}, {"employeeNumber": "ok"}]))
    draw_listed = draw(st.booleans())
    return apply


@st.composite
def typed_request(draw: st.DrawFn) -> dict[str, Any]:
    rt = draw(st.sampled_from([USER_RT, GROUP_RT]))
    assert rt is not None
    name = draw(st.text(min_size=1, max_size=10))
    body: dict[str, Any] = (
        user_body(name) if rt is USER_RT else {"schemas": [GROUP], "displayName": name}
    )
    for change in draw(st.lists(mutation(rt), min_size=1, max_size=3)):
        change(body)
    if draw(st.booleans()) and isinstance(body.get("schemas"), list) and ENTERPRISE in body:
        body["schemas"] = [s for s in body["schemas"] if s != ENTERPRISE]
    endpoint = rt.endpoint
    method, path = draw(st.sampled_from([
        ("POST", BASE + endpoint),
        ("POST", BASE + endpoint),
        ("PUT", BASE + endpoint + ("/{U2}" if rt is USER_RT else "/{G2}")),
    ]))
    return {"method": method, "path": path, "body": body, "auth": draw(AUTHS)}


def test_wrong_attribute_types() -> None:
    """Every User and Group attribute with values of the wrong JSON type, unknown names,
    case-mangled names, bad schemas and non-object extensions."""
    run_family("types", 100, st.lists(typed_request(), min_size=5, max_size=5), play_requests)
