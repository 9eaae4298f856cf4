"""The request journal (scim_mock.journal): entries, filters, redaction, bounds and HAR 1.2.

GET /_mock/requests and GET /_mock/requests.har through the Flask test client, and the domain
module's pieces directly (entries from plain values, queries, HAR rendering).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest

from scim_mock import journal
from scim_mock.errors import InvalidValue
from scim_mock.journal import Exchange, JournalQuery, RequestJournal
from tests.conftest import (
    BASE,
    BULK_REQUEST,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

ENTRY_KEYS = {
    "id", "time", "method", "path", "query", "requestHeaders", "requestContentType",
    "requestBody", "status", "responseHeaders", "responseBody", "durationMs", "client",
    "tenant", "compat", "fault",
}  # fmt: skip
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)

_NV = {
    "type": "object",
    "required": ["name", "value"],
    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
}
_NV_LIST = {"type": "array", "items": _NV}
#: The required fields of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/).
HAR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
                },
                "entries": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
                "comment": {"type": "string"},
            },
        }
    },
    "$defs": {
        "entry": {
            "type": "object",
            "required": [
                "startedDateTime",
                "time",
                "request",
                "response",
                "cache",
                "timings",
            ],
            "properties": {
                "startedDateTime": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
                },
                "time": {"type": "number", "minimum": 0},
                "request": {
                    "type": "object",
                    "required": [
                        "method",
                        "url",
                        "httpVersion",
                        "cookies",
                        "headers",
                        "queryString",
                        "headersSize",
                        "bodySize",
                    ],
                    "properties": {
                        "method": {"type": "string"},
                        "url": {"type": "string", "pattern": "^https?://"},
                        "httpVersion": {"type": "string"},
                        "cookies": {"type": "array"},
                        "headers": _NV_LIST,
                        "queryString": _NV_LIST,
                        "postData": {
                            "type": "object",
                            "required": ["mimeType", "text"],
                            "properties": {
                                "mimeType": {"type": "string"},
                                "text": {"type": "string"},
                            },
                        },
                        "headersSize": {"type": "integer"},
                        "bodySize": {"type": "integer"},
                    },
                },
                "response": {
                    "type": "object",
                    "required": [
                        "status",
                        "statusText",
                        "httpVersion",
                        "cookies",
                        "headers",
                        "content",
                        "redirectURL",
                        "headersSize",
                        "bodySize",
                    ],
                    "properties": {
                        "status": {"type": "integer"},
                        "statusText": {"type": "string"},
                        "headers": _NV_LIST,
                        "content": {
                            "type": "object",
                            "required": ["size", "mimeType"],
                            "properties": {
                                "size": {"type": "integer"},
                                "mimeType": {"type": "string"},
                                "text": {"type": "string"},
                            },
                        },
                        "redirectURL": {"type": "string"},
                        "headersSize": {"type": "integer"},
                        "bodySize": {"type": "integer"},
                    },
                },
                "cache": {"type": "object"},
                "timings": {
                    "type": "object",
                    "required": ["send", "wait", "receive"],
                    "properties": {
                        "send": {"type": "number"},
                        "wait": {"type": "number"},
                        "receive": {"type": "number"},
                    },
                },
            },
        }
    },
}


def requests(scim: Scim, **query: Any) -> list[dict[str, Any]]:
    response = scim.client.get("/_mock/requests", headers=scim.headers(), query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    entries: list[dict[str, Any]] = response.get_json()["requests"]
    return entries


def har(scim: Scim, **query: Any) -> dict[str, Any]:
    response = scim.client.get("/_mock/requests.har", headers=scim.headers(), query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    document: dict[str, Any] = json.loads(response.get_data(as_text=True))
    jsonschema.Draft202012Validator(HAR_SCHEMA).validate(document)
    return document


def traffic(scim: Scim) -> None:
    """Four exchanges: POST 201, POST 409, GET 200 with a filter, GET 404."""
    user = {"schemas": [USER_SCHEMA], "userName": "a"}
    scim.post("/Users", user)
    scim.post("/Users", user)
    scim.get("/Users", query={"filter": 'userName eq "a"'})
    scim.get("/Users/nope")


# -- entries ----------------------------------------------------------------------------


def test_an_entry_carries_every_documented_key(scim: Scim) -> None:
    """Each entry has id, time, method, path, query, headers, bodies, status, client, ..."""
    scim.get("/Users", query={"filter": 'userName eq "a"', "count": "5"})
    (entry,) = requests(scim)
    assert ENTRY_KEYS <= set(entry)
    assert entry["id"] == 1 and entry["method"] == "GET" and entry["status"] == 200
    assert entry["path"].startswith(f"{BASE}/Users?")
    assert entry["query"] == {"filter": ['userName eq "a"'], "count": ["5"]}
    assert datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).tzinfo is not None
    assert entry["time"].endswith("Z") and len(entry["time"].split(".")[1]) == 4
    assert entry["requestHeaders"]["Authorization"] == "<redacted>"
    assert entry["responseHeaders"]["Content-Type"].startswith("application/scim+json")
    assert json.loads(entry["responseBody"])["totalResults"] == 0
    assert entry["durationMs"] >= 0
    assert entry["client"] == journal.client_fingerprint(f"Bearer {TOKEN}")
    assert len(entry["client"]) == 12 and TOKEN not in json.dumps(entry)
    assert (entry["tenant"], entry["fault"], entry["compat"]) == (None, None, [])


def test_ids_increase_and_survive_a_clear(scim: Scim) -> None:
    """Ids keep counting after DELETE /_mock/requests, so a reader's bookmark stays valid."""
    traffic(scim)
    assert [e["id"] for e in requests(scim)] == [1, 2, 3, 4]
    response = scim.client.delete("/_mock/requests", headers=scim.headers())
    assert response.status_code == 204
    assert requests(scim) == []
    scim.get("/Users")
    assert [e["id"] for e in requests(scim)] == [5]


