"""Defects of versioning, round trips and schema-level representation rules.

RFC 7644 §3.1, §3.10, §3.14 and RFC 7643 §2.2, §2.3.4, §2.3.7, §2.3.8, §3, §3.1. Each defect is a
response transform, a changed seam (the store's version rule) or a provider decorator that breaks
the requirements it names; the defect matrix (``tests/defects``) proves that the matching checks in
``scim_tests/checks/test_{etag,roundtrip,schema_definitions,schema_rules,retrieve}.py`` fail.
The bulk defects (RFC 7644 §3.7, ``test_bulk.py``) are the sub-area :mod:`scim_defects.bulk`,
imported here so that they register.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Request, Response

from scim_defects.common import relative_path
from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import http
from scim_mock.errors import InvalidFilter, InvalidSyntax, InvalidValue
from scim_mock.operations import ProviderDecorator
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER, ResourceType
from scim_mock.seams import Seams

Resource = dict[str, Any]
Transform = Callable[[Request, Response], Response]
SCHEMA_URN_PREFIX = "urn:ietf:params:scim:schemas:"


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


def _if_none_match_ignored(req: Request) -> Response | None:
    """GET is answered as if If-None-Match had not been sent (200 with the resource)."""
    if req.method == "GET":
        req.environ.pop("HTTP_IF_NONE_MATCH", None)
    return None


def _weak_compared_strongly(req: Request) -> Response | None:
    """If-None-Match is compared strongly on GET: a tag without W/ never matches a weak one.

    The mock's versions are always weak (W/"n"), so a list naming no weak tag (``"n"``, ``*``)
    matches nothing, and the GET is answered as if the header had not been sent.
    """
    sent = req.headers.get("If-None-Match")
    if req.method == "GET" and sent is not None and "W/" not in sent:
        req.environ.pop("HTTP_IF_NONE_MATCH", None)
    return None


def _version_kept(seams: Seams) -> Seams:
    # Every modification keeps the version it had, so the ETag never changes.
    return seams.replace(next_version=lambda previous, fresh: previous)


class _IfMatchIgnored(ProviderDecorator):
    """If-Match (and a bulk operation's version) is not checked: stale writes go through."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.replace(rt, resource_id, body)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.patch(rt, resource_id, operations)

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        self.inner.delete(rt, resource_id)


# -- round trips and schema-level rules ---------------------------------------------------------


def _drop_key(body: dict[str, Any], name: str) -> None:
    for key in [k for k in body if k.lower() == name.lower()]:
        del body[key]


class _EditsPut(ProviderDecorator):
    """Base of the PUT round-trip defects: the body is changed (:meth:`edit`) before it is
    stored."""

    def edit(self, body: dict[str, Any]) -> None:
        """Change the (copied) PUT body in place (overridden)."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        if isinstance(body, dict):
            body = dict(body)
            self.edit(body)
        return self.inner.replace(rt, resource_id, body, if_match)


class _PutDropsPhoneNumbers(_EditsPut):
    """PUT loses phoneNumbers: the replaced resource has none."""

    def edit(self, body: dict[str, Any]) -> None:
        _drop_key(body, "phoneNumbers")


class _PutLowercasesExternalId(_EditsPut):
    """PUT stores externalId in lower case (it is caseExact)."""

    def edit(self, body: dict[str, Any]) -> None:
        for key in [k for k in body if k.lower() == "externalid" and isinstance(body[k], str)]:
            body[key] = body[key].lower()


class _EditsCreate(ProviderDecorator):
    """Base of the create defects: the body is changed or refused (:meth:`edit`) first."""

    def edit(self, rt: ResourceType, body: dict[str, Any]) -> None:
        """Change the (copied) POST body in place, or raise to refuse it (overridden)."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict):
            body = dict(body)
            self.edit(rt, body)
        return self.inner.create(rt, body)


class _GroupExternalIdDropped(_EditsCreate):
    """Groups are created without their externalId."""

    def edit(self, rt: ResourceType, body: dict[str, Any]) -> None:
        if rt.name == "Group":
            _drop_key(body, "externalId")


class _CreateNeedsSchemasFirst(_EditsCreate):
    """A create is refused unless "schemas" is the body's first member (JSON order matters)."""

    def edit(self, rt: ResourceType, body: dict[str, Any]) -> None:
        if next(iter(body), "").lower() != "schemas":
            raise InvalidSyntax("The request body must start with schemas.")


class _CreateNeedsCoreSchemaFirst(_EditsCreate):
    """A create is refused unless schemas lists the core schema first (order matters)."""

    def edit(self, rt: ResourceType, body: dict[str, Any]) -> None:
        schemas = body.get("schemas")
        if isinstance(schemas, list) and schemas and schemas[0] != rt.schema:
            raise InvalidValue(f"schemas must start with {rt.schema}.")


def _omit_read_only_mutability(req: Request, response: Response) -> Response:
    body = response_json(response)
    if not relative_path(req).startswith("/Schemas") or not isinstance(body, dict):
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


def _each_resource(edit: Callable[[Resource], None]) -> Transform:
    """Apply ``edit`` to every User or Group a response carries (alone or in a ListResponse)."""

    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        if not isinstance(body, dict) or not 200 <= response.status_code < 300:
            return response
        listed = body.get("Resources")
        resources = listed if isinstance(listed, list) else [body]
        found = False
        for resource in resources:
            schemas = resource.get("schemas") if isinstance(resource, dict) else None
            if isinstance(schemas, list) and {USER, GROUP} & set(schemas):
                edit(resource)
                found = True
        return rewrite(response, body) if found else response

    return transform


#: A vendor extension the defect adds to Users without declaring it in /ResourceTypes.
VENDOR_EXTENSION = "urn:example:params:scim:schemas:extension:acme:2.0:User"


def _undeclared_extension(resource: Resource) -> None:
    if USER in resource["schemas"]:
        resource["schemas"].append(VENDOR_EXTENSION)
        resource[VENDOR_EXTENSION] = {"tenant": "default"}


def _unexpanded_reference_template(resource: Resource) -> None:
    # The base URL of members[].$ref and groups[].$ref comes from a template nobody filled in.
    for name in ("members", "groups"):
        for entry in resource.get(name) or []:
            ref = entry.get("$ref") if isinstance(entry, dict) else None
            if isinstance(ref, str) and "/" in ref:
                kind, _, resource_id = ref.rstrip("/").rpartition("/")
                entry["$ref"] = f"{{scimBaseUrl}}/{kind.rpartition('/')[2]}/{resource_id}"


def _meta_dates_only(resource: Resource) -> None:
    # The store keeps calendar dates: meta timestamps lose their time of day.
    meta = resource.get("meta")
    for key in ("created", "lastModified"):
        if isinstance(meta, dict) and isinstance(meta.get(key), str):
            meta[key] = meta[key][:10]


def _resource_type_lower_case(resource: Resource) -> None:
    meta = resource.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("resourceType"), str):
        meta["resourceType"] = meta["resourceType"].lower()


