"""Fault rules (scim_mock.fault_rules, scim_mock.fault_transport, /_mock/faults).

A client author adds rules that make chosen requests misbehave as real providers and their
proxies do: an error status with a SCIM Error body, latency, 429 with Retry-After, a dropped
connection, a truncated, non-JSON or HTML body; once, N times, every k-th, or with a seeded
probability. A faulted write is not performed unless the rule only adds latency (or truncates
the real answer), and /_mock is never faulted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from scim_mock import fault_transport
from scim_mock.app import create_app
from scim_mock.config import FaultSettings, MockConfig
from scim_mock.errors import ScimError
from scim_mock.fault_rules import FaultRules, RequestFacts
from scim_mock.server import MockServer
from scim_tests.wsgi import WsgiAdapter
from tests.conftest import (
    BASE,
    SCIM_JSON,
    SEARCH_REQUEST,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

HTTP_DATE = "Wed, 21 Oct 2026 07:28:00 GMT"


def add(scim: Scim, body: Any) -> Any:
    """POST /_mock/faults and return the answer's JSON (asserting 201)."""
    response = scim.client.post("/_mock/faults", json=body, headers=scim.headers())
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def listed(scim: Scim) -> list[dict[str, Any]]:
    response = scim.client.get("/_mock/faults", headers=scim.headers())
    assert response.status_code == 200
    rules: list[dict[str, Any]] = response.get_json()["rules"]
    return rules


def with_rules(*rules: dict[str, Any], **settings: int) -> Scim:
    """A mock configured with ``rules`` (and legacy ``FaultSettings`` fields)."""
    return make_scim(transport_faults=FaultSettings(rules=rules, **settings))


def user(name: str) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": name}


def total_users(scim: Scim) -> int:
    count: int = scim.get("/Users").get_json()["totalResults"]
    return count


# -- the control API -------------------------------------------------------------------------


def test_post_one_rule_answers_201_with_its_id_and_get_lists_hit_counts() -> None:
    """POST /_mock/faults → 201 with the rule and its id; GET lists it with matched/hits."""
    scim = make_scim()
    rule = add(scim, {"match": {"method": "GET"}, "action": {"status": 503}})
    assert rule["id"] == "rule-1" and rule["hits"] == 0
    assert rule["action"] == {"status": 503}
    assert_scim_error(scim.get("/Users"), 503)
    assert_scim_error(scim.get("/Groups"), 503)
    scim.post("/Users", user("a"))
    (shown,) = listed(scim)
    assert (shown["id"], shown["matched"], shown["hits"]) == ("rule-1", 2, 2)
    one = scim.client.get("/_mock/faults/rule-1", headers=scim.headers())
    assert one.status_code == 200 and one.get_json()["hits"] == 2


def test_post_a_list_of_rules_and_delete_one_or_all() -> None:
    """{"rules": [...]} adds several (201, ids in order); DELETE /faults/<id> one, /faults all."""
    scim = make_scim()
    body = add(
        scim, {"rules": [{"action": {"status": 500}}, {"id": "mine", "action": {"status": 502}}]}
    )
    assert [r["id"] for r in body["rules"]] == ["rule-1", "mine"]
    headers = scim.headers()
    assert scim.client.delete("/_mock/faults/rule-1", headers=headers).status_code == 204
    assert [r["id"] for r in listed(scim)] == ["mine"]
    assert_scim_error(scim.get("/Users"), 502)
    assert_scim_error(scim.client.delete("/_mock/faults/rule-1", headers=headers), 404)
    assert_scim_error(scim.client.get("/_mock/faults/nope", headers=headers), 404)
    assert scim.client.delete("/_mock/faults", headers=headers).status_code == 204
    assert listed(scim) == []
    assert scim.get("/Users").status_code == 200


