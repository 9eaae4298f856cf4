"""Fuzz family 1: malformed JSON bodies (truncated, garbage, non-UTF-8, NaN, duplicate keys,
non-objects, deep and huge documents) on every endpoint that reads a body. The invariants are
those of ``fuzz_requests.check``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.mock.fuzz_requests import (
    AUTHS,
    BASE,
    BULK,
    ENTERPRISE,
    GROUP,
    PATCH_OP,
    SCIM_JSON,
    SEARCH,
    USER,
    big,
    play_requests,
    run_family,
    user_body,
)

JSON_TARGETS = [
    ("POST", f"{BASE}/Users"),
    ("POST", f"{BASE}/Groups"),
    ("PUT", f"{BASE}/Users/{{U1}}"),
    ("PUT", f"{BASE}/Groups/{{G1}}"),
    ("PATCH", f"{BASE}/Users/{{U1}}"),
    ("PATCH", f"{BASE}/Groups/{{G1}}"),
    ("PUT", f"{BASE}/Users/no-such-id"),
    ("POST", f"{BASE}/Bulk"),
    ("POST", f"{BASE}/.search"),
    ("POST", f"{BASE}/Users/.search"),
    ("POST", f"{BASE}/Groups/.search"),
]
VALID_DOC = json.dumps(
    {"schemas": [USER, ENTERPRISE], "userName": "x", "emails": [{"value": "a@b.c"}],
     ENTERPRISE: {"manager": {"value": "m"}}}
)


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    if kind == "unclosed":
        return "[" * depth
    if kind == "closers":
        return "]}" * depth
    # deep nesting inside an otherwise valid User
    return f'{{"schemas":["{USER}"],"userName":"deep","name":' + "[" * depth + "]" * depth + "}"


BAD_BODIES = st.one_of(
    st.integers(0, len(VALID_DOC) - 1).map(lambda n: VALID_DOC[:n]),  # truncated
    st.binary(max_size=120),  # garbage
    st.tuples(st.integers(0, len(VALID_DOC)), st.binary(min_size=1, max_size=8)).map(
        lambda t: VALID_DOC[: t[0]].encode() + b"\xff" + t[1] + VALID_DOC[t[0]:].encode()
    ),  # invalid UTF-8 somewhere
    st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "1e999", "-1e999"]).map(
        lambda c: f'{{"schemas":["{USER}"],"userName":{c},"x":[{c}]}}'
    ),
    st.sampled_from([
        f'{{"schemas":["{USER}"],"userName":"a","userName":"b"}}',
        f'{{"schemas":["{USER}"],"schemas":["{GROUP}"],"userName":"dup"}}',
        f'{{"schemas":["{PATCH_OP}"],"Operations":[],"Operations":[{{"op":"remove"}}]}}',
        f'{{"schemas":["{BULK}"],"Operations":[],"operations":"x"}}',
    ]),  # duplicate keys
    st.sampled_from(["[]", "[{}]", '"a string"', "42", "-0.0", "true", "false", "null", "{}",
                     f'[{VALID_DOC}]', big('"' + "x" * 5000 + '"'), big("1" * 5000), "0x1F",
                     "'single'",
                     "{'a': 1}", '{"a":1,}', '{"a" 1}', "[1,]", "\ufeff" + VALID_DOC,
                     VALID_DOC + " trailing", VALID_DOC + VALID_DOC, " \n\t ", "",
                     '{"userName":"\\u0000"}', '{"a":"\\x41"}', '{"a":"\\ud800"}']),
    st.sampled_from([  # lone surrogates: valid JSON escapes, but no Unicode text
        f'{{"schemas":["{USER}"],"userName":"\\ud800"}}',
        f'{{"schemas":["{GROUP}"],"displayName":"\\udfff x"}}',
        f'{{"schemas":["{SEARCH}"],"\\ud800":1}}',
        f'{{"schemas":["{PATCH_OP}"],"\\ud800":1,"Operations":[]}}',
        f'{{"schemas":["{PATCH_OP}"],"Operations":[{{"op":"replace","path":"displayName",'
        f'"value":"\\ud83d"}}]}}',
        f'{{"schemas":["{BULK}"],"Operations":[{{"method":"DELETE","path":"/Users/x",'
        f'"bulkId":"\\ud800"}}]}}',
    ]),
    st.tuples(st.sampled_from([65, 100, 1000, 10_000]),
              st.sampled_from(["array", "object", "unclosed", "closers", "inside"])).map(
        lambda t: _nested(*t)
    ),
    st.sampled_from([10_000, 300_000, 1_100_000, 2_200_000]).map(
        lambda n: json.dumps(user_body("h" * n))
    ),  # huge strings: fine, then over max_request_size, then over MAX_CONTENT_LENGTH
    st.lists(st.sampled_from(["{", "}", "[", "]", '"', ":", ",", "1", "a", "null", "\\", " "]),
             max_size=40).map("".join),
)
CONTENT_TYPES = st.sampled_from(
    [SCIM_JSON] * 6 + ["application/json", None, "text/plain", "application/xml",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/scim+json; charset=latin-1", "application/json; charset=utf-16",
     "application/scim+json;;;", "*/*", "garbage", "application/scim+json; charset=\"",
     "application/scim+json; charset=UTF-8"]
)


@st.composite
def bad_json_request(draw: st.DrawFn) -> dict[str, Any]:
    method, path = draw(st.sampled_from(JSON_TARGETS))
    data = draw(BAD_BODIES)
    return {"method": method, "path": path, "data": data, "content_type": draw(CONTENT_TYPES),
            "auth": draw(AUTHS)}


def test_bad_json_bodies() -> None:
    """Truncated, garbage, non-UTF-8, NaN, duplicate-key, non-object, deep and huge bodies."""
    run_family("json", 90, st.lists(bad_json_request(), min_size=5, max_size=5), play_requests)