def test_an_anonymous_client_is_named_so(scim: Scim) -> None:
    """Without Authorization the client is "anonymous" (and the request a 401)."""
    scim.client.get(f"{BASE}/Users")
    (entry,) = requests(scim)
    assert (entry["client"], entry["status"]) == ("anonymous", 401)
    assert entry["scimType"] is None and entry["detail"]


def test_the_fault_rule_that_answered_is_named(scim: Scim) -> None:
    """A request answered by a fault rule carries the rule's id (scim_mock.fault_transport)."""
    rule = {"id": "slow-429", "match": {"method": "GET"}, "action": {"status": 429},
            "trigger": {"once": True}}  # fmt: skip
    response = scim.client.post("/_mock/faults", json=rule, headers=scim.headers())
    assert response.status_code == 201, response.get_data(as_text=True)
    scim.get("/Users")
    scim.get("/Users")
    faulted, served = requests(scim)
    assert (faulted["status"], faulted["fault"]) == (429, "slow-429")
    assert (served["status"], served["fault"]) == (200, None)
    assert [e["id"] for e in requests(scim, status="429")] == [faulted["id"]]


def test_a_tenant_keeps_its_own_journal(scim: Scim) -> None:
    """/tenants/{name}/...: the tenant's journal holds its exchanges, named after it."""
    scim.client.get(f"/tenants/acme{BASE}/Users", headers=scim.headers())
    assert requests(scim) == []  # the root's journal saw nothing
    response = scim.client.get(
        "/tenants/acme/_mock/requests", headers=scim.headers(), query_string={"path": "/Users"}
    )
    (entry,) = response.get_json()["requests"]
    assert (entry["tenant"], entry["path"]) == ("acme", f"{BASE}/Users")
    response = scim.client.get("/tenants/acme/_mock/requests.har", headers=scim.headers())
    (har_entry,) = response.get_json()["log"]["entries"]
    assert har_entry["request"]["url"] == f"http://localhost/tenants/acme{BASE}/Users"


def test_the_mock_clock_dates_the_entries(scim: Scim) -> None:
    """With a clock in the app's extras, entries take their time from it (deterministic)."""

    class Frozen:
        def now(self) -> datetime:
            return T0

    state = scim.client.application.extensions["scim_mock"]
    state.extras["clock"] = Frozen()
    scim.get("/Users")
    assert requests(scim)[0]["time"] == "2024-05-01T12:00:00.000Z"
    assert har(scim)["log"]["entries"][0]["startedDateTime"] == "2024-05-01T12:00:00.000Z"


def test_the_journal_keeps_journal_size_entries() -> None:
    """MockConfig.journal_size bounds the entries (oldest dropped); limit cannot exceed it."""
    scim = make_scim(journal_size=3)
    traffic(scim)
    entries = requests(scim, limit=50)
    assert [e["id"] for e in entries] == [2, 3, 4]


def test_response_bodies_are_bounded_too(scim: Scim) -> None:
    """A response body above 64 KiB is cut with an ellipsis; its size is kept."""
    scim.create_user("a", displayName="y" * 70000)
    entry = requests(scim)[0]
    assert len(entry["responseBody"]) == journal.BODY_LIMIT + 1
    assert entry["responseBody"].endswith("…")
    assert entry["responseBodySize"] > journal.BODY_LIMIT