def test_the_control_api_needs_the_token() -> None:
    """/_mock/faults is authenticated like every control endpoint."""
    scim = make_scim()
    response = scim.client.get("/_mock/faults", headers={"Accept": SCIM_JSON})
    assert_scim_error(response, 401)


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param([], id="not-an-object"),
        pytest.param({"match": {"method": "GET"}}, id="no-action"),
        pytest.param({"action": {"status": 503}, "when": {}}, id="unknown-field"),
        pytest.param({"action": {"status": 503}, "match": {"verb": "GET"}}, id="unknown-match"),
        pytest.param({"action": {"status": 200}}, id="error-status-2xx"),
        pytest.param({"action": {"status": "503"}}, id="status-string"),
        pytest.param({"action": {"status": 500, "scimType": "invalidValue"}}, id="scimType-500"),
        pytest.param({"action": {"status": 404, "scimType": "uniqueness"}}, id="scimType-404"),
        pytest.param({"action": {"status": 400, "scimType": "oops"}}, id="scimType-unknown"),
        pytest.param({"action": {"retryAfter": -1}}, id="retry-after-negative"),
        pytest.param({"action": {"retryAfter": "soon"}}, id="retry-after-text"),
        pytest.param({"action": {"drop": True, "status": 503}}, id="drop-with-status"),
        pytest.param({"action": {"drop": True, "html": True}}, id="two-kinds"),
        pytest.param({"action": {"body": "x", "status": 204}}, id="body-204"),
        pytest.param({"action": {"latencyMs": -5}}, id="latency-negative"),
        pytest.param({"action": {"drop": "yes"}}, id="flag-string"),
        pytest.param(
            {"action": {"drop": True}, "trigger": {"once": True, "times": 2}}, id="once+times"
        ),
        pytest.param({"action": {"drop": True}, "trigger": {"every": 0}}, id="every-0"),
        pytest.param({"action": {"drop": True}, "trigger": {"probability": 1.5}}, id="p>1"),
        pytest.param({"action": {"drop": True}, "seed": "7"}, id="seed-string"),
        pytest.param({"action": {"drop": True}, "id": "a/b"}, id="id-slash"),
        pytest.param({"action": {"drop": True}, "match": {"header": "User-Agent"}}, id="header"),
        pytest.param({"rules": []}, id="empty-list"),
    ],
)
def test_invalid_rules_are_refused_with_400_invalid_value(rule: Any) -> None:
    """A rule that cannot be applied as written is refused, and nothing is added."""
    scim = make_scim()
    response = scim.client.post("/_mock/faults", json=rule, headers=scim.headers())
    assert_scim_error(response, 400, "invalidValue")
    assert listed(scim) == []


def test_a_list_is_added_all_or_nothing_and_ids_are_unique() -> None:
    """One bad rule in a list adds none; a taken id is a 409."""
    scim = make_scim()
    bad = {"rules": [{"action": {"status": 503}}, {"action": {"status": 99}}]}
    response = scim.client.post("/_mock/faults", json=bad, headers=scim.headers())
    assert_scim_error(response, 400, "invalidValue")
    assert listed(scim) == []
    add(scim, {"id": "x", "action": {"status": 503}})
    again = scim.client.post(
        "/_mock/faults", json={"id": "x", "action": {"status": 500}}, headers=scim.headers()
    )
    assert_scim_error(again, 409)


# -- matching -------------------------------------------------------------------------------


def test_match_fields_are_anded() -> None:
    """method, path glob, resourceType, filter substring and header must all hold."""
    scim = make_scim()
    add(
        scim,
        {
            "match": {
                "method": "get",
                "path": "/Users*",
                "resourceType": "User",
                "filter": "userName eq",
                "header": {"name": "user-agent", "value": "Okta"},
            },
            "action": {"status": 503},
        },
    )
    query = {"filter": 'userName eq "a"'}
    okta = {"User-Agent": "Okta SCIM Client 1.0"}
    assert_scim_error(scim.get("/Users", query=query, headers=okta), 503)
    assert scim.get("/Users", query=query).status_code == 200  # another User-Agent
    assert scim.get("/Users", headers=okta).status_code == 200  # no filter
    assert scim.get("/Groups", query=query, headers=okta).status_code == 400  # the mock's own
    assert scim.post("/Users", user("a"), headers=okta).status_code == 201  # method
    assert listed(scim)[0]["hits"] == 1


