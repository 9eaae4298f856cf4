"""Defects of versioning, bulk, round trips and schema-level representation rules.

RFC 7644 §3.1, §3.7, §3.10, §3.14 and RFC 7643 §2.2, §2.3.4, §2.3.8, §3, §3.1. Each defect is a
response transform or a provider wrapper that breaks the requirements it names;
``tests/harness/test_faults_versioning.py`` proves that the matching checks in
``scim_tests/checks/test_{etag,bulk,roundtrip,schema_definitions}.py`` fail.

Some bulk defects re-enter the domain from a response transform (running operations the strict
mock refused or stopped before), so that the broken behaviour is real, not only reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from flask import Request, Response

from scim_mock import http
from scim_mock.bulk import BULK_RESPONSE, process_bulk
from scim_mock.errors import Conflict, InvalidFilter, InvalidSyntax, InvalidValue
from scim_mock.faults import Fault, register, response_json, rewrite
from scim_mock.provider import ServiceProvider
from scim_mock.schema import ResourceType

Transform = Callable[[Request, Response], Response]
SCHEMA_URN_PREFIX = "urn:ietf:params:scim:schemas:"


def _relative(req: Request) -> str:
    base = http.config().normalized_base_path
    return req.path[len(base) :] if base and req.path.startswith(base) else req.path


def _resource_type(endpoint: str) -> ResourceType | None:
    rt: ResourceType | None = http.state().registry.resource_type_for_endpoint(endpoint)
    return rt


def _provider() -> ServiceProvider:
    provider: ServiceProvider = http.state().provider
    return provider


def _is_bulk(req: Request) -> bool:
    return req.method == "POST" and _relative(req).rstrip("/") == "/Bulk"


def _request_json(req: Request) -> Any:
    try:
        return json.loads(req.get_data(as_text=True))
    except ValueError:
        return None


def _operations(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    ops: Any = next((v for k, v in document.items() if k.lower() == "operations"), [])
    return [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []


def _bulk_answer(body: dict[str, Any], response: Response) -> Response:
    response.status_code = 200
    response.content_type = http.SCIM_MEDIA_TYPE
    return rewrite(response, body)


def _run(operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ``operations`` without any limit; their results."""
    request = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
               "Operations": operations}  # fmt: skip
    result = process_bulk(request, _provider(), http.location, max_operations=len(operations) + 1)
    results: list[dict[str, Any]] = result["Operations"]
    return results


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


def _resource_at(location: str) -> tuple[ResourceType, str] | None:
    parts = urlsplit(location).path.rstrip("/").split("/")
    rt = _resource_type("/" + parts[-2]) if len(parts) >= 2 else None
    return (rt, parts[-1]) if rt is not None else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _references(op: dict[str, Any]) -> set[str]:
    return {s[len("bulkId:") :] for s in _strings(op.get("data")) if s.startswith("bulkId:")}


# -- ETags ----------------------------------------------------------------------------------


def _edit_version(edit: Callable[[str], str | None]) -> Transform:
    """Apply ``edit`` to meta.version of a single-resource body."""

    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        meta = body.get("meta") if isinstance(body, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("version"), str):
            return response
        changed = edit(meta["version"])
        if changed is None:
            meta.pop("version")
        else:
            meta["version"] = changed
        return rewrite(response, body)

    return transform


def _unquoted(tag: str) -> str:
    return tag.removeprefix("W/").strip('"')


def _malformed_tags(req: Request, response: Response) -> Response:
    if "ETag" in response.headers:
        response.headers["ETag"] = _unquoted(response.headers["ETag"])
    return _edit_version(_unquoted)(req, response)


def _answer_with_resource(req: Request, response: Response) -> Response:
    """Turn a 304 into the 200 a server ignoring If-None-Match would send."""
    parts = _relative(req).strip("/").split("/")
    rt = _resource_type("/" + parts[0]) if len(parts) == 2 else None
    if rt is None:
        return response
    provider = _provider()
    resource = provider.get(rt, parts[1])
    body = provider.present(rt, http.with_locations(rt, resource))
    response.status_code = 200
    response.content_type = http.SCIM_MEDIA_TYPE
    return rewrite(response, body)


def _if_none_match_ignored(req: Request, response: Response) -> Response:
    if req.method == "GET" and response.status_code == 304:
        return _answer_with_resource(req, response)
    return response


def _weak_compared_strongly(req: Request, response: Response) -> Response:
    sent = req.headers.get("If-None-Match", "")
    current = response.headers.get("ETag", "")
    if req.method == "GET" and response.status_code == 304 and current.startswith("W/") \
            and "W/" not in sent:  # fmt: skip
        return _answer_with_resource(req, response)
    return response