def test_a_body_that_was_not_read_is_described() -> None:
    """A body refused for its size (413) is not read for the journal either."""
    scim = make_scim(max_request_size=10)
    scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "x" * 3_000_000})
    entry = requests(scim)[-1]
    assert entry["status"] == 413
    assert entry["requestBody"].endswith("bytes, not read)")


# -- passwords ----------------------------------------------------------------------------


def test_passwords_never_reach_the_journal(scim: Scim) -> None:
    """POST, PUT, PATCH (with and without path) and Bulk bodies have password values redacted."""
    user = scim.create_user("a", password="Secret-1")
    uid = user["id"]
    scim.put(f"/Users/{uid}", {"schemas": [USER_SCHEMA], "userName": "a", "password": "Sec-2"})
    scim.patch_ops(f"/Users/{uid}", {"op": "replace", "path": "password", "value": "Sec-3"})
    scim.patch_ops(f"/Users/{uid}", {"op": "replace", "value": {"password": "Sec-4"}})
    scim.patch_ops(
        f"/Users/{uid}",
        {"op": "replace", "path": f"{USER_SCHEMA}:password", "value": "Sec-5"},
    )
    scim.post(
        "/Bulk",
        {
            "schemas": [BULK_REQUEST],
            "Operations": [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": "b",
                    "data": {"schemas": [USER_SCHEMA], "userName": "b", "password": "Sec-6"},
                }
            ],
        },
    )
    scim.post("/Users", '{"userName": "c", "password": "Sec-7", ')  # not JSON: 400
    entries = requests(scim)
    assert len(entries) == 7
    text = json.dumps(entries) + json.dumps(har(scim))
    assert "Sec" not in text
    assert text.count("<redacted>") >= 7 * 2  # the Authorization headers and the passwords
    assert json.loads(entries[0]["requestBody"])["password"] == "<redacted>"
    assert json.loads(entries[2]["requestBody"])["Operations"][0]["value"] == "<redacted>"


def test_a_body_without_a_password_is_kept_byte_for_byte(scim: Scim) -> None:
    """Redaction re-serialises only bodies that held a password: others keep their layout."""
    sent = '{ "schemas" :["' + USER_SCHEMA + '"],"userName":"a",  "active": "True" }'
    scim.post("/Users", sent)
    assert requests(scim)[0]["requestBody"] == sent


def test_redact_body_handles_every_shape() -> None:
    """Unit: nested values, null passwords, escaped keys and cut bodies."""
    assert journal.redact_body(b'{"password": null}') == b'{"password": null}'
    assert json.loads(journal.redact_body(b'{"p\\u0061ssword": "x"}')) == {"password": "<redacted>"}
    cut = journal.redact_body(b'{"userName": "a", "Password": "abc')
    assert cut == b'{"userName": "a", "Password": "<redacted>"'
    assert journal.redact_body(b"userName=a&password=x1") == b"userName=a&password=<redacted>"
    nested = journal.redact_body(b'[{"x": {"passWord": "1"}}, 2]')
    assert json.loads(nested) == [{"x": {"passWord": "<redacted>"}}, 2]


# -- filters ------------------------------------------------------------------------------


def test_filter_by_method_and_path(scim: Scim) -> None:
    """method= (comma-separated), path= a glob with or without the base path."""
    traffic(scim)
    assert [e["id"] for e in requests(scim, method="post")] == [1, 2]
    assert [e["id"] for e in requests(scim, method="GET,POST")] == [1, 2, 3, 4]
    assert [e["id"] for e in requests(scim, path="/Users")] == [1, 2, 3]
    assert [e["id"] for e in requests(scim, path="/Users*")] == [1, 2, 3, 4]
    assert [e["id"] for e in requests(scim, path=f"{BASE}/Users/*")] == [4]
    assert [e["id"] for e in requests(scim, path="*filter=*")] == [3]
    assert requests(scim, path="/Groups*") == []


def test_filter_by_status(scim: Scim) -> None:
    """status= exact, a class (4xx) or a comma-separated list of both."""
    traffic(scim)
    assert [e["id"] for e in requests(scim, status="409")] == [2]
    assert [e["id"] for e in requests(scim, status="4xx")] == [2, 4]
    assert [e["id"] for e in requests(scim, status="2xx")] == [1, 3]
    assert [e["id"] for e in requests(scim, status="201,404")] == [1, 4]
    assert requests(scim, status="5xx") == []