def test_path_glob_is_relative_to_the_base_path_and_the_query_is_not_part_of_it() -> None:
    """ "/Users/*" matches a user's URL, not the collection; resourceType follows the endpoint."""
    scim = make_scim()
    created = scim.create_user("a")
    add(scim, {"match": {"path": "/Users/*"}, "action": {"status": 500}})
    add(scim, {"match": {"resourceType": "Group"}, "action": {"status": 502}})
    assert scim.get("/Users", query={"count": "1"}).status_code == 200
    assert_scim_error(scim.get(f"/Users/{created['id']}"), 500)
    assert_scim_error(scim.get("/Groups"), 502)
    assert scim.get("/ServiceProviderConfig").status_code == 200


def test_filter_matches_the_body_of_a_search_and_a_header_by_presence() -> None:
    """POST /.search carries its filter in the body; a header rule without value needs only
    the header."""
    scim = make_scim()
    add(scim, {"match": {"filter": "nickName"}, "action": {"status": 503}})
    search = {"schemas": [SEARCH_REQUEST], "filter": "nickName pr"}
    assert_scim_error(scim.post("/Users/.search", search), 503)
    assert scim.post("/Users/.search", {**search, "filter": "userName pr"}).status_code == 200
    add(scim, {"match": {"header": {"name": "X-Chaos"}}, "action": {"status": 500}})
    assert_scim_error(scim.get("/Groups", headers={"X-Chaos": ""}), 500)


def test_control_endpoints_are_never_faulted() -> None:
    """A rule matching everything leaves /_mock alone, so a test can always clean up."""
    scim = make_scim()
    add(scim, {"action": {"status": 503}})
    assert scim.client.post("/_mock/reset", headers=scim.headers()).status_code == 204
    add(scim, {"action": {"drop": True}})
    assert scim.client.get("/_mock/faults", headers=scim.headers()).status_code == 200


# -- actions ----------------------------------------------------------------------------------


def test_status_action_sends_a_scim_error_with_the_chosen_scim_type_and_detail() -> None:
    """Any 4xx/5xx with a SCIM Error body; scimType where RFC 7644 §3.12 defines one."""
    scim = make_scim()
    add(scim, {"match": {"method": "POST"}, "action": {"status": 409, "scimType": "uniqueness",
                                                      "detail": "taken"}})  # fmt: skip
    add(scim, {"match": {"method": "PUT"}, "action": {"status": 400, "scimType": "invalidVers"}})
    add(scim, {"match": {"method": "DELETE"}, "action": {"status": 401}})
    body = assert_scim_error(scim.post("/Users", user("a")), 409, "uniqueness")
    assert body["detail"] == "taken"
    assert_scim_error(scim.put("/Users/x", user("a")), 400, "invalidVers")
    detail = assert_scim_error(scim.delete("/Users/x"), 401)["detail"]
    assert "rule-3" in detail  # the default detail names the rule


def test_a_faulted_write_is_not_performed() -> None:
    """POST, PATCH and DELETE answered by a rule change nothing (as the transport faults)."""
    scim = make_scim()
    created = scim.create_user("a")
    add(scim, {"match": {"method": ["POST", "PATCH", "DELETE"]}, "action": {"status": 503}})
    assert_scim_error(scim.post("/Users", user("b")), 503)
    op = {"op": "add", "path": "nickName", "value": "n"}
    assert_scim_error(scim.patch_ops(f"/Users/{created['id']}", op), 503)
    assert_scim_error(scim.delete(f"/Users/{created['id']}"), 503)
    assert total_users(scim) == 1
    assert "nickName" not in scim.get(f"/Users/{created['id']}").get_json()


