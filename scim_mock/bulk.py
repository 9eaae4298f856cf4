"""Bulk operations (RFC 7644 §3.7): many writes in one request, with bulkId references.

Pure domain: :func:`process_bulk` validates a BulkRequest, orders its operations so that every
``bulkId:<id>`` reference is resolved before use (forward references included, P-3.7.2-01),
reports circular references with 409, stops after ``failOnErrors`` errors, and returns the
BulkResponse. Locations come from a callback because URLs are the HTTP layer's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scim_mock.errors import (
    Conflict,
    InvalidSyntax,
    InvalidValue,
    MethodNotAllowed,
    NotFound,
    NotImplementedFeature,
    PayloadTooLarge,
    ScimError,
)
from scim_mock.messages import patch_operations
from scim_mock.operations import Provider
from scim_mock.schema import ResourceType

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
_REF = re.compile(r"^bulkId:(.+)$")
_OP_FIELDS = {"method", "bulkid", "version", "path", "data"}

Locate = Callable[[ResourceType, str], str]


@dataclass
class _Operation:
    index: int
    method: str
    path: str
    bulk_id: str | None
    version: str | None
    data: Any
    refs: set[str] = field(default_factory=set)


def _references(value: Any) -> set[str]:
    """Every bulkId referenced by a ``"bulkId:<id>"`` string inside ``value``."""
    if isinstance(value, str):
        match = _REF.match(value)
        return {match.group(1)} if match else set()
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values())) if value else set()
    return set()


def _substitute(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        match = _REF.match(value)
        return ids[match.group(1)] if match and match.group(1) in ids else value
    if isinstance(value, list):
        return [_substitute(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, ids) for k, v in value.items()}
    return value


def _parse(body: Any, max_operations: int) -> tuple[list[_Operation], int | None]:
    if not isinstance(body, dict):
        raise InvalidSyntax("A BulkRequest must be a JSON object.")
    fields = {k.lower(): v for k, v in body.items()}
    schemas = fields.get("schemas")
    if not isinstance(schemas, list) or BULK_REQUEST not in schemas:
        raise InvalidSyntax(f"A BulkRequest must list {BULK_REQUEST} in schemas.")
    fail_on_errors = fields.get("failonerrors")
    if fail_on_errors is not None and (
        not isinstance(fail_on_errors, int)
        or isinstance(fail_on_errors, bool)
        or fail_on_errors < 1
    ):
        raise InvalidValue("failOnErrors must be a positive integer.")
    raw_operations = fields.get("operations")
    if not isinstance(raw_operations, list):
        raise InvalidSyntax("A BulkRequest must carry an Operations array.")
    if len(raw_operations) > max_operations:
        # RFC 7644 §3.7.4 (P-3.7.4-02): too many operations -> 413 naming the limit.
        raise PayloadTooLarge(
            f"The bulk request has {len(raw_operations)} operations; maxOperations is "
            f"{max_operations}."
        )
    operations: list[_Operation] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_operations):
        operations.append(_parse_operation(index, raw, seen))
    return operations, fail_on_errors


def _parse_operation(index: int, raw: Any, seen: set[str]) -> _Operation:
    where = f"Operations[{index}]"
    if not isinstance(raw, dict):
        raise InvalidSyntax(f"{where} must be an object.")
    fields = {k.lower(): v for k, v in raw.items()}
    unknown = sorted(k for k in raw if k.lower() not in _OP_FIELDS)
    if unknown:
        raise InvalidSyntax(f"{where}: unknown attribute(s) {', '.join(unknown)}.")
    method = fields.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise InvalidSyntax(f"{where}.method must be one of {', '.join(METHODS)}.")
    method = method.upper()
    path = fields.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidSyntax(f"{where}.path must be a string such as /Users or /Users/<id>.")
    bulk_id = fields.get("bulkid")
    if bulk_id is not None and (not isinstance(bulk_id, str) or not bulk_id):
        raise InvalidSyntax(f"{where}.bulkId must be a non-empty string.")
    if method == "POST" and bulk_id is None:
        raise InvalidSyntax(f"{where}: POST operations require a bulkId (RFC 7644 §3.7).")
    if bulk_id is not None:
        if bulk_id in seen:
            raise InvalidSyntax(f"{where}: bulkId {bulk_id!r} is used twice.")
        seen.add(bulk_id)
    version = fields.get("version")
    if version is not None and not isinstance(version, str):
        raise InvalidSyntax(f"{where}.version must be a string.")
    data = fields.get("data")
    if method in ("POST", "PUT", "PATCH") and data is None:
        raise InvalidSyntax(f"{where}: {method} operations require data.")
    operation = _Operation(index, method, path, bulk_id, version, data)
    operation.refs = _references(data) | _references(path.rsplit("/", 1)[-1])
    return operation


def _order(operations: list[_Operation]) -> tuple[list[_Operation], list[_Operation]]:
    """Operations in an order that defines every bulkId before use, plus those in cycles."""
    defined = {op.bulk_id for op in operations if op.bulk_id is not None and op.method == "POST"}
    done: set[str] = set()
    pending = list(operations)
    ordered: list[_Operation] = []
    progress = True
    while pending and progress:
        progress = False
        for op in list(pending):
            # References to bulkIds no POST defines are reported when the op runs.
            if all(ref in done or ref not in defined for ref in op.refs):
                ordered.append(op)
                pending.remove(op)
                if op.bulk_id is not None:
                    done.add(op.bulk_id)
                progress = True
                break
    return ordered, pending


def _target(provider: Provider, path: str) -> tuple[ResourceType, str | None]:
    parts = path.strip("/").split("/")
    rt = provider.registry.resource_type_for_endpoint("/" + parts[0])
    if rt is None or len(parts) > 2:
        raise NotFound(f"No bulk target {path!r}.")
    return rt, (parts[1] if len(parts) == 2 else None)


def _run(
    provider: Provider, op: _Operation, ids: dict[str, str], locate: Locate
) -> dict[str, Any]:
    unresolved = sorted(ref for ref in op.refs if ref not in ids)
    if unresolved:
        raise Conflict(f"Unresolvable bulkId reference(s): {', '.join(unresolved)}.")
    rt, resource_id = _target(provider, "/".join(_substitute(p, ids) for p in op.path.split("/")))
    data = _substitute(op.data, ids)
    versioning = provider.config.etag_supported
    # RFC 7644 §3.7 (P-3.7-12): "version" is an If-Match, meaningful only with versioning on.
    if_match = [op.version] if op.version and versioning else None
    result: dict[str, Any] = {"method": op.method}
    if op.bulk_id is not None:
        result["bulkId"] = op.bulk_id
    if op.method == "POST":
        if resource_id is not None:
            raise MethodNotAllowed("POST in a bulk request targets an endpoint, not a resource.")
        resource = provider.create(rt, data)
        status = "201"
    else:
        if resource_id is None:
            raise MethodNotAllowed(f"{op.method} in a bulk request needs /Endpoint/<id>.")
        if op.method == "DELETE":
            provider.delete(rt, resource_id, if_match)
            result.update(location=locate(rt, resource_id), status="204")
            return result
        if op.method == "PUT":
            resource = provider.replace(rt, resource_id, data, if_match)
        else:
            if not provider.config.patch_supported:
                # As for a single request (P-3.7-03, P-3.12-14): PATCH is not advertised.
                raise NotImplementedFeature("PATCH is not supported (patch.supported=false).")
            resource = provider.patch(rt, resource_id, patch_operations(data), if_match)
        status = "200"
    if op.bulk_id is not None:
        ids[op.bulk_id] = resource["id"]
    result["location"] = locate(rt, resource["id"])
    version = resource.get("meta", {}).get("version")
    if version and versioning:
        result["version"] = version
    result["status"] = status
    return result


def _failed_location(
    provider: Provider, op: _Operation, ids: dict[str, str], locate: Locate
) -> str | None:
    """RFC 7644 §3.7 (P-3.7-04): every result names its resource, except a failed POST."""
    if op.method == "POST":
        return None
    try:
        rt, resource_id = _target(
            provider, "/".join(_substitute(p, ids) for p in op.path.split("/"))
        )
    except ScimError:
        return None
    return locate(rt, resource_id) if resource_id else None


def process_bulk(
    body: Any, provider: Provider, locate: Locate, *, max_operations: int
) -> dict[str, Any]:
    """Run a BulkRequest and return the BulkResponse body (RFC 7644 §3.7.3)."""
    operations, fail_on_errors = _parse(body, max_operations)
    ordered, cyclic = _order(operations)
    results: dict[int, dict[str, Any]] = {}
    ids: dict[str, str] = {}
    errors = 0
    for op in ordered + cyclic:
        if fail_on_errors is not None and errors >= fail_on_errors:
            break  # RFC 7644 §3.7.3: stop once failOnErrors errors have occurred.
        try:
            if op in cyclic:
                raise Conflict("Circular bulkId references could not be resolved.")
            results[op.index] = _run(provider, op, ids, locate)
        except ScimError as error:
            errors += 1
            failed: dict[str, Any] = {"method": op.method, "status": str(error.status)}
            if op.bulk_id is not None:
                failed["bulkId"] = op.bulk_id
            location = _failed_location(provider, op, ids, locate)
            if location is not None:
                failed["location"] = location
            failed["response"] = error.to_json()
            results[op.index] = failed
    return {
        "schemas": [BULK_RESPONSE],
        "Operations": [results[i] for i in sorted(results)],
    }
