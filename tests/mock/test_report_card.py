"""The client report card (scim_mock.report_card): every rule on synthetic journal entries, the
pytest helper, and GET /_mock/report end to end through the Flask test client."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from scim_mock.app import create_app
from scim_mock.config import FaultSettings, MockConfig
from scim_mock.report_card import RULES, Facts, assert_report_card, facts_from_registry, judge
from scim_mock.schema import SchemaRegistry
from scim_tests.catalog import catalog
from tests.conftest import GROUP_SCHEMA, PATCH_OP, SCIM_JSON, TOKEN, USER_SCHEMA

BASE = "/scim/v2"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
ADD = "members-replaced-to-add-one"
REMOVE = "members-replaced-to-remove-one"


class Journal:
    """Builds journal entries in the format of GET /_mock/requests."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        response: Any = None,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
        content_type: str | None = SCIM_JSON,
        at: float | None = None,
        client: str = "c1",
        compat: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
        n = len(self.entries) + 1
        entry = {
            "id": n,
            "time": (T0 + timedelta(seconds=n if at is None else at)).isoformat(),
            "method": method,
            "path": BASE + path,
            "requestHeaders": {"Accept": SCIM_JSON, **(headers or {})},
            "requestContentType": content_type if text else None,
            "requestBody": text,
            "status": status,
            "responseHeaders": response_headers or {},
            "responseBody": "" if response is None else json.dumps(response),
            "client": client,
            "tenant": None,
            "compat": compat or [],
            "fault": None,
        }
        self.entries.append(entry)
        return entry

    def rules(self, facts: Facts | None = None) -> dict[str, dict[str, Any]]:
        return {f["rule"]: f for f in judge(self.entries, facts)}


@pytest.fixture
def log() -> Journal:
    return Journal()


def user(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": "bjensen", **extra}


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def group(gid: str, *members: str) -> dict[str, Any]:
    return {"schemas": [GROUP_SCHEMA], "id": gid, "displayName": "G",
            "members": [{"value": m} for m in members]}  # fmt: skip


def page(total: int, start: int, *ids: str) -> dict[str, Any]:
    return {"totalResults": total, "startIndex": start, "itemsPerPage": len(ids),
            "Resources": [{"id": i} for i in ids]}  # fmt: skip


def test_a_clean_client_has_no_findings(log: Journal) -> None:
    log.add("POST", "/Users", user(active=True), status=201, response=user(id="u1"))
    log.add("GET", "/Users?filter=userName%20eq%20%22bjensen%22", response=page(1, 1, "u1"))
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "active", "value": False}),
            headers={"If-Match": 'W/"1"'})  # fmt: skip
    assert judge(log.entries) == []


# -- messages --------------------------------------------------------------------------------


def test_schemas_missing_and_wrong(log: Journal) -> None:
    log.add("POST", "/Users", {"userName": "a"}, status=400)
    log.add("PUT", "/Users/u1", {"schemas": [GROUP_SCHEMA], "userName": "a"})
    log.add("POST", "/Users", {"schemas": [USER_SCHEMA, "urn:example:unknown"], "userName": "b"})
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    log.add("POST", "/Users", {"schemas": [USER_SCHEMA.upper(), ext], "userName": "c"})
    found = log.rules()
    assert found["schemas-missing"]["count"] == 1
    assert found["schemas-missing"]["requirement"] == "C-3-01"
    assert found["schemas-wrong"]["count"] == 2
    assert found["schemas-wrong"]["requests"] == [2, 3]


def test_message_schemas_and_operations(log: Journal) -> None:
    log.add("PATCH", "/Users/u1", {"Operations": [{"op": "add", "path": "title", "value": "x"}]})
    log.add("PATCH", "/Users/u1", {"schemas": [PATCH_OP]})
    log.add("PATCH", "/Users/u1", {"schemas": [PATCH_OP], "operations": []})
    log.add("POST", "/Users/.search", {"filter": 'userName eq "a"'})
    log.add("POST", "/Bulk", {"Operations": []})
    found = log.rules()
    assert found["patch-schemas"]["count"] == 1
    assert found["patch-without-operations"]["requests"] == [2, 3]
    assert found["patch-without-operations"]["requirement"] == "P-3.5.2-04"
    assert found["search-schemas"]["requirement"] == "P-3.4.3-03"
    assert found["bulk-schemas"]["requirement"] is None