def test_filter_by_time(scim: Scim) -> None:
    """since= and until= (ISO 8601, both inclusive) against the entries' own times."""
    traffic(scim)
    entries = requests(scim)
    first, last = entries[0]["time"], entries[-1]["time"]
    assert len(requests(scim, since=first)) == 4
    assert len(requests(scim, until=last)) == 4
    later = journal.parse_time(last) + timedelta(milliseconds=1)
    assert requests(scim, since=later.isoformat()) == []
    earlier = journal.parse_time(first) - timedelta(milliseconds=1)
    assert requests(scim, until=earlier.isoformat().replace("+00:00", "Z")) == []


def test_filter_by_client_and_after(scim: Scim) -> None:
    """client= the fingerprint; after= an id (entries recorded since a bookmark)."""
    traffic(scim)
    scim.client.get(f"{BASE}/Users")
    mine = journal.client_fingerprint(f"Bearer {TOKEN}")
    assert [e["id"] for e in requests(scim, client=mine)] == [1, 2, 3, 4]
    assert [e["id"] for e in requests(scim, client="anonymous")] == [5]
    assert [e["id"] for e in requests(scim, after=3)] == [4, 5]


def test_limit_keeps_the_newest_entries_newest_last(scim: Scim) -> None:
    """limit= the newest n (default 100, at most the journal's size); 0 → none."""
    for _ in range(103):
        scim.get("/Users/nope")
    entries = requests(scim)
    assert [e["id"] for e in entries] == list(range(4, 104))
    assert [e["id"] for e in requests(scim, limit=2)] == [102, 103]
    assert requests(scim, limit=0) == []
    assert len(requests(scim, limit=5000)) == 103


@pytest.mark.parametrize(
    "query",
    [
        {"status": "abc"},
        {"status": "4x"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"since": "yesterday"},
        {"after": "x"},
        {"stauts": "404"},
    ],
)
@pytest.mark.parametrize("endpoint", ["/_mock/requests", "/_mock/requests.har"])
def test_bad_filters_are_refused(scim: Scim, endpoint: str, query: dict[str, str]) -> None:
    """A value the journal cannot read, or an unknown parameter, is a 400 invalidValue."""
    response = scim.client.get(endpoint, headers=scim.headers(), query_string=query)
    assert_scim_error(response, 400, "invalidValue")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_the_journal_endpoints_require_the_token(scim: Scim, method: str) -> None:
    """/_mock/requests and /_mock/requests.har are authenticated like the other /_mock ones."""
    assert_scim_error(scim.client.open("/_mock/requests", method=method), 401)
    assert_scim_error(scim.client.get("/_mock/requests.har"), 401)


def test_the_har_endpoint_is_read_only(scim: Scim) -> None:
    """POST /_mock/requests.har → 405."""
    response = scim.client.post("/_mock/requests.har", headers=scim.headers())
    assert_scim_error(response, 405)


# -- HAR ----------------------------------------------------------------------------------


def test_har_export_is_valid_har_1_2(scim: Scim) -> None:
    """GET /_mock/requests.har: HAR 1.2 with absolute URLs, query, postData and status text."""
    traffic(scim)
    document = har(scim)
    log = document["log"]
    assert log["creator"]["name"] == "scim-mock" and "comment" not in log
    post, conflict, query, missing = log["entries"]
    assert post["request"]["url"] == f"http://localhost{BASE}/Users"
    assert post["request"]["postData"]["mimeType"] == "application/scim+json"
    assert json.loads(post["request"]["postData"]["text"])["userName"] == "a"
    assert post["request"]["bodySize"] == len(post["request"]["postData"]["text"])
    assert (post["response"]["status"], post["response"]["statusText"]) == (201, "Created")
    assert post["response"]["redirectURL"].startswith(f"http://localhost{BASE}/Users/")
    assert post["response"]["content"]["mimeType"].startswith("application/scim+json")
    assert conflict["response"]["statusText"] == "Conflict"
    assert query["request"]["queryString"] == [{"name": "filter", "value": 'userName eq "a"'}]
    assert "postData" not in query["request"] and query["request"]["bodySize"] == 0
    assert missing["response"]["redirectURL"] == ""
    assert json.loads(missing["response"]["content"]["text"])["status"] == "404"
    headers = {h["name"]: h["value"] for h in post["request"]["headers"]}
    assert headers["Authorization"] == "<redacted>"
    assert all(e["timings"]["wait"] == e["time"] for e in log["entries"])


