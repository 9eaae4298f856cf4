"""Defects of /Bulk (RFC 7644 §3.7): bulkId resolution, failOnErrors, limits and the BulkResponse.

A sub-area of the versioning defects (:mod:`scim_defects.versioning`); the defect matrix
(``tests/defects``) proves that the matching checks in ``scim_tests/checks/test_bulk.py`` fail.

Most defects are response transforms that edit the BulkResponse. The two bulkId defects wrap the
provider's operations: during a /Bulk request, a decorator matches each write to the request
operation it was made for (:class:`_BulkRequest`), so that it can fail the operation or store its
data unresolved. The three defects that ignore failOnErrors or a limit answer POST /Bulk with the
mock's own :func:`scim_mock.bulk.process_bulk`, given other parameters, through the provider's
public operations (:func:`_serve_bulk`): no seam decides these parameters, see that function.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_defects.common import relative_path
from scim_defects.registry import Defect, RequestHook, register, response_json, rewrite
from scim_mock import http
from scim_mock.bulk import process_bulk
from scim_mock.errors import Conflict
from scim_mock.memberships import MembershipGraph
from scim_mock.operations import ProviderDecorator
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.seams import Seams

Resource = dict[str, Any]
Transform = Callable[[Request, Response], Response]
BULK_ID = "bulkId:"
#: Where the operations of the /Bulk request being processed are kept (one per request).
_ENVIRON_KEY = "scim_defects.bulk_request"


def _is_bulk(req: Request) -> bool:
    return req.method == "POST" and relative_path(req).rstrip("/") == "/Bulk"


def _request_json(req: Request) -> Any:
    try:
        return json.loads(req.get_data(cache=True, as_text=True))
    except ValueError:
        return None


def _field(document: Any, name: str, default: Any = None) -> Any:
    """A member of a JSON object, its name compared case-insensitively (RFC 7643 §2.1)."""
    if not isinstance(document, dict):
        return default
    return next((v for k, v in document.items() if k.lower() == name.lower()), default)


def _operations(document: Any) -> list[dict[str, Any]]:
    ops: Any = _field(document, "Operations", [])
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _references(data: Any) -> set[str]:
    """The bulkIds that ``"bulkId:<id>"`` values in ``data`` refer to."""
    return {s[len(BULK_ID) :] for s in _strings(data) if s.startswith(BULK_ID)}


# -- the operations of the current /Bulk request ----------------------------------------------


@dataclass
class _Operation:
    """One operation of a BulkRequest, as the client sent it."""

    method: str
    path: list[str]
    bulk_id: str | None
    #: The data the provider receives once bulkIds are resolved (a PATCH passes its Operations).
    template: Any
    #: bulkIds the data uses before the operation that defines them (in request order).
    forward: set[str]

    @property
    def references(self) -> set[str]:
        return _references(self.template)


def _fits(template: Any, value: Any, created: dict[str, str]) -> bool:
    """Whether ``value`` is ``template`` with its bulkId references resolved."""
    if isinstance(template, str) and template.startswith(BULK_ID):
        return isinstance(value, str) and created.get(template[len(BULK_ID) :], value) == value
    if isinstance(template, dict):
        return (
            isinstance(value, dict)
            and template.keys() == value.keys()
            and all(_fits(template[k], value[k], created) for k in template)
        )
    if isinstance(template, list):
        return (
            isinstance(value, list)
            and len(template) == len(value)
            and all(_fits(t, v, created) for t, v in zip(template, value, strict=True))
        )
    return bool(template == value)


@dataclass
class _BulkRequest:
    """The operations of the /Bulk request being processed and the ids created for its bulkIds.

    :func:`scim_mock.bulk.process_bulk` resolves bulkIds and orders the operations itself; a
    provider decorator only sees the resulting calls, and finds the operation each call was
    made for by comparing the call with the operations not matched yet.
    """

    pending: list[_Operation]
    created: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, document: Any) -> _BulkRequest:
        pending: list[_Operation] = []
        defined: set[str] = set()
        for raw in _operations(document):
            method = str(_field(raw, "method", "")).upper()
            bulk_id = _field(raw, "bulkId")
            data = _field(raw, "data")
            template = _field(data, "Operations") if method == "PATCH" else data
            path = str(_field(raw, "path", "")).strip("/").split("/")
            pending.append(_Operation(method, path, bulk_id if isinstance(bulk_id, str) else None,
                                      template, _references(data) - defined))  # fmt: skip
            if bulk_id:
                defined.add(str(bulk_id))
        return cls(pending)

    def match(
        self, method: str, rt: ResourceType, resource_id: str | None, data: Any,
        registry: SchemaRegistry,
    ) -> _Operation | None:  # fmt: skip
        """The operation that makes this call (no longer pending afterwards), if any."""
        for op in self.pending:
            target = registry.resource_type_for_endpoint("/" + op.path[0])
            if op.method != method or target is None or target.name != rt.name:
                continue
            if len(op.path) != (1 if resource_id is None else 2):
                continue
            if resource_id is not None and not _fits(op.path[1], resource_id, self.created):
                continue
            if _fits(op.template, data, self.created):
                self.pending.remove(op)
                return op
        return None


def _current_bulk() -> _BulkRequest | None:
    """The operations of the /Bulk request being served, or None outside one."""
    if not (has_request_context() and _is_bulk(request)):
        return None
    found = request.environ.get(_ENVIRON_KEY)
    if not isinstance(found, _BulkRequest):
        found = _BulkRequest.parse(_request_json(request))
        request.environ[_ENVIRON_KEY] = found
    return found


class _BulkWrites(ProviderDecorator):
    """Base of the bulkId defects: each write made for a /Bulk operation goes through
    :meth:`write`, which sees the operation as the client sent it."""

    def write(self, op: _Operation, data: Any) -> Any:
        """The data to write for ``op`` instead of ``data`` (overridden); may raise."""
        return data

    def prepared(
        self, method: str, rt: ResourceType, resource_id: str | None, data: Any
    ) -> tuple[Any, _Operation | None]:
        """The data to pass on for this call, and the bulk operation it was made for, if any."""
        bulk = _current_bulk()
        op = None if bulk is None else bulk.match(method, rt, resource_id, data, self.registry)
        return (data, None) if op is None else (self.write(op, data), op)

    def create(self, rt: ResourceType, body: Any) -> Resource:
        body, op = self.prepared("POST", rt, None, body)
        created = self.inner.create(rt, body)
        bulk = _current_bulk()
        if bulk is not None and op is not None and op.bulk_id is not None:
            # Later operations are matched with their references resolved to this id.
            bulk.created[op.bulk_id] = created["id"]
        return created

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        body, _ = self.prepared("PUT", rt, resource_id, body)
        return self.inner.replace(rt, resource_id, body, if_match)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        operations, _ = self.prepared("PATCH", rt, resource_id, operations)
        return self.inner.patch(rt, resource_id, operations, if_match)


class _ForwardReferencesFail(_BulkWrites):
    """bulkIds are resolved in request order only: an operation whose data uses a bulkId that a
    later operation defines fails with 409 instead of running after it."""

    def write(self, op: _Operation, data: Any) -> Any:
        if op.forward:
            raise Conflict(f"Unresolved bulkId reference(s): {', '.join(sorted(op.forward))}.")
        return data


class _BulkIdsKeptLiterally(_BulkWrites):
    """bulkId references are not resolved: the data is stored with the literal "bulkId:<id>"."""

    def write(self, op: _Operation, data: Any) -> Any:
        return copy.deepcopy(op.template) if op.references else data


class _BulkIdMembers(MembershipGraph):
    """A member "bulkId:<id>" passes the reference check as the resource that bulkId created in
    the same request (it is stored as such; it names nothing afterwards)."""

    def kind_of(self, resource_id: Any) -> str | None:
        bulk = _current_bulk()
        if bulk is not None and isinstance(resource_id, str) and resource_id.startswith(BULK_ID):
            created = bulk.created.get(resource_id[len(BULK_ID) :])
            if created is not None:
                return super().kind_of(created)
        return super().kind_of(resource_id)


def _bulk_id_members(seams: Seams) -> Seams:
    return seams.replace(memberships=_BulkIdMembers)


# -- failOnErrors and limits ignored ----------------------------------------------------------


def _serve_bulk(ignored: str) -> RequestHook:
    """A request hook answering POST /Bulk as the strict endpoint does, but ignoring ``ignored``
    ("failOnErrors", "maxOperations" or "maxPayloadSize") when the request depends on it.

    The mock's bulk endpoint takes these from the request and from :class:`MockConfig` and
    refuses an oversized request before any provider operation, so no seam or decorator can
    change them; the hook runs the same :func:`process_bulk` on the app's provider instead.
    Other requests are left to the strict endpoint.
    """

    def hook(req: Request) -> Response | None:
        if not _is_bulk(req):
            return None
        # The endpoint's own checks first, so that only a request it would process differs.
        http.check_auth()
        http.check_accept()
        cfg = http.config()
        declared = req.content_length or 0
        if not cfg.bulk_supported or (
            declared > cfg.bulk_max_payload_size and ignored != "maxPayloadSize"
        ):
            return None
        document = _request_json(req)
        operations = _operations(document)
        size = len(req.get_data(cache=True))
        too_large = size > cfg.bulk_max_payload_size
        too_many = len(operations) > cfg.bulk_max_operations
        fail_on_errors = _field(document, "failOnErrors")
        applies = {
            "failOnErrors": isinstance(fail_on_errors, int) and not isinstance(fail_on_errors, bool)
            and fail_on_errors >= 1 and not (too_large or too_many),
            "maxOperations": too_many and not too_large,
            "maxPayloadSize": too_large and not too_many,
        }  # fmt: skip
        if not applies[ignored]:
            return None
        body = http.json_body(max_size=max(size, cfg.bulk_max_payload_size))
        if ignored == "failOnErrors" and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k.lower() != "failonerrors"}
        limit = max(len(operations), cfg.bulk_max_operations)
        result = process_bulk(body, http.state().provider, http.location, max_operations=limit)
        return http.scim_response(result)

    return hook


# -- the BulkResponse ---------------------------------------------------------------------------


def _bulk_results(req: Request, response: Response) -> tuple[dict[str, Any], list[Any]] | None:
    body = response_json(response)
    if not _is_bulk(req) or response.status_code != 200 or not isinstance(body, dict):
        return None
    return body, [r for r in body.get("Operations", []) if isinstance(r, dict)]


def _edit_results(edit: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(req: Request, response: Response) -> Response:
        found = _bulk_results(req, response)
        if found is None:
            return response
        for result in found[1]:
            edit(result)
        return rewrite(response, found[0])

    return transform


def _failed(result: dict[str, Any]) -> bool:
    return not str(result.get("status", "")).startswith("2")


def _status_as_int(result: dict[str, Any]) -> None:
    result["status"] = int(str(result.get("status")))


def _delete_status_200(result: dict[str, Any]) -> None:
    # The bulk engine reports every success of a DELETE as a generic 200, not the 204 it sends.
    if str(result.get("method", "")).upper() == "DELETE" and str(result.get("status")) == "204":
        result["status"] = "200"


def _drop(key: str, failed_only: bool = False) -> Callable[[dict[str, Any]], None]:
    def edit(result: dict[str, Any]) -> None:
        if not failed_only or _failed(result):
            result.pop(key, None)

    return edit


def _drop_detail(result: dict[str, Any]) -> None:
    if _failed(result) and isinstance(result.get("response"), dict):
        result["response"].pop("detail", None)


def _unexplained_413(req: Request, response: Response) -> Response:
    body = response_json(response)
    if _is_bulk(req) and response.status_code == 413 and isinstance(body, dict):
        body["detail"] = "Request rejected."
        return rewrite(response, body)
    return response


def _bulk_wrong_urn(req: Request, response: Response) -> Response:
    found = _bulk_results(req, response)
    if found is None:
        return response
    found[0]["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:BulkResponse"]
    return rewrite(response, found[0])


def _bulk_201(req: Request, response: Response) -> Response:
    if _is_bulk(req) and response.status_code == 200:
        response.status_code = 201
    return response


def _no_bulk_limits(req: Request, response: Response) -> Response:
    body = response_json(response)
    if relative_path(req).rstrip("/") != "/ServiceProviderConfig" or not isinstance(body, dict):
        return response
    if isinstance(body.get("bulk"), dict):
        body["bulk"] = {"supported": body["bulk"].get("supported")}
    return rewrite(response, body)


register(Defect("bulk-forward-reference-unsupported", ("P-3.7.2-01", "P-3.7-11"),
                "A bulkId used before the operation defining it fails with 409.",
                wrap_provider=_ForwardReferencesFail))  # fmt: skip
register(Defect("bulk-bulkid-not-resolved", ("P-3.7.2-01",),
                'Resources keep the literal "bulkId:<id>" instead of the created id.',
                change_seams=_bulk_id_members, wrap_provider=_BulkIdsKeptLiterally))  # fmt: skip
register(Defect("bulk-fail-on-errors-ignored", ("P-3.7-09",),
                       "failOnErrors is ignored: every operation runs.",
                       before=_serve_bulk("failOnErrors")))  # fmt: skip
register(Defect("bulk-max-operations-ignored", ("P-3.7.4-02",),
                       "More than maxOperations operations are processed.",
                       before=_serve_bulk("maxOperations")))  # fmt: skip
register(Defect("bulk-max-payload-ignored", ("P-3.7.4-02",),
                       "A request above maxPayloadSize is processed.",
                       before=_serve_bulk("maxPayloadSize")))  # fmt: skip
register(Defect("bulk-status-as-int", ("P-3.7.3-02", "P-3.7-02"),
                "Bulk results carry status as a JSON number.",
                response=_edit_results(_status_as_int)))  # fmt: skip
register(Defect("bulk-delete-status-200", ("P-3.7.3-02",),
                "Bulk DELETE results say status 200 where a single DELETE answers 204.",
                response=_edit_results(_delete_status_200)))  # fmt: skip
register(Defect("bulk-missing-location", ("P-3.7-04",), "Bulk results omit location.",
                response=_edit_results(_drop("location"))))  # fmt: skip
register(Defect("bulk-drops-bulk-id", ("P-3.7-10",), "Bulk results do not echo bulkId.",
                response=_edit_results(_drop("bulkId"))))  # fmt: skip
register(Defect("bulk-error-without-response", ("P-3.7-05",),
                "Failed bulk results carry no response.",
                response=_edit_results(_drop("response", failed_only=True))))  # fmt: skip
register(Defect("bulk-error-without-detail", ("P-3.7.3-03",),
                "Failed bulk results' errors have no detail.",
                response=_edit_results(_drop_detail)))  # fmt: skip
register(Defect("bulk-413-unexplained", ("P-3.7.4-03",),
                "A bulk 413 does not name the exceeded limit.",
                response=_unexplained_413))  # fmt: skip
register(Defect("bulk-response-wrong-urn", ("P-3.7-02", "P-3.1-01"),
                "BulkResponse bodies name a core-schema URN.",
                response=_bulk_wrong_urn))  # fmt: skip
register(Defect("bulk-answers-201", ("P-3.7-07",), "A processed bulk request answers 201.",
                response=_bulk_201))  # fmt: skip
register(Defect("bulk-limits-unpublished", ("P-3.7.4-01", "C-5-04"),
                "/ServiceProviderConfig omits bulk.maxOperations and maxPayloadSize.",
                response=_no_bulk_limits))  # fmt: skip