def test_content_type_and_accept(log: Journal) -> None:
    log.add("POST", "/Users", user(), content_type=None)
    log.add("POST", "/Users", user(), content_type="text/plain")
    log.add("POST", "/Users", user(), content_type="application/json; charset=utf-8")
    log.add("GET", "/Users", headers={"Accept": "text/html"})
    log.add("GET", "/Users", headers={"Accept": "application/json"})
    log.add("GET", "/Users", headers={"Accept": "application/json, */*;q=0.1"})
    log.add("GET", "/Users", headers={"Accept": "application/scim+json;q=0, text/xml"})
    log.add("DELETE", "/Users/u1", content_type=None, status=204)
    found = log.rules()
    assert found["content-type"]["requests"] == [1, 2]
    assert found["content-type-json"]["severity"] == "hint"
    assert found["accept"]["requests"] == [4, 7]
    assert found["accept-json"]["requests"] == [5]


def test_headers_not_recorded_are_not_judged(log: Journal) -> None:
    log.add("GET", "/Users/u1", response=group("u1"))
    log.add("PUT", "/Users/u1", user())
    for entry in log.entries:
        del entry["requestHeaders"]
    assert judge(log.entries) == []


# -- attributes ------------------------------------------------------------------------------


def test_read_only_attributes(log: Journal) -> None:
    log.add("POST", "/Users", user(id="x", meta={"created": "x"}), status=201)
    log.add("PUT", "/Users/u1", user(id="u1", groups=[{"value": "g"}]))
    log.add("PATCH", "/Users/u1", patch({"op": "add", "path": "groups", "value": [{"value": "g"}]}))
    log.add(
        "PATCH", "/Groups/g", patch({"op": "replace", "value": {"id": "g", "displayName": "n"}})
    )
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "meta.lastModified", "value": 1}))
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "displayName", "value": "d"}))
    found = log.rules()
    assert found["readonly-in-create"]["detail"] == "sent: id, meta"
    assert found["readonly-in-create"]["severity"] == "hint"
    assert found["readonly-in-replace"]["detail"] == "sent: id, groups"
    assert found["readonly-in-patch"]["requests"] == [3, 4, 5]
    assert found["readonly-in-patch"]["severity"] == "error"


def test_patch_op_case_and_string_booleans(log: Journal) -> None:
    log.add("PATCH", "/Users/u1", patch({"op": "Replace", "path": "active", "value": "False"}))
    log.add("PATCH", "/Users/u1", patch({"op": "add", "value": {"active": "true"}}))
    path = 'emails[type eq "work"].primary'
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": path, "value": "TRUE"}))
    log.add("POST", "/Users", user(emails=[{"value": "a@b", "primary": "false"}]))
    log.add("POST", "/Users", user(displayName="True", title="false"))
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "title", "value": "True"}))
    found = log.rules()
    assert found["patch-op-case"]["detail"] == 'op: "Replace"'
    assert found["string-boolean"]["requests"] == [1, 2, 3, 4]
    assert found["string-boolean"]["detail"] == 'active="False"'


def test_compat_deviations_are_reported(log: Journal) -> None:
    accepted = {"dialect": "entra", "rule": "entra-string-boolean", "description": "d"}
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "active", "value": "False"}),
            compat=[accepted])  # fmt: skip
    removal = {"dialect": "entra", "rule": "entra-remove-member-value", "description": "d"}
    log.add("PATCH", "/Groups/g", patch({"op": "remove", "path": "members", "value": []}),
            compat=[removal])  # fmt: skip
    future = {"dialect": "okta", "rule": "okta-something-new", "description": "Okta does X."}
    log.add("PATCH", "/Groups/g", patch({"op": "add", "path": "x", "value": 1}), compat=[future])
    found = log.rules()
    assert found["string-boolean"]["count"] == 1  # the deviation and the body: one exchange
    assert found["entra-remove-member-value"]["requirement"] == "P-3.5.2.2-04"
    assert found["okta-something-new"]["description"] == "Okta does X."


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ('filter=userName eq "a"', "filter-unencoded"),
        ("filter=userName%20eq%20%22a%22", None),
        ("filter=userName+eq+%22a%22", None),
        ('filter=userName%20eq%20"a"', "filter-unencoded"),
        ("filter=userName%20eq%20bjensen", "filter-unquoted"),
        ("filter=meta.lastModified%20gt%202011-05-13T04:42:34Z", "filter-unquoted"),
        ("filter=userName%20eq%20%27a%27", "filter-unquoted"),
        ("filter=active%20eq%20true%20and%20x%20eq%201.5%20or%20y%20eq%20null", None),
        ("filter=title%20eq%20%22a%20eq%20b%22", None),
        ("filter=title%20pr", None),
    ],
)
def test_filter_encoding_and_quoting(log: Journal, query: str, rule: str | None) -> None:
    log.add("GET", f"/Users?{query}", response=page(0, 1))
    assert list(log.rules()) == ([rule] if rule else [])