def test_har_export_takes_the_same_filters(scim: Scim) -> None:
    """method/path/status/limit select the HAR's entries as they do the journal's."""
    traffic(scim)
    assert [e["response"]["status"] for e in har(scim, status="4xx")["log"]["entries"]] == [
        409,
        404,
    ]
    assert len(har(scim, method="POST", limit=1)["log"]["entries"]) == 1
    assert har(scim, path="/Groups")["log"]["entries"] == []


def test_har_export_says_what_it_cut(scim: Scim) -> None:
    """A body cut at 64 KiB is noted on its entry; the fault rule that answered too."""
    scim.create_user("a", displayName="z" * 70000)
    scim.client.get(
        f"{BASE}/Users", headers=scim.headers(), environ_overrides={"scim_mock.fault": "f1"}
    )
    first, second = har(scim)["log"]["entries"]
    assert first["comment"] == f"request and response body cut at {journal.BODY_LIMIT} bytes"
    assert first["response"]["content"]["size"] > journal.BODY_LIMIT
    assert "fault f1" in second["comment"]


def test_har_rendering_leaves_out_the_oldest_entries_above_the_byte_cap() -> None:
    """Unit: over byte_limit the oldest entries go and log.comment says how many."""
    log = RequestJournal()
    for n in range(5):
        log.record(Exchange("POST", "/Users", request_body=b"x" * 100, time=T0, status=201 + n))
    document = journal.render_har(list(log), "http://mock", byte_limit=250)
    jsonschema.Draft202012Validator(HAR_SCHEMA).validate(document)
    assert [e["response"]["status"] for e in document["log"]["entries"]] == [204, 205]
    assert document["log"]["comment"].startswith("3 older entries left out")
    one = journal.render_har(list(log), "http://mock", byte_limit=1)
    assert len(one["log"]["entries"]) == 1  # the newest is always kept


def test_har_export_of_an_empty_journal() -> None:
    """record_requests=False: the HAR is valid and has no entries."""
    scim = make_scim(record_requests=False)
    scim.create_user("a")
    assert har(scim)["log"]["entries"] == []


# -- the domain module --------------------------------------------------------------------


def test_build_entry_from_plain_values() -> None:
    """Unit: an unrecorded (streamed) response and an unknown status still make an entry."""
    entry = journal.build_entry(
        Exchange(
            "GET",
            "/scim/v2/Users",
            query_string="a=1&a=2&b=",
            request_headers=[("X-Api-Key", "k"), ("Cookie", "c"), ("Accept", "*/*")],
            status=299,
            response_headers=[("Set-Cookie", "s")],
            response_body=None,
            time=T0,
        ),
        9,
    )
    assert entry["query"] == {"a": ["1", "2"], "b": [""]}
    assert entry["requestHeaders"] == {"X-Api-Key": "<redacted>", "Cookie": "<redacted>",
                                       "Accept": "*/*"}  # fmt: skip
    assert entry["responseHeaders"] == {"Set-Cookie": "<redacted>"}
    assert entry["responseBody"] == "(streamed, not recorded)"
    assert journal.har_entry(entry, "http://mock")["response"]["statusText"] == ""


def test_query_matching_from_plain_values() -> None:
    """Unit: JournalQuery reads arguments and matches times, tenants and base paths."""
    log = RequestJournal(size=10)
    for minutes, path in ((0, "/v2/Users"), (5, "/tenants/t/v2/Groups/1"), (10, "/v2/")):
        log.record(Exchange("GET", path, time=T0 + timedelta(minutes=minutes), tenant="t"))
    query = JournalQuery.from_args(
        {"since": "2024-05-01T12:01:00", "until": "2024-05-01T14:05:00+02:00"}, base_path="/v2"
    )
    assert [e["path"] for e in query.select(list(log))] == ["/tenants/t/v2/Groups/1"]
    root = JournalQuery.from_args({"path": "/"}, base_path="/v2/")
    assert [e["path"] for e in root.select(list(log))] == ["/v2/"]
    assert JournalQuery.from_args({"limit": "99"}, size=10).limit == 10
    with pytest.raises(InvalidValue):
        journal.parse_time("12:00 yesterday")
    with pytest.raises(ValueError):
        RequestJournal(size=0)


def test_the_journal_is_thread_safe_and_tells_its_listeners() -> None:
    """Unit: concurrent records get distinct ids; subscribers see every entry."""
    log = RequestJournal(size=50)
    seen: list[int] = []
    log.subscribe(lambda entry: seen.append(entry["id"]))

    def work() -> None:
        for _ in range(25):
            log.record(Exchange("GET", "/Users", time=T0))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 201))
    assert len(log) == 50 and [e["id"] for e in log] == sorted(e["id"] for e in log)
