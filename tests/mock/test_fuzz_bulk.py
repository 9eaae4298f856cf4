"""Fuzz family 5: BulkRequests (RFC 7644 §3.7) with bad methods and paths, bulkId junk, self and
cyclic references, too many operations and failOnErrors junk. The invariants are those of
``fuzz_requests.check``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.mock.fuzz_requests import (
    AUTHS,
    BASE,
    BULK,
    GROUP,
    JSON_VALUES,
    PATCH_OP,
    SEARCH,
    USER,
    big,
    play_requests,
    rarely,
    run_family,
)

BULK_METHODS = st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "POST", "DELETE", "GET",
                                "post", "", None, 1, "HEAD", ["POST"]])
BULK_PATHS = st.sampled_from([
    "/Users", "/Groups", "/Users/{U1}", "/Users/{U2}", "/Groups/{G1}", "/Groups/{G2}",
    "/Users/bulkId:a", "/Groups/bulkId:b", "/Groups/bulkId:self", "Users", "/", "", "/Bulk",
    "/Users/x/y", "/Unknown", "/Users/bulkId:", "/Users/bulkId:nope", big("/Users/" + "x" * 5000),
    "/Me", "/.search", "/Users/.search", "/Schemas", "//Users", "/users", None, 1,
])
BULK_IDS = st.sampled_from(["a", "b", "c", "self", "a", "", None, 1, big("x" * 1000), "bulkId:a",
                            "\u00fc", " ", "b"])
BULK_DATA = st.one_of(
    st.sampled_from([
        {"schemas": [USER], "userName": "bulk-a"},
        {"schemas": [USER], "userName": "bulk-b", "emails": [{"value": "bulkId:a"}]},
        {"schemas": [GROUP], "displayName": "bulk-g", "members": [{"value": "bulkId:a"}]},
        {"schemas": [GROUP], "displayName": "g-self", "members": [{"value": "bulkId:self"}]},
        {"schemas": [GROUP], "displayName": "g-b", "members": [{"value": "bulkId:c"}]},
        {"schemas": [GROUP], "displayName": "g-c", "members": [{"value": "bulkId:b"}]},
        {"schemas": [GROUP], "displayName": "g-x", "members": [{"value": "{U1}"},
                                                               {"value": "bulkId:nope"}]},
        {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members",
                                                "value": [{"value": "bulkId:a"}]}]},
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
        {"schemas": [PATCH_OP], "Operations": "x"},
        {"schemas": [USER], "userName": "bulkId:a"},
        {"schemas": [USER]},
    ]),
    JSON_VALUES,
)


BULK_USERS = st.sampled_from([
    {"schemas": [USER], "userName": "bulk-a"}, {"schemas": [USER], "userName": "bulk-b"},
    {"schemas": [USER], "userName": "bulk-c", "emails": [{"value": "bulkId:a"}]},
    {"schemas": [USER], "userName": "bulkId:a"}, {"schemas": [USER]},
    {"schemas": [USER], "userName": "seed.one"},
])
BULK_GROUPS = st.sampled_from([
    {"schemas": [GROUP], "displayName": "bg-a", "members": [{"value": "bulkId:a"}]},
    {"schemas": [GROUP], "displayName": "bg-self", "members": [{"value": "bulkId:self"}]},
    {"schemas": [GROUP], "displayName": "bg-b", "members": [{"value": "bulkId:c"}]},
    {"schemas": [GROUP], "displayName": "bg-c", "members": [{"value": "bulkId:b"}]},
    {"schemas": [GROUP], "displayName": "bg-u", "members": [{"value": "{U1}"},
                                                            {"value": "bulkId:nope"}]},
    {"schemas": [GROUP], "displayName": "bg-g", "members": [{"value": "{G1}", "type": "User"}]},
])
BULK_PATCHES = st.sampled_from([
    {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members",
                                            "value": [{"value": "bulkId:a"}]}]},
    {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members",
                                            "value": [{"value": "{G2}"}]}]},
    {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "members"}]},
    {"schemas": [PATCH_OP], "Operations": "x"},
])


@st.composite
def bulk_operation(draw: st.DrawFn) -> Any:
    """A mostly well-formed operation (so that most requests reach the per-operation work),
    with junk in one member now and then."""
    if rarely(draw, 31):
        return draw(JSON_VALUES)
    method = draw(st.sampled_from(["POST", "POST", "PUT", "PATCH", "DELETE", "DELETE"]))
    endpoint = draw(st.sampled_from(["/Users", "/Groups"]))
    target = draw(st.sampled_from(["{U1}", "{U2}", "{G1}", "{G2}", "bulkId:a", "bulkId:b",
                                   "bulkId:c", "bulkId:self", "bulkId:nope", "no-such"]))
    data = draw(BULK_USERS if endpoint == "/Users" else BULK_GROUPS)
    op: dict[str, Any] = {"method": method}
    if method == "POST":
        op["path"] = endpoint
        op["bulkId"] = draw(st.sampled_from(["a", "b", "c", "self", "d", "e"]))
    else:
        op["path"] = f"{endpoint}/{target}"
    if method in ("POST", "PUT"):
        op["data"] = data
    elif method == "PATCH":
        op["data"] = draw(BULK_PATCHES)
    if rarely(draw, 9):
        op["version"] = draw(st.sampled_from(['W/"1"', "*", 1, "junk"]))
    if rarely(draw, 8):  # junk in one member
        key = draw(st.sampled_from(["method", "path", "bulkId", "data", "version", "METHOD",
                                    "Path", "extra"]))
        op[key] = draw(st.one_of(BULK_METHODS, BULK_PATHS, BULK_IDS, BULK_DATA))
    return op


@st.composite
def bulk_request(draw: st.DrawFn) -> dict[str, Any]:
    operations: Any = draw(st.lists(bulk_operation(), max_size=5))
    shape = draw(st.sampled_from([-1] * 12 + [0, 1]))
    if shape == 0:
        operations = operations * draw(st.sampled_from([17, 100, 1000]))  # up to far too many
    elif shape == 1:
        operations = draw(JSON_VALUES)
    body: Any = {"schemas": [BULK], "Operations": operations}
    if rarely(draw, 3):
        body["failOnErrors"] = draw(st.sampled_from(
            [1, 2, 3, 1, 0, -1, "1", True, None, 1.5, 10**30, [1], {"n": 1}]
        ))
    junk = draw(st.sampled_from([-1] * 9 + [0, 1, 2]))
    if junk == 0:
        body["schemas"] = draw(st.sampled_from([[], "x", [SEARCH], None, [BULK, BULK], [1]]))
    elif junk == 1:
        body = draw(st.sampled_from([[body], "x", None, 1]))
    elif junk == 2:
        body["extra"] = draw(JSON_VALUES)
    return {"method": "POST", "path": f"{BASE}/Bulk", "body": body, "auth": draw(AUTHS)}


def test_bulk_documents() -> None:
    """Random BulkRequests: bad methods and paths, bulkId junk, self and cyclic references,
    too many operations, failOnErrors junk and nested data junk."""
    run_family("bulk", 70, st.lists(bulk_request(), min_size=5, max_size=5), play_requests)