def test_unquoted_filters_in_search_bodies_and_patch_paths(log: Journal) -> None:
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
              "filter": "userName eq bjensen"}  # fmt: skip
    log.add("POST", "/Users/.search", search, response=page(0, 1))
    log.add("PATCH", "/Groups/g", patch({"op": "remove", "path": "members[value eq u1]"}))
    log.add("PATCH", "/Groups/g", patch({"op": "remove", "path": 'members[value eq "u1"]'}))
    assert log.rules()["filter-unquoted"]["requests"] == [1, 2]


# -- retries ---------------------------------------------------------------------------------


def test_retry_before_retry_after(log: Journal) -> None:
    log.add("GET", "/Users", status=429, response_headers={"Retry-After": "5"}, at=0)
    log.add("GET", "/Users", response=page(0, 1), at=1)
    log.add("GET", "/Users", status=503, response_headers={"Retry-After": "5"}, at=2)
    log.add("GET", "/Users", response=page(0, 1), at=7)
    date = "Thu, 01 Jan 2026 00:01:00 GMT"
    log.add("GET", "/Users", status=429, response_headers={"Retry-After": date}, at=10)
    log.add("GET", "/Users", response=page(0, 1), at=59.5)
    found = log.rules()["retry-too-early"]
    assert found["requests"] == [2, 6]
    assert "4.000 s early" in found["detail"]
    assert found["example"]["id"] == 2


def test_retry_rule_compares_one_client_and_skips_a_frozen_clock(log: Journal) -> None:
    log.add("GET", "/Users", status=429, response_headers={"Retry-After": "5"}, at=0)
    log.add("GET", "/Users", response=page(0, 1), at=1, client="other")
    log.add("GET", "/Users", response=page(0, 1), at=6)
    log.add("GET", "/Users", status=429, response_headers={"Retry-After": "5"}, at=10)
    log.add("GET", "/Users", response=page(0, 1), at=10)  # frozen clock: not judged
    log.add("GET", "/Users", status=429, response_headers={"Retry-After": "soon"}, at=20)
    log.add("GET", "/Users", response=page(0, 1), at=20.5)
    assert judge(log.entries) == []


# -- paging ----------------------------------------------------------------------------------


def test_a_list_read_whose_next_page_never_came(log: Journal) -> None:
    log.add("GET", "/Users", response=page(3, 1, "a", "b"))
    log.add("GET", "/Groups?filter=x%20pr", response=page(3, 1, "g"))
    log.add("GET", "/Groups?filter=y%20pr&startIndex=2", response=page(3, 2, "h"))
    found = log.rules()["unread-pages"]
    assert found["requests"] == [1, 2, 3]
    assert "startIndex 3 was never requested" in found["detail"]
    assert found["requirement"] == "P-3.4.2.4-06"
    assert "responseBody" in found["example"]


def test_pages_read_to_the_end_or_asked_for_are_fine(log: Journal) -> None:
    log.add("GET", "/Users", response=page(3, 1, "a", "b"))
    log.add("GET", "/Users?startIndex=3", response=page(3, 3, "c"))
    log.add("GET", "/Users?count=1", response=page(3, 1, "a"))  # asked for one
    log.add("GET", "/Users?count=0", response=page(3, 1))  # asked for the total
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 5}
    log.add("POST", "/Groups/.search", body, response=page(3, 1, "g", "h"))
    log.add("POST", "/Groups/.search", {**body, "startIndex": 3}, response=page(3, 3, "i"))
    assert judge(log.entries) == []


def test_a_capped_page_and_another_clients_next_page(log: Journal) -> None:
    log.add("GET", "/Users?count=10", response=page(5, 1, "a", "b"))
    log.add("GET", "/Users?count=10&startIndex=3", response=page(5, 3, "c"), client="other")
    found = log.rules()["unread-pages"]
    assert found["requests"] == [1, 2]


# -- read-modify-write -----------------------------------------------------------------------


