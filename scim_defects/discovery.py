"""Defects of the discovery endpoints: /ServiceProviderConfig, /ResourceTypes and /Schemas.

RFC 7644 §4, RFC 7643 §5-§7; a sub-area of the protocol defects (:mod:`scim_defects.protocol`).
Every defect here is a response transform that edits the discovery documents the strict mock
serves, or its answers; none reads or writes resources. The defect matrix (``tests/defects``)
proves that the matching checks in ``scim_tests/checks/test_discovery.py`` (and the schema checks
of other areas) fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Request, Response

from scim_defects.common import relative_path
from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock.errors import NotImplementedFeature
from scim_mock.operations import ProviderDecorator
from scim_mock.schema import ResourceType
from scim_mock.store import Resource

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _discovery(req: Request) -> tuple[str, bool] | None:
    """("Schemas", single?) for a discovery request, else None."""
    parts = relative_path(req).strip("/").split("/", 1)
    if parts[0] in ("ServiceProviderConfig", "ResourceTypes", "Schemas"):
        return parts[0], len(parts) > 1 and bool(parts[1])
    return None


def _edit_documents(
    endpoint: str, edit: Callable[[dict[str, Any]], None]
) -> Callable[[Request, Response], Response]:
    """A transform applying ``edit`` to every ``endpoint`` document of a 200 discovery answer."""

    def transform(req: Request, response: Response) -> Response:
        where = _discovery(req)
        body = response_json(response)
        if where is None or where[0] != endpoint or response.status_code != 200:
            return response
        if not isinstance(body, dict):
            return response
        documents = body.get("Resources", []) if "Resources" in body and not where[1] else [body]
        for document in documents:
            if isinstance(document, dict):
                edit(document)
        return rewrite(response, body)

    return transform


def _attributes(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every attribute definition of ``schema``, sub-attributes included."""
    for attribute in schema.get("attributes", []):
        yield attribute
        yield from attribute.get("subAttributes", [])


