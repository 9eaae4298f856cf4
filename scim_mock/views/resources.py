"""Resource endpoints: /Users, /Groups (CRUD, PATCH, /.search), root queries and /Me.

Views parse the request, call the provider (:class:`scim_mock.operations.Provider`) and
serialize; no SCIM rule lives here (RFC 7644 §3.3-§3.6, §3.4.3, §3.11).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from scim_mock import http, messages
from scim_mock.errors import (
    NotFound,
    NotImplementedFeature,
    PreconditionFailed,
)
from scim_mock.operations import Provider
from scim_mock.projection import parse_attribute_list
from scim_mock.provider import Query, QueryResult, etag_matches
from scim_mock.schema import ResourceType


def _provider() -> Provider:
    provider: Provider = http.state().provider
    return provider


def _rt(endpoint: str) -> ResourceType:
    rt: ResourceType | None = http.state().registry.resource_type_for_endpoint("/" + endpoint)
    if rt is None:
        raise NotFound(f"No endpoint /{endpoint}.")
    return rt


def _projection() -> tuple[list[str] | None, list[str] | None]:
    if not request.environ.get("QUERY_STRING"):  # most requests: no need to parse the query
        return None, None
    return (
        parse_attribute_list(request.args.get("attributes")),
        parse_attribute_list(request.args.get("excludedAttributes")),
    )


def _check_projection(rt: ResourceType) -> None:
    """Refuse bad attributes/excludedAttributes before a write, not after it (RFC 7644 §3.9)."""
    attributes, excluded = _projection()
    if attributes is not None or excluded is not None:  # without either, nothing to refuse
        _provider().check_projection(rt, attributes, excluded)


def _single(rt: ResourceType, resource: dict[str, Any], status: int = 200) -> Response:
    attributes, excluded = _projection()
    headers = http.etag_headers(resource)
    if status == 201:
        headers["Location"] = http.location(rt, resource["id"])
    # Locations first, so that attributes=/excludedAttributes= apply to them too (P-3.9-04).
    body = _provider().present(rt, http.with_locations(rt, resource), attributes, excluded)
    return http.scim_response(body, status=status, headers=headers)


def _list_response(result: QueryResult, query: Query) -> Response:
    provider = _provider()
    resources = [
        provider.present(
            rt, http.with_locations(rt, resource), query.attributes, query.excluded_attributes
        )
        for rt, resource in result.resources
    ]
    body: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": result.total_results,
        "startIndex": result.start_index,
        "itemsPerPage": result.items_per_page,
        "Resources": resources,
    }
    if result.cursor_paged:
        # RFC 9865 §2: a cursor page has no startIndex; nextCursor on every page but the
        # last, previousCursor on every page but the first.
        del body["startIndex"]
        if result.next_cursor is not None:
            body["nextCursor"] = result.next_cursor
        if result.previous_cursor is not None:
            body["previousCursor"] = result.previous_cursor
    return http.scim_response(body)


def _all_types() -> list[ResourceType]:
    return list(http.state().registry.resource_types())


def create_blueprint() -> Blueprint:
    """The resource endpoints, mounted under the configured base path."""
    bp = Blueprint("scim_resources", __name__)

    @bp.before_request
    def _authenticate() -> None:
        http.check_auth()
        http.check_accept()

    @bp.route("/<endpoint>", methods=["GET", "POST"])
    def collection(endpoint: str) -> Response:
        rt = _rt(endpoint)
        if request.method == "POST":
            body = http.json_body()
            _check_projection(rt)
            return _single(rt, _provider().create(rt, body), status=201)
        query = messages.query_from_args(request.args, http.config())
        return _list_response(_provider().query([rt], query), query)

    # RFC 7644 §3.4.3: /.search takes POST only; say so rather than look up id ".search".
    @bp.route("/<endpoint>/.search", methods=http.ANY_METHOD)
    @http.allow_only("POST")
    def search(endpoint: str) -> Response:
        rt = _rt(endpoint)
        query = messages.query_from_search(http.json_body(), http.config())
        return _list_response(_provider().query([rt], query), query)

    @bp.route("/", methods=["GET"])
    def root_query() -> Response:
        query = messages.query_from_args(request.args, http.config())
        return _list_response(_provider().query(_all_types(), query), query)

    @bp.route("/.search", methods=http.ANY_METHOD)
    @http.allow_only("POST")
    def root_search() -> Response:
        query = messages.query_from_search(http.json_body(), http.config())
        return _list_response(_provider().query(_all_types(), query), query)

    @bp.route("/Me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def me() -> Response:
        # RFC 7644 §3.11: a token here is not tied to a User, so /Me is not implemented.
        raise NotImplementedFeature("/Me is not supported: tokens are not bound to a User.")

    @bp.route("/<endpoint>/<resource_id>", methods=["GET", "PUT", "PATCH", "DELETE"])
    def single(endpoint: str, resource_id: str) -> Response:
        rt = _rt(endpoint)
        provider = _provider()
        if request.method == "PATCH" and not http.config().patch_supported:
            # RFC 7644 §3.12 (P-3.12-14): 501 whatever the body, since PATCH is not advertised.
            raise NotImplementedFeature("PATCH is not supported (patch.supported=false).")
        if_match = http.precondition_header("If-Match")
        if_none_match = http.precondition_header("If-None-Match")
        if request.method == "GET":
            resource = provider.get(rt, resource_id)
            if if_match is not None and not etag_matches(
                resource.get("meta", {}).get("version"), if_match
            ):
                raise PreconditionFailed()
            if if_none_match is not None and etag_matches(
                resource.get("meta", {}).get("version"), if_none_match
            ):
                return http.scim_response(None, status=304, headers=http.etag_headers(resource))
            return _single(rt, resource)
        if if_none_match is not None:
            current = provider.get(rt, resource_id)
            if etag_matches(current.get("meta", {}).get("version"), if_none_match):
                raise PreconditionFailed("If-None-Match matches the current version.")
        if request.method == "DELETE":
            provider.delete(rt, resource_id, if_match)
            return http.scim_response(None, status=204)
        body = http.json_body()
        _check_projection(rt)
        if request.method == "PUT":
            return _single(rt, provider.replace(rt, resource_id, body, if_match))
        operations = messages.patch_operations(body)
        patched = provider.patch(rt, resource_id, operations, if_match)
        if http.config().patch_response == "no-content" and not request.args.get("attributes"):
            return http.scim_response(None, status=204, headers=http.etag_headers(patched))
        return _single(rt, patched)

    return bp
