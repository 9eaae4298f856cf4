"""Security: bounded answers to exhausting input (RFC 7644 §3.4.2, §3.4.3, §3.7.4, §3.12).

Polite probes, one request each with bounded sizes: a filter nested 1,000 levels deep (kanidm
CVE-2026-46689: a recursive filter parser exhausted the stack), a filter of 2,000 terms sent
through POST .search, a huge ``count``, a body of about 2 MB, a /Bulk request just above the
advertised maxPayloadSize and a JSON document nested 10,000 levels deep. The RFCs allow
serving or refusing most of them; what no server may do is fail with a 5xx or stop answering,
so each check reads the answer (a result, a capped page or a 4xx SCIM Error) within the
request timeout and then asks the server for /ServiceProviderConfig once more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import assert_list_response, assert_scim_error, check, fail, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import max_results
from scim_tests.markers import requirement
from scim_tests.query import SEARCH_REQUEST

#: Depth of the nested filters and the nested JSON document.
FILTER_DEPTH = 1000
JSON_DEPTH = 10_000
#: Terms of the long filter (about 60 KB, too long for many servers' URL limits).
FILTER_TERMS = 2000
#: Body size of the oversized create, bytes.
OVERSIZED_BODY = 2 * 1024 * 1024
#: The largest maxPayloadSize the bulk check sends a request above (politeness).
POLITE_BULK_LIMIT = 8 * 1024 * 1024
#: 4xx answers a front proxy may produce without a SCIM body.
PROXY_REFUSALS = (413, 414, 431)
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _nested_filter(kind: str) -> str:
    """A filter matching no user, wrapped ``FILTER_DEPTH`` times in parentheses or ``not(``.

    An even number of ``not`` leaves the meaning unchanged: a server may evaluate it.
    """
    term = 'userName eq "scimct-nobody@example.invalid"'
    if kind == "parentheses":
        return "(" * FILTER_DEPTH + term + ")" * FILTER_DEPTH
    return "not(" * FILTER_DEPTH + term + ")" * FILTER_DEPTH


def _assert_answered(response: ScimResponse, what: str, requirement: str | tuple[str, ...]) -> None:
    """No 5xx; a 4xx is a SCIM Error (unless a proxy-level size refusal)."""
    __tracebackhide__ = True
    check(response.status_code < 500, f"{what} made the server fail",
          expected="a result or a 4xx SCIM Error", received=f"{response.status_code} "
          f"{response.text[:200]}", response=response, requirement=requirement,
          cause=f"{response.exchange.method if response.exchange else ''} answered "
          f"{response.status_code} to exhausting input")  # fmt: skip
    if 400 <= response.status_code < 500 and response.status_code not in PROXY_REFUSALS:
        assert_scim_error(response, requirement=requirement)


def _assert_still_answers(client: ScimClient, requirement: str | tuple[str, ...]) -> None:
    """The server answers a cheap request after the probe."""
    __tracebackhide__ = True
    after = client.get("/ServiceProviderConfig")
    check(after.status_code == 200, "The server no longer answers after the probe",
          expected="GET /ServiceProviderConfig -> 200", received=after.status_code,
          response=after, requirement=requirement)  # fmt: skip


@pytest.mark.scim_feature("filter")
@pytest.mark.parametrize("kind", ["parentheses", "not"])
@requirement("P-3.4.2.2-02", "P-3.4.2.2-04")
def test_deeply_nested_filter_is_answered(scim_client: ScimClient, kind: str) -> None:
    """A filter nested 1,000 levels deep is evaluated (200) or refused with a 4xx SCIM Error
    (400 invalidFilter), never a 5xx, and the server keeps answering (P-3.4.2.2-02,
    P-3.4.2.2-04; kanidm CVE-2026-46689)."""
    rows = ("P-3.4.2.2-02", "P-3.4.2.2-04")
    response = scim_client.get("/Users", params={"filter": _nested_filter(kind), "count": "1"})
    _assert_answered(response, f"A filter nested {FILTER_DEPTH} deep ({kind})", rows)
    if response.status_code == 200:
        assert_list_response(response)
    _assert_still_answers(scim_client, rows)


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.3-04", "P-3.4.2.2-04")
def test_long_filter_is_answered(scim_client: ScimClient) -> None:
    """A filter of 2,000 ``or`` terms (about 60 KB) posted to /Users/.search is evaluated or
    refused with a 4xx SCIM Error (too long, too complex), never a 5xx (P-3.4.3-04)."""
    rows = ("P-3.4.3-04", "P-3.4.2.2-04")
    probe = scim_client.post("/Users/.search", {"schemas": [SEARCH_REQUEST], "count": 1})
    if probe.status_code in (404, 405, 501):
        pytest.skip(f"POST /Users/.search is not offered (answered {probe.status_code}; "
                    "P-3.4.3-01 makes it optional)")  # fmt: skip
    terms = " or ".join(f'userName eq "scimct-nobody-{n}@example.invalid"'
                        for n in range(FILTER_TERMS))  # fmt: skip
    body = {"schemas": [SEARCH_REQUEST], "filter": terms, "count": 1}
    response = scim_client.post("/Users/.search", body)
    _assert_answered(response, f"A filter of {FILTER_TERMS} terms", rows)
    if response.status_code == 200:
        assert_list_response(response)
    _assert_still_answers(scim_client, rows)


@pytest.mark.parametrize("count", [2**31 - 1, 10**12], ids=["int32-max", "10e12"])
@requirement("C-5-13", "P-3.4.2.4-05")
def test_huge_count_is_capped(
    scim_client: ScimClient, service_provider_config: dict[str, Any] | None, count: int
) -> None:
    """A huge ``count`` is served as a page the server caps (at most filter.maxResults, when
    advertised) or refused with a 4xx SCIM Error, never a 5xx or an allocation that takes the
    server down (C-5-13, P-3.4.2.4-05, P-3.4.2.4-06)."""
    rows = ("C-5-13", "P-3.4.2.4-05")
    response = scim_client.get("/Users", params={"count": str(count)})
    _assert_answered(response, f"count={count}", rows)
    if response.status_code == 200:
        page = resources_of(assert_list_response(response))
        cap = max_results(service_provider_config)
        check(cap is None or len(page) <= cap, "The page is larger than filter.maxResults",
              expected=f"at most {cap} resources", received=len(page), response=response,
              requirement="C-5-13")  # fmt: skip
    _assert_still_answers(scim_client, rows)


@requirement("P-3.12-07", "P-3.12-01")
def test_oversized_create_is_answered(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """A POST /Users of about 2 MB is stored (201) or refused with 413 or another 4xx SCIM
    Error, never a 5xx, and the server keeps answering (P-3.12-07, P-3.12-01)."""
    rows = ("P-3.12-07", "P-3.12-01")
    body = user_payload(nickName="x" * OVERSIZED_BODY)
    response = scim_client.post("/Users", body)  # a 201 is tracked and deleted by the client
    _assert_answered(response, f"A {OVERSIZED_BODY // 1024} KiB create", rows)
    _assert_still_answers(scim_client, rows)


@pytest.mark.scim_feature("bulk")
@requirement("P-3.7.4-02", "P-3.7.4-01")
def test_bulk_above_max_payload_is_refused(
    scim_client: ScimClient,
    service_provider_config: dict[str, Any] | None,
    user_payload: Callable[..., dict[str, Any]],
) -> None:
    """A /Bulk request a little above the advertised maxPayloadSize is refused with 413 before
    any operation runs, and the server keeps answering (P-3.7.4-02)."""
    limit = ((service_provider_config or {}).get("bulk") or {}).get("maxPayloadSize")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        pytest.skip("bulk.maxPayloadSize is not advertised (see the discovery checks)")
    if limit > POLITE_BULK_LIMIT:
        pytest.skip(f"maxPayloadSize {limit} is above what this check politely sends")
    user = user_payload()
    body = {
        "schemas": [BULK_REQUEST],
        "Operations": [{"method": "POST", "path": "/Users", "bulkId": "scimct-big", "data": user}],
    }
    user["nickName"] = "x" * (limit + 1024 - len(json.dumps(body)))
    response = scim_client.post("/Bulk", body)
    _assert_answered(response, "A /Bulk request above maxPayloadSize", "P-3.7.4-02")
    if response.status_code != 413:
        raise fail("A /Bulk request above maxPayloadSize was not refused with 413",
                   expected=f"413 (maxPayloadSize {limit})", received=response.status_code,
                   response=response, requirement="P-3.7.4-02")  # fmt: skip
    _assert_still_answers(scim_client, "P-3.7.4-02")


@requirement("P-3.12-07", "P-3.12-19")
def test_deeply_nested_json_is_answered(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """A create whose body nests arrays 10,000 levels deep (about 20 KB) is refused with a 4xx
    SCIM Error (400 invalidSyntax, or 413) or stored, never a 5xx from a parser's recursion,
    and the server keeps answering (P-3.12-07, P-3.12-19)."""
    rows = ("P-3.12-07", "P-3.12-19")
    body = json.dumps(user_payload())
    deep = "[" * JSON_DEPTH + "]" * JSON_DEPTH
    text = body[:-1] + f', "scimctNested": {deep}}}'
    response = scim_client.post("/Users", data=text)
    # A parser without recursion may store it (201, an unknown attribute ignored): allowed.
    _assert_answered(response, f"A JSON body nested {JSON_DEPTH} deep", rows)
    _assert_still_answers(scim_client, rows)
