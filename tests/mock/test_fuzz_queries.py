"""Fuzz family 3: filters and query parameters (RFC 7644 §3.4.2, §3.4.3), over GET and POST
/.search: arbitrary, huge and deep filters, wrong literal types, unknown attributes, and junk
in sortBy, sortOrder, startIndex, count, attributes and excludedAttributes. The invariants are
those of ``fuzz_requests.check``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.mock.fuzz_requests import (
    AUTHS,
    BASE,
    JSON_VALUES,
    SCALARS,
    SEARCH,
    big,
    play_requests,
    rarely,
    run_family,
)
from tests.mock.fuzz_values import PARAM_JUNK, PATHS

OPERATORS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "EQ",
                             "Pr", "eqq", "==", "", "and", "not", "in"])
LITERALS = st.one_of(
    st.sampled_from(['"x"', '"one@example.com"', "true", "false", "null", "True", "NULL", "1",
                     "-0", "1.5", "1e999", big("1" * 120), "10" * 30, '"2024-01-01T00:00:00Z"',
                     '"unterminated', '"\\x"', '"\\ud800"', '"\\u00e9"', "word", "'single'",
                     '""', "[]", "{}", big('"' + "y" * 9000 + '"'), "-1e-400", "1.8e308"]),
    SCALARS.map(json.dumps),
)
JOINERS = st.sampled_from([" and ", " or ", " AND ", " Or ", " ", " and not ", "and", " xor "])


def _expressions() -> st.SearchStrategy[str]:
    comparison = st.tuples(PATHS, OPERATORS, LITERALS).map(" ".join)
    present = PATHS.map(lambda p: f"{p} pr")
    leaf = comparison | present
    value_path = st.tuples(PATHS, leaf).map(lambda t: f"{t[0]}[{t[1]}]")
    return st.recursive(
        leaf | value_path,
        lambda inner: st.one_of(
            st.tuples(inner, JOINERS, inner).map("".join),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"not ({e})"),
            inner.map(lambda e: f"not {e}"),
            st.tuples(PATHS, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            inner.map(lambda e: f"({e}"),
            inner.map(lambda e: f"{e}]"),
        ),
        max_leaves=6,
    )


HUGE_FILTERS = st.tuples(st.sampled_from([49, 50, 51, 101, 1000, 5000]), st.sampled_from(
    ["parens", "not", "chain", "brackets", "literal"])).map(lambda t: {
        "parens": "(" * t[0] + "userName pr" + ")" * t[0],
        "not": "not (" * t[0] + "userName pr" + ")" * t[0],
        "chain": " or ".join(['userName eq "x"'] * t[0]),
        "brackets": "emails[" * t[0] + 'value pr' + "]" * t[0],
        "literal": 'userName eq "' + "z" * (t[0] * 8) + '"',
    }[t[1]])
FILTERS = st.one_of(_expressions(), _expressions(), st.text(max_size=40), HUGE_FILTERS)
QUERY_KEYS = ["filter", "sortBy", "sortOrder", "startIndex", "count", "attributes",
              "excludedAttributes"]


@st.composite
def query_request(draw: st.DrawFn) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if not rarely(draw, 6):
        params["filter"] = draw(FILTERS)
    for key in draw(st.lists(st.sampled_from(QUERY_KEYS[1:]), max_size=3, unique=True)):
        params[key] = draw(PARAM_JUNK)
    auth = draw(AUTHS)
    where = draw(st.sampled_from(["/Users", "/Groups", "", "/"]))
    if draw(st.booleans()):
        return {"method": "GET", "path": BASE + (where or "/"), "query": params, "auth": auth}
    schemas: Any = [SEARCH]
    if rarely(draw, 10):
        schemas = draw(st.sampled_from([[], "x", [SEARCH.upper()], None, [SEARCH, SEARCH]]))
    body: dict[str, Any] = {"schemas": schemas}
    for key, value in params.items():
        if key in ("startIndex", "count"):
            value = draw(st.integers(-3, 10**6) | st.just(value))
        elif key in ("attributes", "excludedAttributes"):
            value = draw(st.lists(st.just(value), min_size=1, max_size=2))
        body[key] = value
    if rarely(draw, 4):  # a member of the wrong JSON type
        body[draw(st.sampled_from(QUERY_KEYS))] = draw(JSON_VALUES)
    if rarely(draw, 10):
        body[draw(st.sampled_from(["FILTER", "bogus", "startindex"]))] = draw(JSON_VALUES)
    return {"method": "POST", "path": f"{BASE}{where.rstrip('/')}/.search", "body": body,
            "auth": auth}


def test_filters_and_query_parameters() -> None:
    """Arbitrary, huge and deep filters, wrong literal types, unknown attributes, URN junk,
    value filters with garbage, and sortBy/sortOrder/startIndex/count/attributes junk."""
    run_family("filters", 100, st.lists(query_request(), min_size=5, max_size=5), play_requests)
