"""Bulk operations (RFC 7644 §3.7, §3.7.1-§3.7.4): bulkId references, per-operation results,
failOnErrors and the published limits. Only run when /ServiceProviderConfig advertises
bulk.supported.

Every operation touches only resources this run created (or ids nobody holds, for failures).
A result's ``status`` is read as a string ("201") or as an object with ``code``: the RFC's
prose and its examples differ (P-3.7.3-02).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_scim_error,
    assert_status,
    assert_valid,
    check,
    json_object,
)
from scim_tests.client import Ownership, ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.fixtures import create
from scim_tests.groups import member_ids
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP
from scim_tests.resources import assert_resource, value_of

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
pytestmark = pytest.mark.scim_feature("bulk")


def status_of(result: dict[str, Any]) -> int | None:
    """A result's status: "201" or {"code": 201} (P-3.7.3-02)."""
    status = result.get("status")
    if isinstance(status, dict):
        status = status.get("code")
    try:
        return int(str(status))
    except ValueError:
        return None


def limits(spc: dict[str, Any] | None) -> dict[str, Any]:
    """The bulk section of /ServiceProviderConfig ({} when absent)."""
    bulk = (spc or {}).get("bulk")
    return bulk if isinstance(bulk, dict) else {}


def send_bulk(
    client: ScimClient, operations: list[dict[str, Any]], requirement: str = "P-3.7-07",
    **extra: Any,
) -> tuple[list[dict[str, Any]], ScimResponse]:  # fmt: skip
    """POST /Bulk; the results (200 with a valid BulkResponse) and the response."""
    __tracebackhide__ = True
    response = client.post("/Bulk", {"schemas": [BULK_REQUEST], **extra,
                                      "Operations": operations})  # fmt: skip
    assert_status(response, 200, requirement=requirement)
    body = json_object(response, requirement="P-3.7-02")
    assert_valid(body, "BulkResponse", response=response, requirement="P-3.7-02")
    return [r for r in body["Operations"] if isinstance(r, dict)], response


def _post(bulk_id: str, path: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"method": "POST", "path": path, "bulkId": bulk_id, "data": data}


def _check_results(results: list[dict[str, Any]], response: ScimResponse,
                   expected: list[tuple[str, int | tuple[int, ...]]]) -> None:  # fmt: skip
    """One result per operation, in any order, matched by bulkId or method and location."""
    __tracebackhide__ = True
    check(len(results) == len(expected), "The BulkResponse does not report every operation",
          expected=f"{len(expected)} results", received=f"{len(results)} results",
          response=response, requirement="P-3.7.3-01")  # fmt: skip
    for (label, statuses), result in zip(expected, results, strict=True):
        allowed = (statuses,) if isinstance(statuses, int) else statuses
        check(status_of(result) in allowed, f"Bulk operation {label} has the wrong status",
              expected=" or ".join(map(str, allowed)), received=result.get("status"),
              response=response, requirement="P-3.7.3-02",
              cause=f"a bulk {result.get('method')} operation answered {status_of(result)} where "
              f"{' or '.join(map(str, allowed))} was expected")  # fmt: skip
        failed_post = result.get("method") == "POST" and (status_of(result) or 0) >= 400
        check(failed_post or isinstance(result.get("location"), str),
              f"Bulk operation {label} has no location", expected="location: <resource URI>",
              received=result, response=response, requirement="P-3.7-04")  # fmt: skip


def _by_bulk_id(results: list[dict[str, Any]], bulk_id: str, response: ScimResponse) -> Any:
    __tracebackhide__ = True
    found = next((r for r in results if r.get("bulkId") == bulk_id), None)
    check(found is not None, f"No result echoes bulkId {bulk_id!r}", expected=f"bulkId {bulk_id}",
          received=[r.get("bulkId") for r in results], response=response,
          requirement="P-3.7-10")  # fmt: skip
    return found


@pytest.mark.parametrize("order", ["defined-first", "forward"])
@requirement("P-3.7.2-01", "P-3.7-10", "P-3.7-02", "P-3.7-04", "P-3.7-07", "P-3.7.3-01",
             "P-3.7.3-02", "P-3.7-11")  # fmt: skip
