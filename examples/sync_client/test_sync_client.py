"""Tests of the example sync client, written the way a client author would, with the plugin's
``scim_mock_server`` and ``scim_mock_responses`` fixtures (no set-up of their own).

The good client must survive a 429 storm, an eventually consistent server and a capped page
size, and leave a clean report card; the broken one must be caught by the report card.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import requests

from examples.sync_client.broken_client import BrokenClient, BrokenSync
from examples.sync_client.sync_client import Employee, ScimClient, Sync, load_csv

EMPLOYEES = load_csv(Path(__file__).with_name("employees.csv"))
#: What a client that GETs a resource before changing it may be told: hints, not mistakes.
HINTS = ("hint",)


def _sync(mock: Any, employees: list[Employee]) -> Any:
    return Sync(ScimClient(mock.url, mock.token)).run(employees)


def _users(mock: Any) -> dict[str, dict[str, Any]]:
    body = requests.get(f"{mock.url}/Users", params={"count": "200"}, headers=mock.headers,
                        timeout=10).json()  # fmt: skip
    return {u["externalId"]: u for u in body["Resources"]}


def _group_members(mock: Any) -> dict[str, set[str]]:
    body = requests.get(f"{mock.url}/Groups", headers=mock.headers, timeout=10).json()
    return {g["displayName"]: {m["value"] for m in g.get("members") or []}
            for g in body["Resources"]}  # fmt: skip


def test_joiners_movers_and_leavers(scim_mock_server: Any) -> None:
    """First sync: everyone created, groups made; second: a mover and a leaver, by PATCH."""
    first = _sync(scim_mock_server, EMPLOYEES)
    assert sorted(first.created) == sorted(e.user_name for e in EMPLOYEES)
    assert sorted(first.groups_created) == ["all-staff", "engineering"]
    users = _users(scim_mock_server)
    members = _group_members(scim_mock_server)
    assert members["engineering"] == {users["E1001"]["id"], users["E1002"]["id"]}
    assert users["E1004"]["active"] is False and users["E1004"]["id"] not in members["all-staff"]

    moved = dataclasses.replace(EMPLOYEES[0], title="Chief Analyst", groups=("all-staff",))
    left = dataclasses.replace(EMPLOYEES[1], active=False)
    second = _sync(scim_mock_server, [moved, left, *EMPLOYEES[2:]])
    assert second.created == [] and second.updated == ["ada.lovelace@example.com"]
    assert second.deactivated == ["alan.turing@example.com"]
    users = _users(scim_mock_server)
    assert users["E1001"]["title"] == "Chief Analyst" and users["E1002"]["active"] is False
    assert _group_members(scim_mock_server)["engineering"] == set()
    methods = {(e["method"], e["path"].split("?")[0].rsplit("/", 2)[-2])
               for e in scim_mock_server.requests(limit=1000)}  # fmt: skip
    assert ("DELETE", "Users") not in methods and ("PUT", "Groups") not in methods
    scim_mock_server.assert_report(allow_severity=HINTS)


def test_a_429_storm_is_waited_out(scim_mock_server: Any) -> None:
    """Three 429s with Retry-After: 1 on the first creates: the client waits and goes on."""
    scim_mock_server.add_fault({"match": {"method": "POST", "path": "/Users"},
                                "action": {"status": 429, "retryAfter": 1},
                                "trigger": {"times": 3}})  # fmt: skip
    report = _sync(scim_mock_server, EMPLOYEES)
    assert report.retries == 3 and len(report.created) == len(EMPLOYEES)
    scim_mock_server.assert_report(allow_severity=HINTS)  # no retry-too-early


@pytest.mark.scim_mock_config(personas=["eventual-consistency:30"])
def test_an_eventually_consistent_server_gets_no_duplicates(scim_mock_server: Any) -> None:
    """Filters do not see new users for 30 s; the client lists, so a quick second run neither
    creates duplicates nor trips over 409s."""
    _sync(scim_mock_server, EMPLOYEES)
    again = _sync(scim_mock_server, EMPLOYEES)
    assert again.created == [] and again.groups_created == []
    assert len(_users(scim_mock_server)) == len(EMPLOYEES)


@pytest.mark.scim_mock_config(personas=["page-cap:2"])
def test_a_capped_page_size_is_paged_through(scim_mock_server: Any) -> None:
    """Pages of two whatever count says: the second run still finds all four users."""
    _sync(scim_mock_server, EMPLOYEES)
    again = _sync(scim_mock_server, EMPLOYEES)
    assert again.created == []
    scim_mock_server.assert_report(allow_severity=HINTS)


def test_the_client_in_process(scim_mock_responses: Any) -> None:
    """The same client against the in-process mock behind ``responses``: no socket."""
    report = _sync(scim_mock_responses, EMPLOYEES)
    assert len(report.created) == len(EMPLOYEES)
    scim_mock_responses.assert_report(allow_severity=HINTS)


#: What the broken client's report card must show (see broken_client.py's list of mistakes).
BROKEN_FINDINGS = {
    "unread-pages",  # 1: one page only
    "lost-update-risk",  # 2: GET then PUT, no If-Match
    "readonly-in-replace",  # 3: id, meta and groups sent back
    "content-type-json",  # 5: application/json
    "retry-too-early",  # 6: no wait after 429
    "patch-schemas",  # 7: PATCH without schemas
}
#: Mistake 4 (the whole members list to change one) reads as one or both of these.
MEMBER_CHURN = {"members-replaced-to-add-one", "members-replaced-to-remove-one"}


@pytest.mark.scim_mock_config(personas=["page-cap:2"])
def test_the_broken_client_gets_a_report_card(scim_mock_server: Any) -> None:
    """Every mistake of the broken client is on its report card, found from the traffic."""
    broken = BrokenSync(BrokenClient(scim_mock_server.url, scim_mock_server.token))
    broken.run(EMPLOYEES[:3])
    scim_mock_server.add_fault({"match": {"method": "GET", "path": "/Users"},
                                "action": {"status": 429, "retryAfter": 1},
                                "trigger": {"once": True}})  # fmt: skip
    moved = dataclasses.replace(EMPLOYEES[0], title="Chief Analyst", groups=("all-staff",))
    broken.run([moved, dataclasses.replace(EMPLOYEES[1], active=False), *EMPLOYEES[2:]])
    findings = {f["rule"] for f in scim_mock_server.report()["findings"]}
    assert BROKEN_FINDINGS <= findings, sorted(findings)
    assert findings & MEMBER_CHURN, sorted(findings)
    assert len(findings - {"readonly-in-replace"}) >= 5