def _version_kept(provider: ServiceProvider) -> None:
    store = provider.store
    replace = store.replace

    def keep_version(resource_type: str, id: str, resource: Any, **kwargs: Any) -> Any:
        before = store.get(resource_type, id)["meta"]["version"]
        result = replace(resource_type, id, resource, **kwargs)
        store._resources[resource_type][id]["meta"]["version"] = before  # type: ignore[attr-defined]
        result["meta"]["version"] = before
        return result

    store.replace = keep_version  # type: ignore[method-assign]


def _if_match_ignored(provider: ServiceProvider) -> None:
    replace, patch, delete = provider.replace, provider.patch, provider.delete

    def replace_anyway(rt: ResourceType, rid: str, body: Any, if_match: Any = None) -> Any:
        return replace(rt, rid, body)

    def patch_anyway(rt: ResourceType, rid: str, operations: Any, if_match: Any = None) -> Any:
        return patch(rt, rid, operations)

    def delete_anyway(rt: ResourceType, rid: str, if_match: Any = None) -> None:
        delete(rt, rid)

    provider.replace = replace_anyway  # type: ignore[method-assign,assignment]
    provider.patch = patch_anyway  # type: ignore[method-assign,assignment]
    provider.delete = delete_anyway  # type: ignore[method-assign,assignment]


# -- bulk -----------------------------------------------------------------------------------


def _forward_references_fail(req: Request, response: Response) -> Response:
    found = _bulk_results(req, response)
    if found is None:
        return response
    body, results = found
    defined: set[str] = set()
    for op, result in zip(_operations(_request_json(req)), results, strict=False):
        forward = _references(op) - defined
        if op.get("bulkId"):
            defined.add(str(op["bulkId"]))
        if not forward or _failed(result):
            continue
        target = _resource_at(str(result.get("location", "")))
        if target is not None:
            _provider().delete(*target)
        error = Conflict(f"Unresolved bulkId reference(s): {', '.join(sorted(forward))}.")
        result.clear()
        result.update(method=op.get("method"), bulkId=op.get("bulkId"), status="409",
                      response=error.to_json())  # fmt: skip
    return rewrite(response, body)


def _bulk_ids_kept_literally(req: Request, response: Response) -> Response:
    found = _bulk_results(req, response)
    if found is None:
        return response
    created = {str(r["bulkId"]): str(r.get("location", "")).rstrip("/").rsplit("/", 1)[-1]
               for r in found[1] if r.get("bulkId") and not _failed(r)}  # fmt: skip
    literal = {resource_id: f"bulkId:{bulk_id}" for bulk_id, resource_id in created.items()}
    store = _provider().store
    for op, result in zip(_operations(_request_json(req)), found[1], strict=False):
        target = _resource_at(str(result.get("location", "")))
        if not _references(op) or _failed(result) or target is None:
            continue
        rt, resource_id = target
        stored = store.get(rt.name, resource_id)
        store.replace(rt.name, resource_id, _swap(stored, literal))
    return response


def _swap(value: Any, literal: dict[str, str]) -> Any:
    if isinstance(value, str):
        return literal.get(value, value)
    if isinstance(value, list):
        return [_swap(v, literal) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("id", "meta") else _swap(v, literal) for k, v in value.items()}
    return value


def _fail_on_errors_ignored(req: Request, response: Response) -> Response:
    found = _bulk_results(req, response)
    operations = _operations(_request_json(req))
    if found is None or len(found[1]) >= len(operations):
        return response
    found[0]["Operations"] = found[1] + _run(operations[len(found[1]) :])
    return rewrite(response, found[0])


def _limit_ignored(kind: str) -> Transform:
    def transform(req: Request, response: Response) -> Response:
        if not _is_bulk(req) or response.status_code != 413:
            return response
        document = _request_json(req)
        operations = _operations(document)
        too_many = len(operations) > http.config().bulk_max_operations
        if not operations or (kind == "operations") != too_many:
            return response
        return _bulk_answer({"schemas": [BULK_RESPONSE], "Operations": _run(operations)}, response)

    return transform


def _status_as_int(result: dict[str, Any]) -> None:
    result["status"] = int(str(result.get("status")))


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