def test_latency_only_rules_delay_and_serve_and_compose_with_the_next_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """latencyMs waits (counted, not slept here) and then serves normally, the write done;
    a later rule still answers the delayed request, after the sum of the delays."""
    waits: list[float] = []
    monkeypatch.setattr(fault_transport, "sleep", waits.append)
    scim = make_scim()
    add(scim, {"match": {"method": "POST"}, "action": {"latencyMs": 800}})
    assert scim.post("/Users", user("a")).status_code == 201
    assert waits == [0.8] and total_users(scim) == 1
    add(scim, {"match": {"method": "POST"}, "action": {"status": 504, "latencyMs": 200}})
    assert_scim_error(scim.post("/Users", user("b")), 504)
    assert waits == [0.8, 1.0] and total_users(scim) == 1  # one wait: the sum


@pytest.mark.parametrize("retry_after", [2, 0, HTTP_DATE])
def test_retry_after_in_seconds_or_as_an_http_date(retry_after: int | str) -> None:
    """{"retryAfter": ...} alone is a 429 with that Retry-After; with a status, that status."""
    scim = make_scim()
    add(scim, {"match": {"method": "GET"}, "action": {"retryAfter": retry_after}})
    add(scim, {"match": {"method": "POST"}, "action": {"status": 503, "retryAfter": retry_after}})
    limited = scim.get("/Users")
    assert_scim_error(limited, 429)
    assert limited.headers["Retry-After"] == str(retry_after)
    unavailable = scim.post("/Users", user("a"))
    assert_scim_error(unavailable, 503)
    assert unavailable.headers["Retry-After"] == str(retry_after)


def test_body_action_sends_a_non_json_body_with_200_or_the_given_status() -> None:
    """{"body": ...}: the text as the body, labelled as SCIM JSON unless contentType says
    otherwise (a broken server or a proxy), and the write is not performed."""
    scim = make_scim()
    add(scim, {"match": {"method": "GET"}, "action": {"body": "not-json"}})
    add(scim, {"match": {"method": "POST"}, "action": {"body": "oops", "status": 500,
                                                      "contentType": "text/plain"}})  # fmt: skip
    answer = scim.get("/Users")
    assert answer.status_code == 200 and answer.get_data() == b"not-json"
    assert answer.mimetype == SCIM_JSON
    failed = scim.post("/Users", user("a"))
    assert (failed.status_code, failed.mimetype, failed.get_data()) == (500, "text/plain", b"oops")
    scim.client.delete("/_mock/faults", headers=scim.headers())
    assert total_users(scim) == 0


@pytest.mark.parametrize(("status", "title"), [(None, "502 Bad Gateway"), (503, "503 Service")])
def test_html_action_sends_a_proxy_error_page(status: int | None, title: str) -> None:
    """{"html": true}: a text/html page as nginx sends it, with the status (default 502)."""
    scim = make_scim()
    action: dict[str, Any] = {"html": True}
    if status is not None:
        action["status"] = status
    add(scim, {"action": action})
    answer = scim.get("/Users")
    assert answer.status_code == (status or 502)
    assert answer.mimetype == "text/html"
    assert f"<title>{title}" in answer.get_data(as_text=True)


def test_truncate_cuts_the_real_response_and_keeps_its_content_length() -> None:
    """{"truncate": true}: the real answer, half its body, the full Content-Length; the
    request was performed (the server did the work, the answer was cut on the way)."""
    scim = make_scim()
    add(
        scim, {"match": {"method": "POST"}, "action": {"truncate": True}, "trigger": {"once": True}}
    )
    answer = scim.post("/Users", user("a"))
    data = answer.get_data()
    assert answer.status_code == 201
    assert len(data) == int(answer.headers["Content-Length"]) // 2
    with pytest.raises(ValueError):
        json.loads(data)
    assert total_users(scim) == 1


def test_drop_in_process_raises_a_connection_error_and_performs_nothing() -> None:
    """{"drop": true} in-process (werkzeug's test client): the WSGI call raises
    ConnectionAbortedError; nothing is created; the journal names the rule."""
    scim = make_scim()
    add(scim, {"id": "cut-off", "match": {"method": "POST"}, "action": {"drop": True}})
    with pytest.raises(ConnectionAbortedError):
        scim.post("/Users", user("a"))
    assert total_users(scim) == 0
    journal = scim.client.get("/_mock/requests", headers=scim.headers()).get_json()["requests"]
    assert journal[0]["method"] == "POST" and journal[0].get("fault") == "cut-off"
    assert journal[1].get("fault") is None