def test_get_then_put_without_if_match(log: Journal) -> None:
    log.add("GET", "/Groups/g", response=group("g", "a"))
    log.add("PUT", "/Groups/g", group("g", "b"))
    log.add("GET", "/Groups?filter=displayName%20eq%20%22G%22", response=page(1, 1, "h"))
    log.add("PUT", "/Groups/h", group("h"))
    log.add("PUT", "/Groups/g", group("g", "c"), headers={"If-Match": 'W/"2"'})
    log.add("PUT", "/Groups/never-read", group("never-read"))
    log.add("GET", "/Users/u1", response=user(id="u1"), client="other")
    log.add("PUT", "/Users/u1", user())
    found = log.rules()["lost-update-risk"]
    assert found["requests"] == [2, 4]
    assert found["detail"] == "read in request 1, then PUT without If-Match"
    assert Journal.rules(log, Facts(etag_supported=False)).get("lost-update-risk") is None


def test_patch_replacing_a_whole_multi_valued_attribute(log: Journal) -> None:
    log.add("GET", "/Groups/g", response=group("g", "a"))
    log.add("PATCH", "/Groups/g", patch({"op": "replace", "path": "members", "value": []}))
    log.add(
        "PATCH", "/Groups/g", patch({"op": "add", "path": "members", "value": [{"value": "x"}]})
    )
    path = 'members[value eq "x"]'
    log.add("PATCH", "/Groups/g", patch({"op": "replace", "path": path, "value": {"value": "y"}}))
    log.add("GET", "/Users/u1", response=user(id="u1"))
    emails = {"emails": [{"value": "a@b"}]}
    log.add("PATCH", "/Users/u1", patch({"op": "Replace", "value": emails}))
    log.add("PATCH", "/Users/u1", patch({"op": "replace", "path": "title", "value": "t"}))
    found = log.rules()["lost-update-risk"]
    assert found["requests"] == [2, 6]
    assert "replaced all of members" in found["detail"]


def test_members_replaced_to_add_or_remove_one(log: Journal) -> None:
    log.add("GET", "/Groups/g", response=group("g", "a", "b"), headers={})
    log.add("PUT", "/Groups/g", group("g", "a", "b", "c"), response=group("g", "a", "b", "c"),
            headers={"If-Match": "1"})  # fmt: skip
    members = [{"value": "a"}, {"value": "b"}]
    log.add("PATCH", "/Groups/g", patch({"op": "replace", "path": "members", "value": members}),
            status=204, headers={"If-Match": "2"})  # fmt: skip
    log.add("PUT", "/Groups/g", group("g", "x", "y"), response=group("g", "x", "y"),
            headers={"If-Match": "3"})  # fmt: skip
    log.add("PUT", "/Groups/unknown", group("unknown", "x"), headers={"If-Match": "1"})
    found = log.rules()
    assert found[ADD]["requests"] == [2]
    assert found[ADD]["detail"] == "3 members sent to add c"
    assert found[REMOVE]["requests"] == [3]
    assert set(found) == {ADD, REMOVE, "readonly-in-replace"}  # group() repeats the id


def test_members_known_from_a_create_and_a_list_read(log: Journal) -> None:
    log.add("POST", "/Groups", group("g", "a", "b"), status=201, response=group("g", "a", "b"))
    log.add("PUT", "/Groups/g", group("g", "a"), response=group("g", "a"))
    log.add("GET", "/Groups", response={"totalResults": 1, "Resources": [group("h", "a", "b")]})
    log.add("PUT", "/Groups/h", group("h", "a", "b", "c"), headers={"If-Match": "1"})
    found = log.rules()
    assert found[REMOVE]["requests"] == [2]
    assert found[ADD]["requests"] == [4]


# -- the report ------------------------------------------------------------------------------


def test_findings_are_ordered_by_severity_and_examples_trimmed(log: Journal) -> None:
    log.add("POST", "/Users", user(id="x", title="t" * 5000), status=201)
    log.add("GET", "/Users", headers={"Accept": "text/html"}, status=406)
    log.add("POST", "/Users", user(id="y"), status=201)
    findings = judge(log.entries)
    assert [f["rule"] for f in findings] == ["accept", "readonly-in-create"]
    hint = findings[1]
    assert hint["count"] == 2 and hint["requests"] == [1, 3]
    assert hint["example"]["requestBody"].endswith("…")
    assert len(hint["example"]["requestBody"]) <= 2001
    assert "responseBody" not in hint["example"]
    assert set(hint) >= {"rule", "requirement", "count", "description", "hint", "example"}