def test_bulk_id_references_are_resolved(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas, order: str,
) -> None:  # fmt: skip
    """A Group POSTed in the same request as a User names it as "bulkId:u1"; the server
    replaces the reference by the User's id, also when the Group comes first (a forward
    reference). Each POST result echoes its bulkId, has status 201 and a location serving the
    resource (P-3.7.2-01, P-3.7-10, P-3.7-02, P-3.7-04, P-3.7-07, P-3.7.3-01, P-3.7.3-02,
    P-3.7-11)."""
    tag = uuid.uuid4().hex[:8]
    user_op = _post(f"u-{tag}", "/Users", user_payload())
    group_op = _post(
        f"g-{tag}", "/Groups", group_payload(members=[{"type": "User", "value": f"bulkId:u-{tag}"}])
    )
    operations = [user_op, group_op] if order == "defined-first" else [group_op, user_op]
    results, response = send_bulk(scim_client, operations)
    _check_results(results, response, [(f"POST {op['path']}", 201) for op in operations])
    user = _by_bulk_id(results, f"u-{tag}", response)
    group = _by_bulk_id(results, f"g-{tag}", response)
    fetched_user = scim_client.get(str(user.get("location")))
    assert_status(fetched_user, 200, requirement="P-3.7-04")
    user_id = assert_resource(fetched_user, "User", scim_schemas)["id"]
    fetched = scim_client.get(str(group.get("location")))
    assert_status(fetched, 200, requirement="P-3.7-04")
    shown = assert_resource(fetched, "Group", scim_schemas)
    check(member_ids(shown) == [user_id], "The bulkId reference was not replaced by the id",
          expected=f"members [{user_id}]", received=value_of(shown, "members"), response=fetched,
          requirement=("P-3.7.2-01", "P-3.7-11") if order == "forward" else "P-3.7.2-01",
          )  # fmt: skip


