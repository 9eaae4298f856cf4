"""Defects of resource CRUD and schema rules: create, retrieve, replace, returned, representation.

Each defect breaks the catalog requirements it names, so that the defect matrix (``tests/defects``)
can prove the checks of ``scim_tests/checks/test_{create,retrieve,replace,schema_rules}.py`` fail.
Defects transform responses or wrap the provider's operations in a
:class:`scim_mock.operations.ProviderDecorator` subclass; domain code is never branched on a fault.
The defects of ids, uniqueness and the identifying values (userName, externalId matching) live in
:mod:`scim_defects.identifiers`.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_defects.common import key_of
from scim_defects.identifiers import _MissingRequiredAccepted
from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import errors
from scim_mock.operations import Provider, ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER, ResourceType

Resource = dict[str, Any]
Listed = list[str] | None  # attributes or excludedAttributes, as parsed
_SINGLE = re.compile(r"/(Users|Groups)/[^/.][^/]*$")


def _is_resource(body: Any) -> bool:
    schemas = body.get("schemas") if isinstance(body, dict) else None
    return isinstance(schemas, list) and (USER in schemas or GROUP in schemas)


def _resources(body: Any) -> list[dict[str, Any]]:
    """The resource bodies of a single-resource or list response."""
    if _is_resource(body):
        return [body]
    if isinstance(body, dict) and isinstance(body.get("Resources"), list):
        return [r for r in body["Resources"] if _is_resource(r)]
    return []


def _each_resource(change: Callable[[Request, dict[str, Any]], bool]) -> Callable[..., Response]:
    """A response transform applying ``change`` to every resource body; True means changed."""

    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        changed = [change(req, r) for r in _resources(body)]
        return rewrite(response, body) if any(changed) else response

    return transform


def _single_get(req: Request) -> bool:
    return req.method == "GET" and _SINGLE.search(req.path) is not None


# -- create ----------------------------------------------------------------------------------


def _create_keeps_client_meta(req: Request, response: Response) -> Response:
    sent = req.get_json(force=True, silent=True)
    body = response_json(response)
    if req.method == "POST" and response.status_code == 201 and _is_resource(body):
        client_meta = sent.get("meta") if isinstance(sent, dict) else None
        if isinstance(client_meta, dict):
            body["meta"] = {**body.get("meta", {}), **client_meta}
            return rewrite(response, body)
    return response


def _location_mismatch(req: Request, response: Response) -> Response:
    location = response.headers.get("Location")
    if req.method == "POST" and response.status_code == 201 and location:
        response.headers["Location"] = location.rsplit("/", 1)[0]
    return response


def _last_modified_differs(req: Request, response: Response) -> Response:
    body = response_json(response)
    meta = body.get("meta") if req.method == "POST" and _is_resource(body) else None
    if isinstance(meta, dict) and isinstance(meta.get("created"), str):
        created = datetime.fromisoformat(meta["created"].replace("Z", "+00:00"))
        later = created + timedelta(seconds=5)
        meta["lastModified"] = later.strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"
        return rewrite(response, body)
    return response


class _ShowsWhatWasSent(ProviderDecorator):
    """Base: values :meth:`pick` takes from a POST/PUT body are kept aside, not validated or
    stored, and shown on every later read of that id (a server echoing what it was sent)."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.remembered: dict[str, Resource] = {}

    def pick(self, rt: ResourceType, body: dict[str, Any]) -> Resource | None:
        """The values of ``body`` to keep aside (None: none)."""
        return None

    def strip(self, rt: ResourceType, body: Any) -> tuple[Any, Resource | None]:
        kept = self.pick(rt, body) if isinstance(body, dict) else None
        if not kept:
            return body, None
        lowered = {k.lower() for k in kept}
        return {k: v for k, v in body.items() if k.lower() not in lowered}, kept

    def shown(self, resource: Resource) -> Resource:
        return {**resource, **copy.deepcopy(self.remembered.get(str(resource.get("id")), {}))}

    def create(self, rt: ResourceType, body: Any) -> Resource:
        body, kept = self.strip(rt, body)
        created = self.inner.create(rt, body)
        if kept:
            self.remembered[created["id"]] = kept
        return self.shown(created)

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        return self.shown(self.inner.get(rt, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        body, kept = self.strip(rt, body)
        if kept:  # kept before the write: even a PUT that is then refused leaves its values
            self.remembered[resource_id] = kept
        return self.shown(self.inner.replace(rt, resource_id, body, if_match))

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.shown(self.inner.patch(rt, resource_id, operations, if_match))

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        shown = [(rt, self.shown(r)) for rt, r in result.resources]
        return QueryResult(shown, result.total_results, result.start_index, result.items_per_page)

    def reset(self) -> None:
        self.inner.reset()
        self.remembered.clear()


class _ReadonlyGroupsAccepted(_ShowsWhatWasSent):
    """A User's readOnly ``groups`` sent in POST/PUT are shown instead of being ignored."""

    def pick(self, rt: ResourceType, body: dict[str, Any]) -> Resource | None:
        key = key_of(body, "groups")
        return {"groups": body[key]} if rt.schema == USER and key else None


class _TwoPrimariesAccepted(_ShowsWhatWasSent):
    """emails with more than one primary=true are accepted and shown as sent (C-2.4-02)."""

    def pick(self, rt: ResourceType, body: dict[str, Any]) -> Resource | None:
        key = key_of(body, "emails")
        values = body.get(key) if key else None
        if isinstance(values, list):
            primaries = [v for v in values if isinstance(v, dict) and v.get("primary") is True]
            if len(primaries) > 1:
                return {"emails": values}
        return None


def _externalid_lowercased(req: Request, resource: dict[str, Any]) -> bool:
    value = resource.get("externalId")
    if isinstance(value, str) and value != value.lower():
        resource["externalId"] = value.lower()
        return True
    return False


class _FixesUpCreate(ProviderDecorator):
    """Base: POST changes the body (:meth:`change`) before the provider validates it."""

    def change(self, rt: ResourceType, body: dict[str, Any]) -> None:
        """Change ``body`` (a copy of the client's) in place."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict):
            body = copy.deepcopy(body)
            self.change(rt, body)
        return self.inner.create(rt, body)


class _WrongTypeAccepted(_FixesUpCreate):
    """A string ``active`` ("yes", "true", ...) is coerced to a boolean instead of refused."""

    def change(self, rt: ResourceType, body: dict[str, Any]) -> None:
        key = key_of(body, "active")
        if key and isinstance(body[key], str):
            body[key] = body[key].lower() in ("yes", "true", "1", "on")


class _NamesCaseSensitive(_FixesUpCreate):
    """POST drops attributes whose name differs in case from the schema (C-2.1-01)."""

    def change(self, rt: ResourceType, body: dict[str, Any]) -> None:
        schema = self.registry.schema(rt.schema)
        names = {a.name for a in schema.attributes} if schema else set()
        names |= {"schemas", "id", "externalId", "meta"}
        for key in [k for k in body if k not in names and not k.lower().startswith("urn:")]:
            del body[key]


def _extension_dropped(req: Request, resource: dict[str, Any]) -> bool:
    if ENTERPRISE_USER not in resource.get("schemas", []):
        return False
    resource.pop(ENTERPRISE_USER, None)
    resource["schemas"] = [s for s in resource["schemas"] if s != ENTERPRISE_USER]
    return True


class _Projects(ProviderDecorator):
    """Base of the projection defects: :meth:`names` changes the attributes/excludedAttributes
    that :meth:`present` applies.

    A write's parameters are checked by presenting an empty resource through this decorator,
    as the provider checks through its own present(): a write is refused exactly when its
    response could not be shown.
    """

    def names(self, attributes: Listed, excluded: Listed) -> tuple[Listed, Listed]:
        """The attributes and excludedAttributes to apply instead of the requested ones."""
        return attributes, excluded

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        return self.inner.present(rt, resource, *self.names(attributes, excluded_attributes))

    def check_projection(
        self,
        rt: ResourceType,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> None:
        self.present(rt, {"schemas": [rt.schema]}, attributes, excluded_attributes)


class _PostIgnoresAttributes(_Projects):
    """POST answers the whole resource whatever attributes/excludedAttributes ask (P-3.9-01)."""

    def names(self, attributes: Listed, excluded: Listed) -> tuple[Listed, Listed]:
        ignored = has_request_context() and request.method == "POST"
        return (None, None) if ignored else (attributes, excluded)


class _AttributesParamIgnored(_Projects):
    """GET answers the whole resource whatever attributes/excludedAttributes ask (P-3.9-02)."""

    def names(self, attributes: Listed, excluded: Listed) -> tuple[Listed, Listed]:
        ignored = has_request_context() and request.method == "GET"
        return (None, None) if ignored else (attributes, excluded)


class _SubAttributeProjectionIgnored(_Projects):
    """attributes=name.familyName is taken as attributes=name (P-3.9-04)."""

    def names(self, attributes: Listed, excluded: Listed) -> tuple[Listed, Listed]:
        if attributes:
            attributes = [a.rsplit(":", 1)[-1].split(".")[0] for a in attributes]
        return attributes, excluded


class _UrnAttributeNamesRefused(_Projects):
    """URN-qualified names in attributes/excludedAttributes are refused (P-3.4.2.5-03)."""

    def names(self, attributes: Listed, excluded: Listed) -> tuple[Listed, Listed]:
        for listed in (attributes, excluded):
            if any(str(n).lower().startswith("urn:") for n in listed or ()):
                raise errors.InvalidValue("URN-qualified attribute names are not supported.")
        return attributes, excluded


# -- retrieve --------------------------------------------------------------------------------


def _get_omits_meta(req: Request, resource: dict[str, Any]) -> bool:
    return _single_get(req) and resource.pop("meta", None) is not None


def _not_found_not_scim(req: Request, response: Response) -> Response:
    if req.method == "GET" and response.status_code == 404:
        response.set_data(b"Not Found")
        response.content_type = "text/plain"
    return response


def _meta_location_broken(req: Request, resource: dict[str, Any]) -> bool:
    meta = resource.get("meta")
    if _single_get(req) and isinstance(meta, dict) and isinstance(meta.get("location"), str):
        base, _, rid = meta["location"].rpartition("/")
        meta["location"] = f"{base}/missing-{rid}"
        return True
    return False


def _projection_drops_id(req: Request, resource: dict[str, Any]) -> bool:
    projected = "attributes" in req.args or "excludedAttributes" in req.args
    return req.method == "GET" and projected and resource.pop("id", None) is not None


def _password_returned_on_request(req: Request, resource: dict[str, Any]) -> bool:
    if "password" in req.args.get("attributes", "").lower() and USER in resource["schemas"]:
        resource["password"] = "t0p-Secret"
        return True
    return False


# -- replace ---------------------------------------------------------------------------------


class _PutMerges(ProviderDecorator):
    """PUT merges the body into the stored resource (multi-valued values are appended)
    instead of replacing it (P-3.5.1-02)."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        if isinstance(body, dict):
            # Derived values of the current one (groups, members.display) are readOnly or
            # dropped on write, so merging into the representation merges into what is stored.
            old = self.inner.get(rt, resource_id)
            merged = {k: v for k, v in old.items() if k not in ("id", "meta")}
            for key, value in body.items():
                stored = key_of(merged, key)
                if stored and isinstance(value, list) and isinstance(merged[stored], list):
                    merged[stored] = merged[stored] + value
                else:
                    merged.pop(stored or key, None)
                    merged[key] = value
            body = merged
        return self.inner.replace(rt, resource_id, body, if_match)


def _schema_advertises_immutable(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.method != "GET" or "/Schemas" not in req.path or not isinstance(body, dict):
        return response
    for schema in body.get("Resources", [body]):
        if isinstance(schema, dict) and schema.get("id") == USER:
            for attribute in schema.get("attributes", []):
                if attribute.get("name") == "nickName":
                    attribute["mutability"] = "immutable"
    return rewrite(response, body)


def _put_response_differs(req: Request, resource: dict[str, Any]) -> bool:
    return req.method == "PUT" and resource.pop("phoneNumbers", None) is not None


def _last_modified_frozen(req: Request, resource: dict[str, Any]) -> bool:
    meta = resource.get("meta")
    if isinstance(meta, dict) and "created" in meta and meta.get("lastModified") != meta["created"]:
        meta["lastModified"] = meta["created"]
        return True
    return False


# -- schema rules ----------------------------------------------------------------------------


def _single_value_not_array(req: Request, resource: dict[str, Any]) -> bool:
    emails = resource.get("emails")
    if isinstance(emails, list) and len(emails) == 1:
        resource["emails"] = emails[0]
        return True
    return False


def _active_as_text(req: Request, resource: dict[str, Any]) -> bool:
    if _single_get(req) and not req.args and isinstance(resource.get("active"), bool):
        resource["Active"] = "true" if resource.pop("active") else "false"
        return True
    return False


class _EmptyRequiredAccepted(_MissingRequiredAccepted):
    """A userName "" passes a presence-only check and the create succeeds (C-4.1.1-01)."""

    accepted = ("",)


class _BinaryDecodeCrashes(ProviderDecorator):
    """POST decodes x509Certificates values before validating them, and nothing catches the
    decoder's error: a value that is not base64 ends in a 500 instead of 400 invalidValue."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        certificates = body.get("x509Certificates") if isinstance(body, dict) else None
        for certificate in certificates if isinstance(certificates, list) else []:
            if isinstance(certificate, dict) and isinstance(certificate.get("value"), str):
                base64.b64decode(certificate["value"], validate=True)
        return self.inner.create(rt, body)


_DEFECTS: list[tuple[str, tuple[str, ...], str, Any, Any]] = [
    # name, requirements, description, response transform, provider decorator
    ("create-keeps-client-meta", ("C-3.1-14",),
     "The 201 body shows the meta values the client sent.", _create_keeps_client_meta, None),
    ("location-mismatch", ("P-3.3-05", "P-3.3-06"),
     "The Location header of a 201 names the collection, not meta.location.",
     _location_mismatch, None),
    ("last-modified-differs-on-create", ("C-3.1-17",),
     "Right after POST, meta.lastModified differs from meta.created.",
     _last_modified_differs, None),
    ("readonly-groups-accepted", ("P-3.3-01", "P-3.5.1-06", "C-7-13"),
     "A User's groups sent in POST/PUT are stored and shown.", None, _ReadonlyGroupsAccepted),
    ("externalid-lowercased", ("C-3.1-10", "C-3.1-12", "C-7-11"),
     "externalId is returned lower-cased.", _each_resource(_externalid_lowercased), None),
    ("wrong-type-accepted", ("P-3.12-22", "P-3.12-07"),
     'POST with active:"yes" is accepted and coerced.', None, _WrongTypeAccepted),
    ("binary-decode-crashes", ("P-3.12-22",),
     "POST with an x509Certificates value that is not base64 answers 500 (the decoding "
     "error escapes).", None, _BinaryDecodeCrashes),
    ("attribute-names-case-sensitive", ("C-2.1-01",),
     "POST ignores attribute names whose case differs from the schema.",
     None, _NamesCaseSensitive),
    ("extension-dropped", ("C-3.3-02", "C-3.3-04"),
     "Enterprise extension values and URN are left out of responses.",
     _each_resource(_extension_dropped), None),
    ("post-ignores-attributes", ("P-3.9-01",),
     "POST ignores attributes/excludedAttributes.", None, _PostIgnoresAttributes),
    ("get-omits-meta", ("P-3.4-01",),
     "GET of a single resource leaves meta out.", _each_resource(_get_omits_meta), None),
    ("not-found-not-scim", ("P-3.12-01",),
     "A GET answered 404 has a text/plain body, not a SCIM Error.", _not_found_not_scim, None),
    ("meta-location-broken", ("C-3.1-20",),
     "GET of a single resource shows a meta.location that does not resolve.",
     _each_resource(_meta_location_broken), None),
    ("attributes-param-ignored", ("P-3.9-02", "C-7-19", "P-3.4.2.5-01", "P-3.9-03"),
     "GET ignores attributes/excludedAttributes.", None, _AttributesParamIgnored),
    ("projection-drops-id", ("C-3.1-09", "P-3.4.2.5-02", "C-7-16"),
     "GET with attributes/excludedAttributes leaves id out.",
     _each_resource(_projection_drops_id), None),
    ("sub-attribute-projection-ignored", ("P-3.9-04",),
     "attributes=name.familyName returns the whole name.", None,
     _SubAttributeProjectionIgnored),
    ("urn-attribute-names-refused", ("P-3.4.2.5-03", "P-3.10-01"),
     "URN-qualified names in attributes/excludedAttributes are refused with 400.",
     None, _UrnAttributeNamesRefused),
    ("password-returned-on-request", ("C-7-17", "C-4.1.1-07", "C-7-15"),
     "?attributes=password returns the password.",
     _each_resource(_password_returned_on_request), None),
    ("put-merges", ("P-3.5.1-02",),
     "PUT merges into the stored resource (multi-valued values are appended).",
     None, _PutMerges),
    ("schema-advertises-immutable", ("C-7-14",),
     "/Schemas declares User nickName immutable but PUT changes it.",
     _schema_advertises_immutable, None),
    ("put-response-differs-from-get", ("P-3.1-03",),
     "The PUT response leaves out phoneNumbers that a GET shows.",
     _each_resource(_put_response_differs), None),
    ("last-modified-frozen", ("C-3.1-18",),
     "meta.lastModified never moves past meta.created.",
     _each_resource(_last_modified_frozen), None),
    ("single-value-not-array", ("P-3.8-05",),
     "A single email is returned as an object, not an array.",
     _each_resource(_single_value_not_array), None),
    ("empty-required-accepted", ("C-4.1.1-01",),
     'POST /Users with userName "" is accepted (presence-only check).', None,
     _EmptyRequiredAccepted),
    ("two-primaries-accepted", ("C-2.4-02",),
     "Two emails with primary=true are accepted and returned.", None, _TwoPrimariesAccepted),
    ("active-as-text", ("C-2.3-02",),
     'GET /Users/{id} returns "Active": "true" (a string, key in another case).',
     _each_resource(_active_as_text), None),
]  # fmt: skip

for _name, _requirements, _description, _response, _decorator in _DEFECTS:
    register(
        Defect(_name, _requirements, _description, response=_response, wrap_provider=_decorator)
    )