def test_drop_and_truncate_over_a_socket_and_through_the_wsgi_adapter() -> None:
    """Over werkzeug's server the socket is closed without a response (requests raises
    ConnectionError) and a truncated body breaks the read (ChunkedEncodingError); the
    in-process requests adapter (scim_tests.wsgi) raises the same; the server keeps serving."""
    rules = (
        {"match": {"filter": "drop"}, "action": {"drop": True}},
        {"match": {"filter": "cut"}, "action": {"truncate": True}},
    )
    config = MockConfig(token=TOKEN, transport_faults=FaultSettings(rules=rules))
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": SCIM_JSON}
    in_process = requests.Session()
    in_process.mount("http://in-process.invalid", WsgiAdapter(create_app(config)))
    with MockServer(config) as server, requests.Session() as over_socket:
        for session, url in (
            (over_socket, server.url),
            (in_process, f"http://in-process.invalid{BASE}"),
        ):
            with pytest.raises(requests.ConnectionError):
                session.get(f"{url}/Users", params={"filter": 'userName eq "drop"'},
                            headers=headers, timeout=10)  # fmt: skip
            with pytest.raises(requests.exceptions.ChunkedEncodingError):
                session.get(f"{url}/Users", params={"filter": 'userName eq "cut"'},
                            headers=headers, timeout=10)  # fmt: skip
            assert session.get(f"{url}/Users", headers=headers, timeout=10).status_code == 200


# -- triggers ---------------------------------------------------------------------------------


def outcomes(scim: Scim, n: int) -> list[int]:
    return [scim.get("/Groups").status_code for _ in range(n)]


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ({}, [503] * 6),
        ({"once": True}, [503, 200, 200, 200, 200, 200]),
        ({"times": 2}, [503, 503, 200, 200, 200, 200]),
        ({"every": 3}, [200, 200, 503, 200, 200, 503]),
        ({"every": 2, "times": 2}, [200, 503, 200, 503, 200, 200]),
        ({"probability": 0}, [200] * 6),
        ({"probability": 1}, [503] * 6),
    ],
    ids=["always", "once", "times", "every", "every+times", "p0", "p1"],
)
def test_triggers(trigger: dict[str, Any], expected: list[int]) -> None:
    """once, N times, every k-th matching request, probability; default always."""
    scim = make_scim()
    add(scim, {"match": {"resourceType": "Group"}, "action": {"status": 503}, "trigger": trigger})
    scim.get("/Users")  # not matching: does not count
    assert outcomes(scim, 6) == expected
    (rule,) = listed(scim)
    assert rule["matched"] == 6 and rule["hits"] == expected.count(503)
    assert rule["exhausted"] == ("times" in trigger or "once" in trigger)


def test_probability_is_deterministic_for_a_seed() -> None:
    """The same seed gives the same sequence on a new mock and after a reset; another seed
    another one."""

    def coin(seed: int) -> dict[str, Any]:
        return {"action": {"status": 503}, "trigger": {"probability": 0.5}, "seed": seed}

    def run(seed: int, scim: Scim | None = None) -> list[int]:
        return outcomes(scim or with_rules(coin(seed)), 40)

    first = run(7)
    assert 5 < first.count(503) < 35
    assert run(7) == first
    assert run(8) != first
    scim = with_rules(coin(7))
    assert run(7, scim) == first
    assert scim.client.post("/_mock/reset", headers=scim.headers()).status_code == 204
    assert run(7, scim) == first


