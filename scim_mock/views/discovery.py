"""Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas.

Generated from the schema registry and :class:`MockConfig`, so the mock advertises exactly what
it implements (RFC 7643 §5-§7).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from scim_mock import http
from scim_mock.config import MockConfig
from scim_mock.errors import Forbidden, InvalidFilter, NotFound
from scim_mock.schema import SERVICE_PROVIDER_CONFIG, SchemaRegistry

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def service_provider_config(config: MockConfig) -> dict[str, Any]:
    """The /ServiceProviderConfig document for ``config`` (RFC 7643 §5), without meta."""
    schemes = []
    if config.token is not None:
        schemes.append(
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a static bearer token (RFC 6750).",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "documentationUri": config.documentation_uri,
                "primary": True,
            }
        )
    document: dict[str, Any] = {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": config.documentation_uri,
        "patch": {"supported": config.patch_supported},
        "bulk": {
            "supported": config.bulk_supported,
            "maxOperations": config.bulk_max_operations if config.bulk_supported else 0,
            "maxPayloadSize": config.bulk_max_payload_size if config.bulk_supported else 0,
        },
        "filter": {
            "supported": config.filter_supported,
            "maxResults": config.filter_max_results,
        },
        "changePassword": {"supported": config.change_password_supported},
        "sort": {"supported": config.sort_supported},
        "etag": {"supported": config.etag_supported},
        "authenticationSchemes": schemes,
    }
    if config.cursor_pagination:
        # RFC 9865 §4: both methods, index the default (what clients without cursor support
        # expect, §2.4); page sizes and the cursor lifetime as implemented.
        document["pagination"] = {
            "cursor": True,
            "index": True,
            "defaultPaginationMethod": "index",
            "defaultPageSize": max(min(config.default_page_size, config.filter_max_results), 1),
            "maxPageSize": config.filter_max_results,
            "cursorTimeout": config.cursor_timeout,
        }
    return document


def _meta(resource_type: str, path: str) -> dict[str, Any]:
    started: str = http.state().started
    return {
        "resourceType": resource_type,
        "created": started,
        "lastModified": started,
        "location": http.base_url() + path,
    }


def _schema_documents(registry: SchemaRegistry) -> list[dict[str, Any]]:
    documents = []
    for schema in registry.schemas():
        document = schema.to_json()
        document["meta"] = _meta("Schema", f"/Schemas/{schema.id}")
        documents.append(document)
    return documents


def _resource_type_documents(registry: SchemaRegistry) -> list[dict[str, Any]]:
    documents = []
    for rt in registry.resource_types():
        document = rt.to_json()
        document["meta"] = _meta("ResourceType", f"/ResourceTypes/{rt.name}")
        documents.append(document)
    return documents


def _list(resources: list[dict[str, Any]]) -> Response:
    # RFC 7644 §4 (P-4-07): paging parameters are ignored; the whole list is returned.
    return http.scim_response(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": len(resources),
            "startIndex": 1,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def create_blueprint() -> Blueprint:
    """The discovery endpoints, mounted under the configured base path."""
    bp = Blueprint("scim_discovery", __name__)

    # Discovery documents are read-only (RFC 7644 §4): writes get 405 (allow_only), not 404.
    @bp.before_request
    def _guard() -> None:
        http.check_auth(discovery=True)
        http.check_accept()
        mode = http.config().discovery_filter
        if "filter" in request.args and mode != "ignore":
            # RFC 7644 §4 says both that query parameters are ignored (P-4-07) and that a
            # filter should get 403 (P-4-08); "reject" is the 400 many providers send instead.
            if mode == "reject":
                raise InvalidFilter("Filtering is not supported on discovery endpoints.")
            raise Forbidden("Filtering is not supported on discovery endpoints.")

    @bp.route("/ServiceProviderConfig", methods=http.ANY_METHOD)
    @http.allow_only("GET")
    def spc() -> Response:
        document = service_provider_config(http.config())
        document["meta"] = _meta("ServiceProviderConfig", "/ServiceProviderConfig")
        return http.scim_response(document)

    @bp.route("/ResourceTypes", methods=http.ANY_METHOD)
    @http.allow_only("GET")
    def resource_types() -> Response:
        return _list(_resource_type_documents(http.state().registry))

    @bp.route("/ResourceTypes/<name>", methods=http.ANY_METHOD)
    @http.allow_only("GET")
    def resource_type(name: str) -> Response:
        for document in _resource_type_documents(http.state().registry):
            if document["name"] == name or document["id"] == name:
                return http.scim_response(document)
        raise NotFound(f"No resource type {name!r}.")

    @bp.route("/Schemas", methods=http.ANY_METHOD)
    @http.allow_only("GET")
    def schemas() -> Response:
        return _list(_schema_documents(http.state().registry))

    @bp.route("/Schemas/<path:urn>", methods=http.ANY_METHOD)
    @http.allow_only("GET")
    def schema(urn: str) -> Response:
        for document in _schema_documents(http.state().registry):
            if document["id"].lower() == urn.lower():
                return http.scim_response(document)
        raise NotFound(f"No schema {urn!r}.")

    return bp