def test_every_rule_cites_a_catalog_id_or_none() -> None:
    ids = set(catalog())
    for rule in RULES.values():
        assert rule.requirement is None or rule.requirement in ids, rule.id
        assert rule.severity in ("error", "warning", "hint")


def test_facts_from_the_registry() -> None:
    facts = facts_from_registry(SchemaRegistry.load(), etag_supported=False)
    users, groups = facts.endpoints["Users"], facts.endpoints["Groups"]
    assert {"id", "meta", "groups"} <= users.read_only
    assert {"active", "primary"} <= users.booleans
    assert "emails" in users.multi_valued and "groups" not in users.multi_valued
    assert "members" in groups.multi_valued
    assert facts.etag_supported is False


# -- the pytest helper -----------------------------------------------------------------------


def _report(*rules: str) -> dict[str, Any]:
    return {"findings": [
        {"rule": r, "requirement": RULES[r].requirement, "severity": RULES[r].severity,
         "count": 1, "description": RULES[r].description, "hint": RULES[r].hint,
         "detail": "", "example": {"method": "GET", "path": "/scim/v2/Users", "status": 200}}
        for r in rules
    ]}  # fmt: skip


def test_assert_report_card_passes_and_returns_findings_by_rule() -> None:
    by_rule = assert_report_card(_report("unread-pages"), expect=["unread-pages"])
    assert by_rule["unread-pages"]["count"] == 1
    assert_report_card({"findings": []})
    assert_report_card(_report("accept-json")["findings"], allow_severity=["hint"])
    assert_report_card(_report("accept", "accept-json"), expect=["accept"], allow=["accept-json"])


def test_assert_report_card_lists_unexpected_and_missing_findings() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_report_card(_report("lost-update-risk"), expect=["unread-pages"])
    message = str(failure.value)
    assert "lost-update-risk (warning, P-3.14-05) x1" in message
    assert "GET /scim/v2/Users -> 200" in message
    assert "fix: Send 'If-Match" in message
    assert "missing from the report card: unread-pages" in message


def test_assert_report_card_refuses_typos() -> None:
    with pytest.raises(ValueError, match="unknown report-card rules"):
        assert_report_card(_report(), expect=["unread-page"])
    with pytest.raises(ValueError, match="unknown severities"):
        assert_report_card(_report(), allow_severity=["hints"])
    with pytest.raises(TypeError):
        assert_report_card({"problems": []})


def test_the_helper_imports_without_flask() -> None:
    code = "import sys, scim_mock.report_card; assert 'flask' not in sys.modules, 'flask'"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- GET /_mock/report -----------------------------------------------------------------------