def _named(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((a for a in schema.get("attributes", []) if a.get("name") == name), None)


# -- discovery: /ServiceProviderConfig -------------------------------------------------------


def _spc_wrong_schema(document: dict[str, Any]) -> None:
    document["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfiguration"]


def _spc_missing_etag(document: dict[str, Any]) -> None:
    document.pop("etag", None)


def _spc_auth_scheme_undescribed(document: dict[str, Any]) -> None:
    for scheme in document.get("authenticationSchemes", []):
        scheme.pop("description", None)


def _spc_patch_unsupported(document: dict[str, Any]) -> None:
    document["patch"] = {"supported": False}


def _spc_supported_as_text(document: dict[str, Any]) -> None:
    # A template renders the flag as a string: "supported": "true".
    document["patch"] = {**document.get("patch", {}), "supported": "true"}


def _spc_filter_without_max_results(document: dict[str, Any]) -> None:
    document.get("filter", {}).pop("maxResults", None)


def _spc_omits_minor_features(document: dict[str, Any]) -> None:
    # Only the features the vendor thinks matter are described; the REQUIRED others are left out.
    document.pop("changePassword", None)
    document.pop("sort", None)


# -- discovery: /ResourceTypes ---------------------------------------------------------------


def _resource_types_missing_schemas(req: Request, response: Response) -> Response:
    if _discovery(req) != ("ResourceTypes", False):
        return response
    return _edit_documents("ResourceTypes", lambda d: d.pop("schemas", None))(req, response)


def _unknown_extension(document: dict[str, Any]) -> None:
    if document.get("schema") == USER_SCHEMA:
        unknown = "urn:example:params:scim:schemas:extension:unknown:2.0:User"
        document.setdefault("schemaExtensions", []).append({"schema": unknown, "required": False})


def _group_endpoint_moved(document: dict[str, Any]) -> None:
    if document.get("schema") == GROUP_SCHEMA:
        document["endpoint"] = "/Teams"


def _user_type_renamed(document: dict[str, Any]) -> None:
    if document.get("schema") == USER_SCHEMA:
        document["name"] = "UserAccount"


def _single_as_list(req: Request, response: Response) -> Response:
    where = _discovery(req)
    body = response_json(response)
    if where is None or where[0] == "ServiceProviderConfig" or not where[1]:
        return response
    if response.status_code != 200 or not isinstance(body, dict):
        return response
    return rewrite(
        response,
        {"schemas": [LIST_RESPONSE], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
         "Resources": [body]},
    )  # fmt: skip


def _honours_paging(req: Request, response: Response) -> Response:
    where = _discovery(req)
    body = response_json(response)
    if where is None or where[1] or response.status_code != 200 or not isinstance(body, dict):
        return response
    if "Resources" not in body or not ({"count", "startIndex"} & set(req.args)):
        return response
    start = max(int(req.args.get("startIndex", "1") or 1), 1)
    resources = body["Resources"][start - 1 :]
    if "count" in req.args:
        resources = resources[: int(req.args["count"])]
    body.update(Resources=resources, startIndex=start, itemsPerPage=len(resources))
    return rewrite(response, body)


def _accepts_writes(req: Request, response: Response) -> Response:
    if _discovery(req) is not None and req.method != "GET" and response.status_code == 405:
        response.status_code = 200
        body = req.get_json(silent=True)
        return rewrite(response, body if body is not None else {})
    return response


# -- discovery: /Schemas ---------------------------------------------------------------------


def _schemas_drop_group(req: Request, response: Response) -> Response:
    body = response_json(response)
    if _discovery(req) != ("Schemas", False) or response.status_code != 200:
        return response
    if not isinstance(body, dict):
        return response
    body["Resources"] = [r for r in body.get("Resources", []) if r.get("id") != GROUP_SCHEMA]
    body["totalResults"] = body["itemsPerPage"] = len(body["Resources"])
    return rewrite(response, body)


def _schemas_publish_api_messages(req: Request, response: Response) -> Response:
    body = response_json(response)
    if _discovery(req) != ("Schemas", False) or response.status_code != 200:
        return response
    if not isinstance(body, dict):
        return response
    error_schema = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ERROR_SCHEMA,
        "name": "Error",
        "description": "SCIM error message",
        "attributes": [
            {"name": "status", "type": "string", "multiValued": False, "required": True},
            {"name": "detail", "type": "string", "multiValued": False, "required": False},
        ],
    }
    body["Resources"].append(error_schema)
    body["totalResults"] = body["itemsPerPage"] = len(body["Resources"])
    return rewrite(response, body)


def _capitalised_types(document: dict[str, Any]) -> None:
    for attribute in _attributes(document):
        if attribute.get("type") == "string":
            attribute["type"] = "String"


def _bad_attribute_name(document: dict[str, Any]) -> None:
    for attribute in _attributes(document):
        if attribute.get("name") == "honorificPrefix":
            attribute["name"] = "honorific prefix"


def _simple_with_sub_attributes(document: dict[str, Any]) -> None:
    user_name = _named(document, "userName") if document.get("id") == USER_SCHEMA else None
    if user_name is not None:
        user_name["subAttributes"] = [
            {"name": "value", "type": "string", "multiValued": False, "required": False}
        ]


def _reference_without_types(document: dict[str, Any]) -> None:
    for attribute in _attributes(document):
        if attribute.get("type") == "reference":
            attribute.pop("referenceTypes", None)


def _user_name_optional(document: dict[str, Any]) -> None:
    user_name = _named(document, "userName") if document.get("id") == USER_SCHEMA else None
    if user_name is not None:
        user_name.update(required=False, uniqueness="none")


def _extension_required_unstated(document: dict[str, Any]) -> None:
    for extension in document.get("schemaExtensions", []):
        extension.pop("required", None)