def test_rules_are_tried_in_order_and_the_first_faulting_one_answers() -> None:
    """Two matching rules: the first that fires answers; the second sees only the rest."""
    scim = make_scim()
    add(scim, {"action": {"status": 500}, "trigger": {"every": 2}})
    add(scim, {"action": {"status": 503}, "trigger": {"once": True}})
    assert outcomes(scim, 4) == [503, 500, 200, 500]
    assert [(r["matched"], r["hits"]) for r in listed(scim)] == [(4, 2), (2, 1)]


# -- configuration, reset and the command line -----------------------------------------------


def test_reset_restores_the_configured_rules_with_fresh_counters() -> None:
    """POST /_mock/reset drops added rules and restarts the configured ones."""
    configured = ({"id": "boot", "action": {"status": 503}, "trigger": {"once": True}},)
    scim = make_scim(transport_faults=FaultSettings(rules=configured))
    add(scim, {"action": {"status": 500}})
    assert outcomes(scim, 2) == [503, 500]
    assert scim.client.post("/_mock/reset", headers=scim.headers()).status_code == 204
    assert [(r["id"], r["hits"]) for r in listed(scim)] == [("boot", 0)]
    assert outcomes(scim, 2) == [503, 200]


def test_bad_configured_rules_fail_at_build_time() -> None:
    """A MockConfig with a bad rule does not build (the error names the problem)."""
    with pytest.raises(ScimError, match="scimType"):
        with_rules({"action": {"status": 503, "scimType": "invalidValue"}})


def test_serve_takes_fault_rules_as_json_and_from_a_file(tmp_path: Path) -> None:
    """--fault-rule JSON (repeatable) and --fault-rules FILE (a list or {"rules": [...]})."""
    from scim_mock.__main__ import _parser, config_from_args, main

    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [{"id": "f", "action": {"drop": True}}]}))
    args = _parser().parse_args(
        ["serve", "--fault-rule", '{"action": {"status": 503}}', "--fault-rules", str(path)]
    )
    rules = config_from_args(args).transport_faults.rules
    assert [dict(r) for r in rules] == [
        {"action": {"status": 503}},
        {"id": "f", "action": {"drop": True}},
    ]
    assert main(["serve", "--fault-rule", "{nope"]) == 2
    assert main(["serve", "--fault-rule", '{"action": {"status": 200}}']) == 2
    assert main(["serve", "--fault-rules", str(tmp_path / "missing.json")]) == 2


def test_legacy_transport_faults_still_apply_with_rules() -> None:
    """FaultSettings' every-Nth 5xx keeps working next to the rules."""
    scim = with_rules(
        {"match": {"method": "POST"}, "action": {"status": 400, "scimType": "tooMany"}},
        error_every=2,
    )
    assert scim.get("/Users").status_code == 200
    assert_scim_error(scim.get("/Users"), 503)
    assert_scim_error(scim.post("/Users", user("a")), 400, "tooMany")


def test_fault_rules_domain_api() -> None:
    """FaultRules without HTTP: decide() sums latency-only rules and names the answering one."""
    rules = FaultRules(
        [
            {"id": "slow", "action": {"latencyMs": 5}},
            {
                "id": "patch",
                "match": {"method": "PATCH", "path": "/Users*"},
                "action": {"status": 503},
            },
        ]
    )
    get = rules.decide(RequestFacts("GET", "/Users"))
    assert (get.latency_ms, get.rule, get.delayed_by) == (5, None, ("slow",))
    patch = rules.decide(RequestFacts("PATCH", "/Users/1", "User"))
    assert patch.rule is not None and patch.rule.id == "patch" and patch.latency_ms == 5


def test_each_tenant_has_its_own_rules() -> None:
    """/tenants/<name>/_mock/faults faults that tenant only; paths stay relative to its base."""
    client = create_app(MockConfig(max_tenants=2)).test_client()
    rule = {"match": {"path": "/Users"}, "action": {"status": 503}}
    assert client.post("/tenants/acme/_mock/faults", json=rule).status_code == 201
    assert client.get(f"/tenants/acme{BASE}/Users").status_code == 503
    assert client.get(f"/tenants/other{BASE}/Users").status_code == 200
    assert client.get(f"{BASE}/Users").status_code == 200