def _extension_replaces_core_urn(resource: Resource) -> None:
    # schemas names the "most specific" schema only: an enterprise user lists just the extension.
    if ENTERPRISE_USER in resource["schemas"]:
        resource["schemas"] = [u for u in resource["schemas"] if u != USER]


def _create_meta_without_location(req: Request, response: Response) -> Response:
    # Only the GET handler fills in meta.location; the 201 body (Location header kept) has none.
    body = response_json(response)
    if req.method == "POST" and response.status_code == 201 and isinstance(body, dict):
        meta = body.get("meta")
        if isinstance(meta, dict) and meta.pop("location", None) is not None:
            return rewrite(response, body)
    return response


def _etag_header_missing(req: Request, response: Response) -> Response:
    response.headers.pop("ETag", None)
    return response


def _put_answers_204(req: Request, response: Response) -> Response:
    if req.method == "PUT" and response.status_code == 200 and relative_path(req).count("/") >= 2:
        response.status_code = 204
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def _list_message(edit: Callable[[dict[str, Any]], None]) -> Transform:
    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            return response
        if LIST_RESPONSE not in (body.get("schemas") or []):
            return response
        edit(body)
        return rewrite(response, body)

    return transform


def _urn_names_refused(req: Request, response: Response) -> Response:
    if req.method != "GET" or not relative_path(req).startswith(("/Users", "/Groups")):
        return response
    for name, error in (("attributes", InvalidValue), ("filter", InvalidFilter)):
        if SCHEMA_URN_PREFIX in req.args.get(name, "").lower():
            failure = error(f"{name}: URN-qualified attribute names are not supported.")
            response.status_code = failure.status
            response.content_type = http.SCIM_MEDIA_TYPE
            response.headers.pop("ETag", None)
            return rewrite(response, failure.to_json())
    return response


register(Defect("etag-header-differs-from-meta", ("C-3.1-21",),
                "meta.version differs from the ETag header.",
                response=_edit_version(lambda v: f'W/"m{_unquoted(v)}"')))  # fmt: skip
register(Defect("etag-no-meta-version", ("P-3.14-03",), "Representations omit meta.version.",
                response=_edit_version(lambda v: None)))  # fmt: skip
register(Defect("etag-malformed", ("C-3.1-22",),
                "ETags and meta.version lack the quotes of an entity tag.",
                response=_malformed_tags))  # fmt: skip
register(Defect("etag-unchanged-on-update", ("P-3.14-06",),
                "PUT and PATCH keep the old version.", change_seams=_version_kept))  # fmt: skip