def _schema_without_schemas(document: dict[str, Any]) -> None:
    # The Schema resources are served without their own "schemas" tag (errata 8417's point).
    document.pop("schemas", None)


def _complex_sub_attribute(document: dict[str, Any]) -> None:
    # A vendor nests a complex value in a complex attribute: addresses.geo {latitude, longitude}.
    addresses = _named(document, "addresses") if document.get("id") == USER_SCHEMA else None
    if addresses is not None:
        geo = {"name": "geo", "type": "complex", "multiValued": False, "subAttributes": [
            {"name": n, "type": "decimal", "multiValued": False} for n in ("latitude", "longitude")
        ]}  # fmt: skip
        addresses.setdefault("subAttributes", []).append(geo)


def _multi_valued_unstated(document: dict[str, Any]) -> None:
    # multiValued is written only when it is true, as if false were a default (it is not stated).
    for attribute in _attributes(document):
        if attribute.get("multiValued") is False:
            del attribute["multiValued"]


def _lists_as_arrays(req: Request, response: Response) -> Response:
    where = _discovery(req)
    body = response_json(response)
    if where is None or where[1] or where[0] == "ServiceProviderConfig":
        return response
    if response.status_code == 200 and isinstance(body, dict) and "Resources" in body:
        return rewrite(response, body["Resources"])
    return response


def _discovery_fault(
    name: str, requirements: tuple[str, ...], description: str, endpoint: str,
    edit: Callable[[dict[str, Any]], None],
) -> None:  # fmt: skip
    register(Defect(name, requirements, description, response=_edit_documents(endpoint, edit)))


_discovery_fault("spc-wrong-schema", ("P-4-01",),
                 "/ServiceProviderConfig names a misspelt schema URN.",
                 "ServiceProviderConfig", _spc_wrong_schema)  # fmt: skip
_discovery_fault("spc-missing-etag", ("C-5-08",),
                 "/ServiceProviderConfig leaves out the REQUIRED etag block.",
                 "ServiceProviderConfig", _spc_missing_etag)  # fmt: skip
_discovery_fault("spc-auth-scheme-undescribed", ("C-5-09",),
                 "authenticationSchemes entries have no description.",
                 "ServiceProviderConfig", _spc_auth_scheme_undescribed)  # fmt: skip
_discovery_fault("spc-lies-about-patch", ("C-5-12", "P-3.12-14"),
                 "/ServiceProviderConfig says patch.supported=false while PATCH is served.",
                 "ServiceProviderConfig", _spc_patch_unsupported)  # fmt: skip
_discovery_fault("resource-types-unknown-schema", ("C-6-06",),
                 "The User resource type names an extension that /Schemas does not publish.",
                 "ResourceTypes", _unknown_extension)  # fmt: skip
_discovery_fault("resource-types-wrong-endpoint", ("C-6-04", "P-3.2-02"),
                 "The Group resource type advertises /Teams, which serves nothing.",
                 "ResourceTypes", _group_endpoint_moved)  # fmt: skip
_discovery_fault("resource-types-renamed", ("C-6-02",),
                 "The User resource type is named UserAccount while users say meta.resourceType "
                 "User.", "ResourceTypes", _user_type_renamed)  # fmt: skip
_discovery_fault("schemas-capitalised-types", ("C-7-07",),
                 "Attribute definitions say type 'String' instead of 'string'.",
                 "Schemas", _capitalised_types)  # fmt: skip
_discovery_fault("schemas-bad-attribute-name", ("C-2.1-02",),
                 "A sub-attribute is published as 'honorific prefix' (a space in the name).",
                 "Schemas", _bad_attribute_name)  # fmt: skip
_discovery_fault("schemas-simple-with-subattributes", ("C-1.2-01",),
                 "userName (a string) is published with sub-attributes.",
                 "Schemas", _simple_with_sub_attributes)  # fmt: skip
_discovery_fault("schemas-reference-without-types", ("C-7-24",),
                 "reference attributes are published without referenceTypes.",
                 "Schemas", _reference_without_types)  # fmt: skip
