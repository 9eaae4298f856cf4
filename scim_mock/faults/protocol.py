"""Defects of the protocol surface: discovery, media type, errors and authentication.

RFC 7644 §2-§4 and §8.1, RFC 7643 §5-§7. Each defect is a response transform (or a provider
wrapper) that breaks the requirements it names; ``tests/harness/test_faults_protocol.py`` proves
the matching checks in ``scim_tests/checks/test_{discovery,media_type,errors,auth}.py`` fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Request, Response, current_app

from scim_mock import http
from scim_mock.faults import Fault, register, response_json, rewrite
from scim_mock.provider import ServiceProvider

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _relative(req: Request) -> str:
    """The request path below the SCIM base path ("/Schemas/urn:…")."""
    base = http.config().normalized_base_path
    return req.path[len(base) :] if base and req.path.startswith(base) else req.path


def _discovery(req: Request) -> tuple[str, bool] | None:
    """("Schemas", single?) for a discovery request, else None."""
    parts = _relative(req).strip("/").split("/", 1)
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


def _error(response: Response, status: int, detail: str, scim_type: str | None = None) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    response.status_code = status
    response.content_type = http.SCIM_MEDIA_TYPE
    response.headers.pop("Location", None)
    response.headers.pop("ETag", None)
    return rewrite(response, body)


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


def _filter_400(req: Request, response: Response) -> Response:
    if _discovery(req) is not None and response.status_code == 403:
        return _error(response, 400, "Filters are not supported here.", "invalidFilter")
    return response


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


def _discovery_fault(
    name: str, requirements: tuple[str, ...], description: str, endpoint: str,
    edit: Callable[[dict[str, Any]], None],
) -> None:  # fmt: skip
    register(Fault(name, requirements, description, response=_edit_documents(endpoint, edit)))


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
register(Fault("resource-types-missing-schemas", ("C-6-01",),
               "ResourceType entries of the /ResourceTypes list carry no schemas attribute.",
               response=_resource_types_missing_schemas))  # fmt: skip
register(Fault("discovery-single-as-list", ("P-4-05",),
               "/ResourceTypes/<name> and /Schemas/<urn> answer with a ListResponse.",
               response=_single_as_list))  # fmt: skip
register(Fault("discovery-honours-paging", ("P-4-07",),
               "/ResourceTypes and /Schemas apply startIndex and count.",
               response=_honours_paging))  # fmt: skip
register(Fault("discovery-filter-400", ("P-4-08",),
               "A filter on a discovery endpoint is answered 400 invalidFilter instead of 403.",
               response=_filter_400))  # fmt: skip
register(Fault("discovery-accepts-writes", ("C-5-02", "C-6-01", "C-7-03"),
               "Writes to discovery documents answer 200 (nothing changes).",
               response=_accepts_writes))  # fmt: skip
register(Fault("schemas-drops-group", ("P-4-02", "C-6-05", "C-7-01"),
               "/Schemas leaves out the Group schema.", response=_schemas_drop_group))  # fmt: skip
register(Fault("schemas-publishes-api-messages", ("P-3.1-02",),
               "/Schemas publishes the Error message schema.",
               response=_schemas_publish_api_messages))  # fmt: skip


# -- media type --------------------------------------------------------------------------------


def _is_json(response: Response) -> bool:
    return (response.mimetype or "").endswith("json")


def _refuse_plain_json(req: Request, response: Response) -> Response:
    accept = req.headers.get("Accept", "")
    if "application/json" in accept and "scim+json" not in accept:
        return _error(response, 406, "Only application/scim+json is produced.")
    if (req.mimetype or "") == "application/json":
        _undo_create(req, response)
        return _error(response, 415, "Only application/scim+json is accepted.")
    return response


def _undo_create(req: Request, response: Response) -> None:
    """Delete what a POST created, so a response refused afterwards leaves nothing behind."""
    body = response_json(response)
    state = http.state()
    rt = state.registry.resource_type_for_endpoint(_relative(req).rstrip("/"))
    if req.method == "POST" and response.status_code == 201 and rt and isinstance(body, dict):
        state.provider.delete(rt, body["id"])


def _refuse_scim_json(req: Request, response: Response) -> Response:
    accept = req.headers.get("Accept", "")
    if "scim+json" in accept and "application/json" not in accept and "*/*" not in accept:
        _undo_create(req, response)
        return _error(response, 406, "Only application/json is produced.")
    return response


def _ascii_only(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("ascii", "replace").decode("ascii")
    if isinstance(value, list):
        return [_ascii_only(v) for v in value]
    if isinstance(value, dict):
        return {k: _ascii_only(v) for k, v in value.items()}
    return value


def _non_ascii_mangled(req: Request, response: Response) -> Response:
    body = response_json(response)
    if body is None or response.get_data(as_text=True).isascii():
        return response
    return rewrite(response, _ascii_only(body))


def _charset_latin1(req: Request, response: Response) -> Response:
    if not _is_json(response) or not response.get_data():
        return response
    text = response.get_data(as_text=True)
    response.set_data(text.encode("latin-1", "replace"))
    response.headers["Content-Type"] = f"{response.mimetype}; charset=iso-8859-1"
    return response


register(Fault("plain-json-refused", ("P-3.8-04",),
               "Accept or Content-Type application/json is refused with 406 / 415.",
               response=_refuse_plain_json))  # fmt: skip
register(Fault("accept-scim-json-406", ("P-3.8-03",),
               "Accept: application/scim+json (without application/json) is refused with 406.",
               response=_refuse_scim_json))  # fmt: skip
register(Fault("non-ascii-mangled", ("P-3.8-01",),
               "Non-ASCII characters in responses become '?'.",
               response=_non_ascii_mangled))  # fmt: skip
register(Fault("charset-latin1", ("P-3.8-02",),
               "JSON responses are encoded and labelled ISO-8859-1.",
               response=_charset_latin1))  # fmt: skip


# -- errors ------------------------------------------------------------------------------------


def _not_found_as_html(req: Request, response: Response) -> Response:
    if response.status_code == 404:
        response.set_data("<html><body><h1>404 Not Found</h1></body></html>")
        response.content_type = "text/html; charset=utf-8"
    return response


def _not_found_as_400(req: Request, response: Response) -> Response:
    if response.status_code == 404:
        return _error(response, 400, "Bad request.")
    return response


def _malformed_json_500(req: Request, response: Response) -> Response:
    raw = req.get_data(cache=True)
    if not raw or response.status_code != 400:
        return response
    try:
        json.loads(raw)
    except ValueError:
        return _error(response, 500, "Internal error while reading the request.")
    return response


def _error_200(req: Request, response: Response) -> Response:
    if response.status_code >= 400:
        response.status_code = 200
    return response


_SNAKE = {"invalidValue": "invalid_value", "invalidSyntax": "invalid_syntax",
          "invalidFilter": "invalid_filter", "uniqueness": "not_unique"}  # fmt: skip


def _scim_type_snake_case(req: Request, response: Response) -> Response:
    body = response_json(response)
    if isinstance(body, dict) and body.get("scimType") in _SNAKE:
        body["scimType"] = _SNAKE[body["scimType"]]
        return rewrite(response, body)
    return response


def _me_404(req: Request, response: Response) -> Response:
    if _relative(req).rstrip("/") == "/Me" and response.status_code == 501:
        return _error(response, 404, "Not found.")
    return response


def _boolean_sub_attribute_coerced(provider: ServiceProvider) -> None:
    create = provider.create

    def lenient(rt: Any, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("emails"), list):
            body = copy.deepcopy(body)
            for email in body["emails"]:
                if isinstance(email, dict) and isinstance(email.get("primary"), str):
                    email["primary"] = email["primary"].lower() == "true"
        return create(rt, body)

    provider.create = lenient  # type: ignore[method-assign]


register(Fault("not-found-as-html", ("P-3.12-01", "P-3.2-04"),
               "404 answers carry an HTML page instead of a SCIM Error.",
               response=_not_found_as_html))  # fmt: skip
register(Fault("not-found-as-400", ("P-3.12-10",),
               "A missing resource or endpoint is answered 400 instead of 404.",
               response=_not_found_as_400))  # fmt: skip
register(Fault("malformed-json-500", ("P-3.12-07", "P-3.12-19"),
               "An unparsable JSON body is answered 500.",
               response=_malformed_json_500))  # fmt: skip
register(Fault("error-200", ("P-3.2-03",),
               "Errors are answered with status 200 (the Error body is kept).",
               response=_error_200))  # fmt: skip
register(Fault("scim-type-snake-case", ("P-3.12-05",),
               "scimType values are spelt in snake_case (invalid_value, …).",
               response=_scim_type_snake_case))  # fmt: skip
register(Fault("me-404", ("P-3.11-01",), "/Me is answered 404 instead of 501.",
               response=_me_404))  # fmt: skip
register(Fault("boolean-subattribute-coerced", ("P-3.12-22",),
               "POST coerces a string emails[].primary to a boolean instead of refusing it.",
               provider=_boolean_sub_attribute_coerced))  # fmt: skip


# -- authentication ------------------------------------------------------------------------------


def _serve_anyway(accept: Callable[[str | None], bool]) -> Callable[[Request, Response], Response]:
    """A transform that serves a request refused with 401 when ``accept(Authorization)``."""

    def transform(req: Request, response: Response) -> Response:
        token = http.config().token
        header = req.headers.get("Authorization")
        if response.status_code != 401 or token is None or not accept(header):
            return response
        # Serve it as if the right token had been sent: the defect is in the credential check.
        req.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return current_app.full_dispatch_request()

    return transform


def _absent(header: str | None) -> bool:
    return not header


def _any_token(header: str | None) -> bool:
    return bool(header) and bool((header or "").partition(" ")[2].strip())


def _empty_bearer(header: str | None) -> bool:
    return header is not None and (header or "").strip().lower() == "bearer"


def _auth_403(req: Request, response: Response) -> Response:
    if response.status_code == 401:
        response.headers.pop("WWW-Authenticate", None)
        return _error(response, 403, "Forbidden.")
    return response


def _auth_no_challenge(req: Request, response: Response) -> Response:
    response.headers.pop("WWW-Authenticate", None)
    return response


def _unauthenticated_write_performed(req: Request, response: Response) -> Response:
    rt = http.state().registry.resource_type_for_endpoint(_relative(req).rstrip("/"))
    body = req.get_json(silent=True)
    if req.method == "POST" and response.status_code == 401 and rt and isinstance(body, dict):
        try:
            http.state().provider.create(rt, body)  # the write happens; the answer says 401
        except Exception:  # noqa: BLE001 - an invalid body is simply not created
            pass
    return response


register(Fault("auth-off", ("P-2-02", "P-3.12-08"),
               "Requests without an Authorization header are served.",
               response=_serve_anyway(_absent)))  # fmt: skip
register(Fault("auth-accepts-any-token", ("P-2-02", "P-3.12-08"),
               "Any bearer token is accepted.", response=_serve_anyway(_any_token)))  # fmt: skip
register(Fault("auth-accepts-empty-bearer", ("P-2-02", "P-3.12-08"),
               "'Authorization: Bearer' with no token is accepted.",
               response=_serve_anyway(_empty_bearer)))  # fmt: skip
register(Fault("auth-403", ("P-3.12-08",),
               "Missing or wrong credentials are answered 403 instead of 401.",
               response=_auth_403))  # fmt: skip
register(Fault("auth-no-challenge", ("P-2-01",),
               "401 answers carry no WWW-Authenticate header.",
               response=_auth_no_challenge))  # fmt: skip
register(Fault("unauthenticated-write-performed", ("P-2-02",),
               "POST without credentials is answered 401 but the resource is created.",
               response=_unauthenticated_write_performed))  # fmt: skip