def _spc_edit(edit: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        if _relative(req).rstrip("/") != "/ServiceProviderConfig" or not isinstance(body, dict):
            return response
        edit(body)
        return rewrite(response, body)

    return transform


def _no_bulk_limits(document: dict[str, Any]) -> None:
    if isinstance(document.get("bulk"), dict):
        document["bulk"] = {"supported": document["bulk"].get("supported")}


# -- round trips and schema-level rules ---------------------------------------------------------


def _wrap_replace(edit: Callable[[dict[str, Any]], None]) -> Callable[[ServiceProvider], None]:
    def wrapper(provider: ServiceProvider) -> None:
        replace = provider.replace

        def edited(rt: ResourceType, rid: str, body: Any, if_match: Any = None) -> Any:
            if isinstance(body, dict):
                body = dict(body)
                edit(body)
            return replace(rt, rid, body, if_match)

        provider.replace = edited  # type: ignore[method-assign,assignment]

    return wrapper


def _wrap_create(edit: Callable[[ResourceType, dict[str, Any]], None]) -> Callable[
        [ServiceProvider], None]:  # fmt: skip
    def wrapper(provider: ServiceProvider) -> None:
        create = provider.create

        def edited(rt: ResourceType, body: Any) -> Any:
            if isinstance(body, dict):
                body = dict(body)
                edit(rt, body)
            return create(rt, body)

        provider.create = edited  # type: ignore[method-assign]

    return wrapper


def _drop_key(name: str) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        for key in [k for k in body if k.lower() == name.lower()]:
            del body[key]

    return edit


def _lowercase_external_id(body: dict[str, Any]) -> None:
    for key in [k for k in body if k.lower() == "externalid" and isinstance(body[k], str)]:
        body[key] = body[key].lower()


def _group_external_id_dropped(rt: ResourceType, body: dict[str, Any]) -> None:
    if rt.name == "Group":
        _drop_key("externalId")(body)


def _schemas_first(rt: ResourceType, body: dict[str, Any]) -> None:
    if next(iter(body), "").lower() != "schemas":
        raise InvalidSyntax("The request body must start with schemas.")


def _core_schema_first(rt: ResourceType, body: dict[str, Any]) -> None:
    schemas = body.get("schemas")
    if isinstance(schemas, list) and schemas and schemas[0] != rt.schema:
        raise InvalidValue(f"schemas must start with {rt.schema}.")


def _omit_read_only_mutability(req: Request, response: Response) -> Response:
    body = response_json(response)
    if not _relative(req).startswith("/Schemas") or not isinstance(body, dict):
        return response
    documents = body.get("Resources", [body])
    for document in documents if isinstance(documents, list) else []:
        for attribute in document.get("attributes", []) if isinstance(document, dict) else []:
            for sub in attribute.get("subAttributes", []) or []:
                if sub.get("mutability") == "readOnly":
                    del sub["mutability"]
    return rewrite(response, body)


def _items_per_page_as_decimal(req: Request, response: Response) -> Response:
    body = response_json(response)
    if isinstance(body, dict) and isinstance(body.get("itemsPerPage"), int) and \
            "Resources" in body:  # fmt: skip
        text = json.dumps(body).replace(
            f'"itemsPerPage": {body["itemsPerPage"]}', f'"itemsPerPage": {body["itemsPerPage"]}.0'
        )
        response.set_data(text)
    return response


def _put_schemas(edit: Callable[[list[Any]], list[Any] | None]) -> Transform:
    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        if req.method != "PUT" or response.status_code != 200 or not isinstance(body, dict):
            return response
        changed = edit(list(body.get("schemas", [])))
        if changed is None:
            body.pop("schemas", None)
        else:
            body["schemas"] = changed
        return rewrite(response, body)

    return transform


def _urn_names_refused(req: Request, response: Response) -> Response:
    if req.method != "GET" or not _relative(req).startswith(("/Users", "/Groups")):
        return response
    for name, error in (("attributes", InvalidValue), ("filter", InvalidFilter)):
        if SCHEMA_URN_PREFIX in req.args.get(name, "").lower():
            failure = error(f"{name}: URN-qualified attribute names are not supported.")
            response.status_code = failure.status
            response.content_type = http.SCIM_MEDIA_TYPE
            response.headers.pop("ETag", None)
            return rewrite(response, failure.to_json())
    return response


_DEFECTS: list[tuple[str, tuple[str, ...], str, Transform | None, Any]] = [
    ("etag-header-differs-from-meta", ("C-3.1-21",),
     "meta.version differs from the ETag header.", _edit_version(lambda v: f'W/"m{_unquoted(v)}"'),
     None),
    ("etag-no-meta-version", ("P-3.14-03",), "Representations omit meta.version.",
     _edit_version(lambda v: None), None),
    ("etag-malformed", ("C-3.1-22",), "ETags and meta.version lack the quotes of an entity tag.",
     _malformed_tags, None),
    ("etag-unchanged-on-update", ("P-3.14-06",), "PUT and PATCH keep the old version.",
     None, _version_kept),
    ("etag-if-match-ignored", ("P-3.14-05",), "A stale If-Match (or bulk version) is ignored.",
     None, _if_match_ignored),
    ("etag-if-none-match-ignored", ("P-3.14-04",),
     "GET with If-None-Match naming the current version answers 200 with the resource.",
     _if_none_match_ignored, None),
    ("etag-weak-compared-strongly", ("C-3.1-22", "P-3.14-04"),
     'If-None-Match "x" does not match the weak tag W/"x".', _weak_compared_strongly, None),
    ("bulk-forward-reference-unsupported", ("P-3.7.2-01", "P-3.7-11"),
     "A bulkId used before the operation defining it fails with 409.",
     _forward_references_fail, None),
    ("bulk-bulkid-not-resolved", ("P-3.7.2-01",),
     'Resources keep the literal "bulkId:<id>" instead of the created id.',
     _bulk_ids_kept_literally, None),
    ("bulk-fail-on-errors-ignored", ("P-3.7-09",),
     "failOnErrors is ignored: every operation runs.", _fail_on_errors_ignored, None),
    ("bulk-max-operations-ignored", ("P-3.7.4-02",),
     "More than maxOperations operations are processed.", _limit_ignored("operations"), None),
    ("bulk-max-payload-ignored", ("P-3.7.4-02",),
     "A request above maxPayloadSize is processed.", _limit_ignored("payload"), None),
    ("bulk-status-as-int", ("P-3.7.3-02", "P-3.7-02"),
     "Bulk results carry status as a JSON number.", _edit_results(_status_as_int), None),
    ("bulk-missing-location", ("P-3.7-04",), "Bulk results omit location.",
     _edit_results(_drop("location")), None),
    ("bulk-drops-bulk-id", ("P-3.7-10",), "Bulk results do not echo bulkId.",
     _edit_results(_drop("bulkId")), None),
    ("bulk-error-without-response", ("P-3.7-05",), "Failed bulk results carry no response.",
     _edit_results(_drop("response", failed_only=True)), None),
    ("bulk-error-without-detail", ("P-3.7.3-03",), "Failed bulk results' errors have no detail.",
     _edit_results(_drop_detail), None),
    ("bulk-413-unexplained", ("P-3.7.4-03",), "A bulk 413 does not name the exceeded limit.",
     _unexplained_413, None),
    ("bulk-response-wrong-urn", ("P-3.7-02", "P-3.1-01"),
     "BulkResponse bodies name a core-schema URN.", _bulk_wrong_urn, None),
    ("bulk-answers-201", ("P-3.7-07",), "A processed bulk request answers 201.", _bulk_201, None),
    ("bulk-limits-unpublished", ("P-3.7.4-01",),
     "/ServiceProviderConfig omits bulk.maxOperations and maxPayloadSize.",
     _spc_edit(_no_bulk_limits), None),
    ("roundtrip-drops-phone-numbers", ("P-3.5.1-02", "P-3.1-03"), "PUT drops phoneNumbers.",
     None, _wrap_replace(_drop_key("phoneNumbers"))),
    ("roundtrip-put-lowercases-external-id", ("C-3.1-12", "C-7-11"),
     "PUT stores externalId in lower case.", None, _wrap_replace(_lowercase_external_id)),
    ("schemas-omit-read-only-mutability", ("C-2.2-01",),
     "/Schemas omits mutability of readOnly sub-attributes, so they read as readWrite.",
     _omit_read_only_mutability, None),
    ("integers-as-decimals", ("C-2.3.4-01",), 'List responses send itemsPerPage as "1.0".',
     _items_per_page_as_decimal, None),
    ("schemas-duplicated-on-put", ("C-3-02",), "PUT answers list the core schema twice.",
     _put_schemas(lambda s: s + s[:1]), None),
    ("schemas-missing-on-put", ("C-3-01",), "PUT answers carry no schemas.",
     _put_schemas(lambda s: None), None),
    ("group-external-id-dropped", ("C-3.1-01",), "Groups do not keep externalId.",
     None, _wrap_create(_group_external_id_dropped)),
    ("create-needs-schemas-first", ("C-2.3.8-01",),
     "A create whose body does not start with schemas is refused.",
     None, _wrap_create(_schemas_first)),
    ("create-needs-core-schema-first", ("C-3-04",),
     "A create whose schemas do not start with the core schema is refused.",
     None, _wrap_create(_core_schema_first)),
    ("urn-qualified-names-refused", ("P-3.10-02", "P-3.10-03"),
     "attributes and filter refuse URN-qualified attribute names.", _urn_names_refused, None),
]  # fmt: skip

for _name, _ids, _text, _response, _wrapper in _DEFECTS:
    register(Fault(_name, _ids, _text, response=_response, provider=_wrapper))