_discovery_fault("schemas-username-optional", ("C-4.1.1-03", "C-4.1.1-02"),
                 "The User schema publishes userName as optional and not unique.",
                 "Schemas", _user_name_optional)  # fmt: skip
_discovery_fault("spc-supported-as-text", ("C-5-03",),
                 '/ServiceProviderConfig says patch.supported "true" (a string, not a boolean).',
                 "ServiceProviderConfig", _spc_supported_as_text)  # fmt: skip
_discovery_fault("spc-filter-without-max-results", ("C-5-05",),
                 "/ServiceProviderConfig leaves out the REQUIRED filter.maxResults.",
                 "ServiceProviderConfig", _spc_filter_without_max_results)  # fmt: skip
_discovery_fault("spc-omits-minor-features", ("C-5-06", "C-5-07"),
                 "/ServiceProviderConfig leaves out the REQUIRED changePassword and sort blocks.",
                 "ServiceProviderConfig", _spc_omits_minor_features)  # fmt: skip
_discovery_fault("resource-types-extension-required-unstated", ("C-6-07",),
                 "schemaExtensions entries of /ResourceTypes leave out required.",
                 "ResourceTypes", _extension_required_unstated)  # fmt: skip
_discovery_fault("schemas-documents-untagged", ("C-7-02",),
                 "Schema documents of /Schemas carry no schemas attribute.",
                 "Schemas", _schema_without_schemas)  # fmt: skip
_discovery_fault("schemas-complex-sub-attribute", ("C-2.3.8-02",),
                 "The User schema publishes a complex sub-attribute (addresses.geo).",
                 "Schemas", _complex_sub_attribute)  # fmt: skip
_discovery_fault("schemas-multi-valued-unstated", ("C-7-06",),
                 "Attribute definitions state multiValued only when it is true.",
                 "Schemas", _multi_valued_unstated)  # fmt: skip
register(Defect("discovery-lists-as-arrays", ("P-4-06",),
                "/ResourceTypes and /Schemas answer with a bare JSON array, not a ListResponse.",
                response=_lists_as_arrays))  # fmt: skip
register(Defect("resource-types-missing-schemas", ("C-6-01",),
                "ResourceType entries of the /ResourceTypes list carry no schemas attribute.",
                response=_resource_types_missing_schemas))  # fmt: skip
register(Defect("discovery-single-as-list", ("P-4-05",),
                "/ResourceTypes/<name> and /Schemas/<urn> answer with a ListResponse.",
                response=_single_as_list))  # fmt: skip
register(Defect("discovery-honours-paging", ("P-4-07",),
                "/ResourceTypes and /Schemas apply startIndex and count.",
                response=_honours_paging))  # fmt: skip
register(Defect("discovery-accepts-writes", ("C-5-02", "C-6-01", "C-7-03"),
                "Writes to discovery documents answer 200 (nothing changes).",
                response=_accepts_writes))  # fmt: skip
register(Defect("schemas-drops-group", ("P-4-02", "C-6-05", "C-7-01"),
                "/Schemas leaves out the Group schema.", response=_schemas_drop_group))  # fmt: skip
register(Defect("schemas-publishes-api-messages", ("P-3.1-02",),
                "/Schemas publishes the Error message schema.",
                response=_schemas_publish_api_messages))  # fmt: skip


class _PatchAdvertisedNotImplemented(ProviderDecorator):
    """ServiceProviderConfig says patch.supported true, but PATCH answers 501 (C-5-12): the
    configuration document is a template nobody updated when PATCH support was dropped."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        raise NotImplementedFeature("PATCH is not implemented.")


register(Defect("patch-advertised-not-implemented", ("C-5-12",),
                "ServiceProviderConfig advertises PATCH, but every PATCH answers 501.",
                wrap_provider=_PatchAdvertisedNotImplemented))  # fmt: skip