class Client:
    """A small SCIM client over the Flask test client, as a directory sync tool would send."""

    def __init__(self, config: MockConfig) -> None:
        self.app = create_app(config)
        self.http = self.app.test_client()

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        all_headers = {"Authorization": f"Bearer {TOKEN}", "Accept": SCIM_JSON, **headers}
        if body is not None:
            all_headers.setdefault("Content-Type", SCIM_JSON)
        data = None if body is None else json.dumps(body)
        response = self.http.open(path, method=method, data=data, headers=all_headers)
        return response.get_json(silent=True)

    def report(self, query: str = "", token: str = TOKEN) -> tuple[int, Any]:
        response = self.http.get(f"/_mock/report{query}",
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        return response.status_code, response.get_json(silent=True)


@pytest.fixture
def sync() -> Iterator[Client]:
    yield Client(MockConfig(token=TOKEN, default_page_size=2))


def test_report_of_the_issue_directory_sync_client(sync: Client) -> None:
    """The issue's client: no second page, and group moves by PUT of all members, no If-Match."""
    ids = [sync.send("POST", f"{BASE}/Users", user(userName=f"u{i}"))["id"] for i in range(3)]
    members = [{"value": ids[0]}, {"value": ids[1]}]
    sync.send(
        "POST",
        f"{BASE}/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "G", "members": members},
    )
    listed = sync.send("GET", f"{BASE}/Users")
    assert listed["totalResults"] == 3 and len(listed["Resources"]) == 2
    gid = sync.send("GET", f"{BASE}/Groups")["Resources"][0]["id"]
    current = sync.send("GET", f"{BASE}/Groups/{gid}")
    current["members"] = [*current["members"], {"value": ids[2]}]
    sync.send("PUT", f"{BASE}/Groups/{gid}", current)
    status, report = sync.report()
    assert status == 200
    by_rule = assert_report_card(
        report,
        expect=["unread-pages", "lost-update-risk", ADD, "readonly-in-replace"],
    )
    assert by_rule["unread-pages"]["count"] == 1
    assert by_rule["unread-pages"]["example"]["path"] == f"{BASE}/Users"
    assert by_rule["lost-update-risk"]["example"]["method"] == "PUT"
    assert by_rule["readonly-in-replace"]["detail"] == "sent: id, meta"


def test_report_of_a_careful_client_is_empty(sync: Client) -> None:
    created = sync.send("POST", f"{BASE}/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "G"})
    current = sync.http.get(f"{BASE}/Groups/{created['id']}",
                            headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    body = patch({"op": "add", "path": "members", "value": []})
    sync.send(
        "PATCH", f"{BASE}/Groups/{created['id']}", body, **{"If-Match": current.headers["ETag"]}
    )
    sync.send("GET", f"{BASE}/Groups?filter=displayName%20eq%20%22G%22")
    assert sync.report() == (200, {"findings": []})


def test_report_judges_refused_and_accepted_requests() -> None:
    client = Client(MockConfig(token=TOKEN, compat=("entra",)))
    uid = client.send("POST", f"{BASE}/Users", user())["id"]
    client.send("PATCH", f"{BASE}/Users/{uid}",
                patch({"op": "replace", "path": "active", "value": "False"}))  # fmt: skip
    client.send("PATCH", f"{BASE}/Users/{uid}", {"Operations": []})
    client.http.get(f"{BASE}/Users", query_string='filter=userName eq "bjensen"',
                    headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    _, report = client.report()
    found = assert_report_card(
        report,
        expect=[
            "string-boolean",
            "patch-schemas",
            "patch-without-operations",
            "filter-unencoded",
        ],  # fmt: skip
    )
    assert found["string-boolean"]["example"]["compat"][0]["rule"] == "entra-string-boolean"
    assert found["patch-schemas"]["example"]["status"] == 400


def test_report_of_an_early_retry_on_the_mock_clock() -> None:
    config = MockConfig(token=TOKEN, transport_faults=FaultSettings(rate_limit_every=2,
                                                                    retry_after=30))  # fmt: skip
    client = Client(config)
    control = {"Authorization": f"Bearer {TOKEN}"}
    client.http.post("/_mock/clock", json={"freeze": "2026-01-01T00:00:00Z"}, headers=control)
    client.send("GET", f"{BASE}/Users")
    client.send("GET", f"{BASE}/Users")  # 429, Retry-After: 30
    client.http.post("/_mock/clock", json={"advance": 1}, headers=control)
    client.send("GET", f"{BASE}/Users")  # one second later: too early
    client.send("GET", f"{BASE}/Users")  # 429 again
    client.http.post("/_mock/clock", json={"advance": 30}, headers=control)
    client.send("GET", f"{BASE}/Users")  # waited: fine
    _, report = client.report()
    found = assert_report_card(report, expect=["retry-too-early"])
    assert found["retry-too-early"]["count"] == 1
    assert "29.000 s early" in found["retry-too-early"]["detail"]


def test_report_filters_and_refusals(sync: Client) -> None:
    sync.send("POST", f"{BASE}/Users", {"userName": "a"})
    sync.send("GET", f"{BASE}/Users", Accept="application/json")
    _, everything = sync.report()
    assert [f["rule"] for f in everything["findings"]] == ["schemas-missing", "accept-json"]
    _, errors_only = sync.report("?severity=error,warning")
    assert [f["rule"] for f in errors_only["findings"]] == ["schemas-missing"]
    client = everything["findings"][0]["example"]["client"]
    assert sync.report(f"?client={client}")[1] == everything
    assert sync.report("?client=nobody")[1] == {"findings": []}
    assert sync.report("?tenant=")[1] == everything
    assert sync.report("?severity=fatal")[0] == 400
    assert sync.report("?clients=x")[0] == 400
    assert sync.report(token="wrong")[0] == 401


def test_each_tenant_has_its_own_report(sync: Client) -> None:
    sync.send("POST", f"/tenants/acme{BASE}/Users", {"userName": "a"})
    response = sync.http.get("/tenants/acme/_mock/report",
                             headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    tenant_report = response.get_json()
    assert [f["rule"] for f in tenant_report["findings"]] == ["schemas-missing"]
    assert tenant_report["findings"][0]["example"]["tenant"] == "acme"
    assert sync.report() == (200, {"findings": []})