register(Defect("etag-if-match-ignored", ("P-3.14-05",),
                "A stale If-Match (or bulk version) is ignored.",
                wrap_provider=_IfMatchIgnored))  # fmt: skip
register(Defect("etag-if-none-match-ignored", ("P-3.14-04",),
                       "GET with If-None-Match naming the current version answers 200 with the "
                       "resource.", before=_if_none_match_ignored))  # fmt: skip
register(Defect("etag-weak-compared-strongly", ("C-3.1-22", "P-3.14-04"),
                       'If-None-Match "x" does not match the weak tag W/"x".',
                       before=_weak_compared_strongly))  # fmt: skip
register(Defect("roundtrip-drops-phone-numbers", ("P-3.5.1-02", "P-3.1-03"),
                "PUT drops phoneNumbers.", wrap_provider=_PutDropsPhoneNumbers))  # fmt: skip
register(Defect("roundtrip-put-lowercases-external-id", ("C-3.1-12", "C-7-11"),
                "PUT stores externalId in lower case.",
                wrap_provider=_PutLowercasesExternalId))  # fmt: skip
register(Defect("schemas-omit-read-only-mutability", ("C-2.2-01",),
                "/Schemas omits mutability of readOnly sub-attributes, so they read as readWrite.",
                response=_omit_read_only_mutability))  # fmt: skip
register(Defect("integers-as-decimals", ("C-2.3.4-01",),
                'List responses send itemsPerPage as "1.0".',
                response=_items_per_page_as_decimal))  # fmt: skip
register(Defect("schemas-duplicated-on-put", ("C-3-02",),
                "PUT answers list the core schema twice.",
                response=_put_schemas(lambda s: s + s[:1])))  # fmt: skip
register(Defect("schemas-missing-on-put", ("C-3-01",), "PUT answers carry no schemas.",
                response=_put_schemas(lambda s: None)))  # fmt: skip
register(Defect("group-external-id-dropped", ("C-3.1-01",), "Groups do not keep externalId.",
                wrap_provider=_GroupExternalIdDropped))  # fmt: skip
register(Defect("create-needs-schemas-first", ("C-2.3.8-01",),
                "A create whose body does not start with schemas is refused.",
                wrap_provider=_CreateNeedsSchemasFirst))  # fmt: skip
register(Defect("create-needs-core-schema-first", ("C-3-04",),
                "A create whose schemas do not start with the core schema is refused.",
                wrap_provider=_CreateNeedsCoreSchemaFirst))  # fmt: skip
register(Defect("schemas-list-undeclared-extension", ("C-3-03",),
                "Users carry and list a vendor extension that /ResourceTypes does not declare.",
                response=_each_resource(_undeclared_extension)))  # fmt: skip
register(Defect("reference-template-unexpanded", ("C-2.3.7-01", "C-2.3.7-03"),
                "members[].$ref and groups[].$ref read \"{scimBaseUrl}/Users/<id>\": the base URL "
                "placeholder of the reference template is never filled in.",
                response=_each_resource(_unexpanded_reference_template)))  # fmt: skip
register(Defect("meta-dates-without-time", ("C-3.1-16", "C-2.3.5-01"),
                "meta.created and meta.lastModified are dates without a time of day.",
                response=_each_resource(_meta_dates_only)))  # fmt: skip
register(Defect("meta-resource-type-lower-case", ("C-3.1-15", "P-3.3.1-01"),
                'meta.resourceType is spelt "user" / "group", not the resource type\'s name.',
                response=_each_resource(_resource_type_lower_case)))  # fmt: skip
register(Defect("extension-replaces-core-urn", ("C-3.3-01",),
                "A User with the enterprise extension lists only the extension URN in schemas.",
                response=_each_resource(_extension_replaces_core_urn)))  # fmt: skip
register(Defect("create-meta-without-location", ("C-3.1-02",),
                "The 201 body of a create has no meta.location (GET shows it).",
                response=_create_meta_without_location))  # fmt: skip
register(Defect("etag-header-missing", ("P-3.14-02",),
                "Responses carry no ETag header (meta.version is still shown).",
                response=_etag_header_missing))  # fmt: skip
register(Defect("put-answers-204", ("P-3.5.1-08",),
                "A successful PUT answers 204 without the updated resource.",
                response=_put_answers_204))  # fmt: skip
register(Defect("list-response-untagged", ("P-3.4.2-03",),
                "List and query answers carry no schemas attribute.",
                response=_list_message(lambda body: body.pop("schemas", None))))  # fmt: skip
register(Defect("list-total-missing", ("P-3.4.2-04",),
                "List and query answers leave out totalResults.",
                response=_list_message(lambda body: body.pop("totalResults", None))))  # fmt: skip
register(Defect("urn-qualified-names-refused", ("P-3.10-02", "P-3.10-03"),
                "attributes and filter refuse URN-qualified attribute names.",
                response=_urn_names_refused))  # fmt: skip