@requirement("P-3.7-03", "P-3.7-04", "P-3.7.3-02", "P-3.7-02")
def test_bulk_put_patch_delete_act_like_single_requests(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas, service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """PUT, PATCH and DELETE inside /Bulk on resources the run created answer what the
    single requests would (200, 200 or 204, 204), name the resource in location, and take
    effect (P-3.7-03, P-3.7-04, P-3.7.3-02, P-3.7-02)."""
    user = create(scim_client, "/Users", user_payload())
    gone = create(scim_client, "/Users", user_payload())
    group = create(scim_client, "/Groups", group_payload())
    title = f"Bulk title {uuid.uuid4().hex[:8]}"
    put = {k: v for k, v in user.items() if k.lower() not in ("id", "meta", "groups")}
    operations: list[dict[str, Any]] = [
        {"method": "PUT", "path": f"/Users/{user['id']}", "data": {**put, "title": title}},
        {"method": "DELETE", "path": f"/Users/{gone['id']}"},
    ]
    expected: list[tuple[str, int | tuple[int, ...]]] = [("PUT", 200), ("DELETE", 204)]
    if feature_supported(service_provider_config, "patch") is not False:
        add = {"op": "add", "path": "members", "value": [{"value": user["id"], "type": "User"}]}
        operations.append({"method": "PATCH", "path": f"/Groups/{group['id']}",
                           "data": {"schemas": [PATCH_OP], "Operations": [add]}})  # fmt: skip
        expected.append(("PATCH", (200, 204)))
    results, response = send_bulk(scim_client, operations, requirement="P-3.7-03")
    _check_results(results, response, expected)
    for operation, result in zip(operations, results, strict=True):
        location = str(result.get("location", ""))
        check(location.rstrip("/").endswith(operation["path"]),
              f"The {operation['method']} result's location names another resource",
              expected=f"…{operation['path']}", received=location, response=response,
              requirement="P-3.7-04")  # fmt: skip
    fetched = scim_client.get(f"/Users/{user['id']}")
    shown = assert_resource(fetched, "User", scim_schemas, requirement="P-3.7-03")
    check(value_of(shown, "title") == title, "The bulk PUT did not replace the title",
          expected=title, received=value_of(shown, "title"), response=fetched,
          requirement="P-3.7-03")  # fmt: skip
    assert_scim_error(scim_client.get(f"/Users/{gone['id']}"), 404, requirement="P-3.7-03")
    if len(operations) == 3:
        got = scim_client.get(f"/Groups/{group['id']}")
        members = member_ids(assert_resource(got, "Group", scim_schemas))
        check(members == [user["id"]], "The bulk PATCH did not add the member",
              expected=[user["id"]], received=members, response=got,
              requirement="P-3.7-03")  # fmt: skip


@requirement("P-3.7-05", "P-3.7-06", "P-3.7.3-03", "P-3.7-08", "P-3.7-04", "P-3.7.3-02")
def test_failed_operations_carry_scim_errors(
    scim_client: ScimClient, scim_ownership: Ownership, user_payload: Payload,
    new_user: dict[str, Any],
) -> None:  # fmt: skip
    """Without failOnErrors, a POST with a taken userName (409, 400 tolerated) and a DELETE of
    an unknown id (404) fail, and a valid POST after them still succeeds. Each failed result
    carries a response that is a SCIM Error with a human-readable detail; the failed DELETE
    still names its location (P-3.7-05, P-3.7-06, P-3.7.3-03, P-3.7-08, P-3.7-04,
    P-3.7.3-02)."""
    tag = uuid.uuid4().hex[:8]
    operations = [
        _post(f"dup-{tag}", "/Users", user_payload(userName=new_user["userName"])),
        {"method": "DELETE", "path": f"/Users/{scim_ownership.probe_id()}"},
        _post(f"ok-{tag}", "/Users", user_payload()),
    ]
    results, response = send_bulk(scim_client, operations)
    _check_results(results, response, [("POST duplicate", (409, 400)), ("DELETE unknown", 404),
                                       ("POST valid", 201)])  # fmt: skip
    for label, result in (("POST", results[0]), ("DELETE", results[1])):
        error = result.get("response")
        check(isinstance(error, dict), f"The failed {label} result has no response",
              expected="response: a SCIM Error", received=result, response=response,
              requirement="P-3.7-05")  # fmt: skip
        assert_valid(error, "Error", response=response, requirement="P-3.7-06")
        detail = str(error.get("detail") or "").strip() if isinstance(error, dict) else ""
        check(detail, f"The failed {label} result does not explain the failure",
              expected="response.detail: a human-readable explanation", received=error,
              response=response, requirement="P-3.7.3-03")  # fmt: skip


@requirement("P-3.7-09", "P-3.7.3-01", "P-3.7-08")
def test_fail_on_errors_stops_after_that_many_errors(
    scim_client: ScimClient, scim_ownership: Ownership, user_payload: Payload,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """failOnErrors=2: the first error does not stop the job, the second does; the results
    cover the three operations processed, and the fourth (a valid POST) is neither reported
    nor performed (P-3.7-09, P-3.7.3-01, P-3.7-08)."""
    if isinstance(limits(service_provider_config).get("maxOperations"), int) and \
            limits(service_provider_config)["maxOperations"] < 4:  # fmt: skip
        pytest.skip("bulk.maxOperations is below the 4 operations this check needs")
    tag = uuid.uuid4().hex[:8]
    late = user_payload()
    operations = [
        {"method": "DELETE", "path": f"/Users/{scim_ownership.probe_id()}"},
        _post(f"first-{tag}", "/Users", user_payload()),
        {"method": "DELETE", "path": f"/Users/{scim_ownership.probe_id()}"},
        _post(f"late-{tag}", "/Users", late),
    ]
    results, response = send_bulk(scim_client, operations, failOnErrors=2)
    reported = [r.get("bulkId") for r in results]
    check(f"late-{tag}" not in reported and len(results) == 3,
          "The job went on after failOnErrors errors", expected="3 results (404, 201, 404)",
          received=[(r.get("method"), r.get("status")) for r in results], response=response,
          requirement="P-3.7-09")  # fmt: skip
    check(f"first-{tag}" in reported, "The first error stopped the job",
          expected=f"a result for bulkId first-{tag}", received=reported, response=response,
          requirement="P-3.7-08")  # fmt: skip
    if feature_supported(service_provider_config, "filter") is not False:
        found = scim_client.get("/Users", params={"filter": f'userName eq "{late["userName"]}"'})
        assert_status(found, 200)
        check(json_object(found).get("totalResults") == 0, "The operation after the stop ran",
              expected=f"no user {late['userName']}", received=found.text[:300],
              response=found, requirement="P-3.7-09")  # fmt: skip


@requirement("P-3.7.4-01")
def test_bulk_limits_are_published(service_provider_config: dict[str, Any] | None) -> None:
    """With bulk supported, /ServiceProviderConfig states bulk.maxOperations and
    bulk.maxPayloadSize as positive integers (P-3.7.4-01)."""
    bulk = limits(service_provider_config)
    for name in ("maxOperations", "maxPayloadSize"):
        value = bulk.get(name)
        check(isinstance(value, int) and not isinstance(value, bool) and value > 0,
              f"bulk.{name} is not published", expected="a positive integer",
              received=value, requirement="P-3.7.4-01")  # fmt: skip


def _limit(spc: dict[str, Any] | None, name: str, ceiling: int) -> int:
    value = limits(spc).get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        pytest.skip(f"bulk.{name} is not published (see test_bulk_limits_are_published)")
    if value > ceiling:
        pytest.skip(f"bulk.{name} is {value}; a request above it is too large to send")
    return value


def _explains(response: ScimResponse, words: tuple[str, ...], limit: int) -> None:
    __tracebackhide__ = True
    error = assert_scim_error(response, 413, requirement="P-3.7.4-02")
    detail = str(error.get("detail") or "").lower()
    check(any(w in detail for w in words) or str(limit) in detail,
          "The 413 does not say which limit was exceeded",
          expected=f"a detail naming {' / '.join(words)} or {limit}", received=detail or None,
          response=response, requirement="P-3.7.4-03")  # fmt: skip


@requirement("P-3.7.4-02", "P-3.7.4-03")
def test_too_many_operations_answer_413(
    scim_client: ScimClient, scim_ownership: Ownership,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """One operation more than bulk.maxOperations is refused with 413, and the error says
    the operation count was the problem (P-3.7.4-02, P-3.7.4-03). The operations are DELETEs
    of ids nobody holds, so a server that ran them anyway changes nothing."""
    most = _limit(service_provider_config, "maxOperations", 5000)
    size = _limit(service_provider_config, "maxPayloadSize", 1 << 30)
    probe = scim_ownership.probe_id()
    operations = [{"method": "DELETE", "path": f"/Users/{probe}-{n}"} for n in range(most + 1)]
    if len(json.dumps(operations)) + 100 > size:
        pytest.skip("maxOperations + 1 operations would exceed maxPayloadSize")
    response = scim_client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations})
    _explains(response, ("operation",), most)


@requirement("P-3.7.4-02", "P-3.7.4-03")
def test_oversized_payload_answers_413(
    scim_client: ScimClient, scim_ownership: Ownership,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A request a few bytes above bulk.maxPayloadSize is refused with 413, and the error
    says the payload size was the problem (P-3.7.4-02, P-3.7.4-03). Its one operation is a
    DELETE of an id nobody holds."""
    size = _limit(service_provider_config, "maxPayloadSize", 16 << 20)
    data: dict[str, Any] = {"schemas": [PATCH_OP], "Operations": [], "padding": ""}
    operation = {"method": "DELETE", "path": f"/Users/{scim_ownership.probe_id()}", "data": data}
    request = {"schemas": [BULK_REQUEST], "Operations": [operation]}
    base = len(json.dumps(request).encode("utf-8"))
    data["padding"] = "x" * max(0, size + 16 - base)
    text = json.dumps(request)
    response = scim_client.post("/Bulk", data=text)
    _explains(response, ("payload", "size", "byte", "large"), size)


@pytest.mark.scim_feature("etag")
@requirement("P-3.7-03", "P-3.7.3-02", "P-3.14-05")
def test_bulk_version_is_a_precondition(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """With versioning on, a bulk PUT whose version names an outdated ETag fails with 412
    like a single PUT with that If-Match, and changes nothing; with the current ETag it
    succeeds (P-3.7-03, P-3.7.3-02, P-3.14-05)."""
    user = create(scim_client, "/Users", user_payload())
    path = f"/Users/{user['id']}"
    stale = scim_client.get(path).headers.get("ETag")
    body = {k: v for k, v in user.items() if k.lower() not in ("id", "meta", "groups")}
    assert_status(scim_client.put(path, {**body, "title": "Moved on"}), 200)
    current = scim_client.get(path).headers.get("ETag")
    if not stale or not current:
        pytest.skip("the server sends no ETag header (see test_etag.py)")
    for version, title, status in ((stale, "Stale write", 412), (current, "Fresh write", 200)):
        put = {"method": "PUT", "path": path, "version": version,
               "data": {**body, "title": title}}  # fmt: skip
        results, response = send_bulk(scim_client, [put], requirement="P-3.7-03")
        _check_results(results, response, [(f"PUT with version {version}", status)])
        fetched = scim_client.get(path)
        shown = assert_resource(fetched, "User", scim_schemas)
        expected = "Moved on" if status == 412 else title
        check(value_of(shown, "title") == expected, f"The bulk PUT with version {version} "
              f"{'changed' if status == 412 else 'did not change'} the resource",
              expected=expected, received=value_of(shown, "title"), response=fetched,
              requirement="P-3.14-05" if status == 412 else "P-3.7-03")  # fmt: skip
