"""Defects of resource CRUD and schema rules: create, retrieve, replace, returned, uniqueness.

Each defect breaks the catalog requirements it names, so that ``tests/harness`` can prove the
checks of ``scim_tests/checks/test_{create,retrieve,replace,schema_rules}.py`` fail. Defects
wrap provider/store methods of one app instance or transform responses; domain code is never
branched on a fault.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_mock import errors
from scim_mock.faults import Fault, register, response_json, rewrite
from scim_mock.provider import Query, QueryResult, ServiceProvider
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER, ResourceType

Resource = dict[str, Any]
_SINGLE = re.compile(r"/(Users|Groups)/[^/.][^/]*$")


def _key(body: dict[str, Any], name: str) -> str | None:
    return next((k for k in body if isinstance(k, str) and k.lower() == name.lower()), None)


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


def _swap(target: object, name: str, function: Callable[..., Any]) -> None:
    """Replace one method of this provider or store instance (never the class)."""
    setattr(target, name, function)


def _rekey(provider: ServiceProvider, rt: ResourceType, old_id: str, new_id: str) -> str:
    """Move a stored resource to another id (through snapshot/restore); the id it ends up at."""
    snapshot = provider.store.snapshot()
    table = snapshot["resources"].get(rt.name, {})
    if old_id not in table or new_id in table:
        return old_id
    resource = table.pop(old_id)
    resource["id"] = new_id
    table[new_id] = resource
    provider.store.restore(snapshot)
    return new_id


# -- create ----------------------------------------------------------------------------------


def _create_uses_client_id(provider: ServiceProvider) -> None:
    original = provider.create

    def create(rt: ResourceType, body: Any) -> Resource:
        created = original(rt, body)
        wanted = body.get(_key(body, "id") or "id") if isinstance(body, dict) else None
        if isinstance(wanted, str) and wanted:
            return provider.get(rt, _rekey(provider, rt, created["id"], wanted))
        return created

    _swap(provider, "create", create)


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


def _remember_on_read(
    provider: ServiceProvider, pick: Callable[[ResourceType, dict[str, Any]], Resource | None]
) -> None:
    """Values ``pick`` takes from a POST/PUT body are shown on every later read of that id."""
    remembered: dict[str, Resource] = {}
    create, replace, computed = provider.create, provider.replace, provider._with_computed

    def strip(rt: ResourceType, body: Any) -> Any:
        kept = pick(rt, body) if isinstance(body, dict) else None
        if not kept:
            return body, None
        lowered = {k.lower() for k in kept}
        return {k: v for k, v in body.items() if k.lower() not in lowered}, kept

    def new_create(rt: ResourceType, body: Any) -> Resource:
        body, kept = strip(rt, body)
        created = create(rt, body)
        if kept:
            remembered[created["id"]] = kept
        return provider._with_computed(rt, created)

    def new_replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        body, kept = strip(rt, body)
        if kept:
            remembered[resource_id] = kept
        return replace(rt, resource_id, body, *args)

    def with_computed(rt: ResourceType, resource: Resource) -> Resource:
        result = computed(rt, resource)
        return {**result, **copy.deepcopy(remembered.get(str(result.get("id")), {}))}

    _swap(provider, "create", new_create)
    _swap(provider, "replace", new_replace)
    _swap(provider, "_with_computed", with_computed)


def _readonly_groups_accepted(provider: ServiceProvider) -> None:
    def pick(rt: ResourceType, body: dict[str, Any]) -> Resource | None:
        key = _key(body, "groups")
        return {"groups": body[key]} if rt.schema == USER and key else None

    _remember_on_read(provider, pick)


def _two_primaries_accepted(provider: ServiceProvider) -> None:
    def pick(rt: ResourceType, body: dict[str, Any]) -> Resource | None:
        key = _key(body, "emails")
        values = body.get(key) if key else None
        if isinstance(values, list):
            primaries = [v for v in values if isinstance(v, dict) and v.get("primary") is True]
            if len(primaries) > 1:
                return {"emails": values}
        return None

    _remember_on_read(provider, pick)


def _externalid_lowercased(req: Request, resource: dict[str, Any]) -> bool:
    value = resource.get("externalId")
    if isinstance(value, str) and value != value.lower():
        resource["externalId"] = value.lower()
        return True
    return False


def _fill_create(
    provider: ServiceProvider, change: Callable[[ResourceType, dict[str, Any]], None]
) -> None:
    original = provider.create

    def create(rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict):
            body = copy.deepcopy(body)
            change(rt, body)
        return original(rt, body)

    _swap(provider, "create", create)


def _missing_required_accepted(provider: ServiceProvider) -> None:
    def change(rt: ResourceType, body: dict[str, Any]) -> None:
        key = _key(body, "userName")
        if rt.schema == USER and (key is None or body[key] in ("", None)):
            body[key or "userName"] = f"generated-{uuid.uuid4()}"

    _fill_create(provider, change)


def _wrong_type_accepted(provider: ServiceProvider) -> None:
    def change(rt: ResourceType, body: dict[str, Any]) -> None:
        key = _key(body, "active")
        if key and isinstance(body[key], str):
            body[key] = body[key].lower() in ("yes", "true", "1", "on")

    _fill_create(provider, change)


def _names_case_sensitive(provider: ServiceProvider) -> None:
    def change(rt: ResourceType, body: dict[str, Any]) -> None:
        schema = provider.registry.schema(rt.schema)
        names = {a.name for a in schema.attributes} if schema else set()
        names |= {"schemas", "id", "externalId", "meta"}
        for key in [k for k in body if k not in names and not k.lower().startswith("urn:")]:
            del body[key]

    _fill_create(provider, change)


def _uniqueness_case_sensitive(provider: ServiceProvider) -> None:
    spec = getattr(provider.store, "_unique_spec", {})
    for attributes in spec.values():
        for key, (name, _) in list(attributes.items()):
            attributes[key] = (name, True)


def _uniqueness_not_enforced(provider: ServiceProvider) -> None:
    _swap(provider.store, "_check_unique", lambda *args, **kwargs: None)


def _put_uniqueness_not_enforced(provider: ServiceProvider) -> None:
    original = getattr(provider.store, "_check_unique")  # noqa: B009

    def check(resource_type: str, resource: Resource, own_id: str | None) -> None:
        if own_id is None:  # creates are still checked; replacements are not
            original(resource_type, resource, own_id)

    _swap(provider.store, "_check_unique", check)


def _new_ids(provider: ServiceProvider, choose: Callable[[ResourceType, str], str]) -> None:
    original = provider.create

    def create(rt: ResourceType, body: Any) -> Resource:
        created = original(rt, body)
        return provider.get(rt, _rekey(provider, rt, created["id"], choose(rt, created["id"])))

    _swap(provider, "create", create)


def _id_contains_bulkid(provider: ServiceProvider) -> None:
    _new_ids(provider, lambda rt, old: f"bulkId-{old}")


def _ids_shared_across_types(provider: ServiceProvider) -> None:
    last_user: dict[str, str] = {}

    def choose(rt: ResourceType, old: str) -> str:
        if rt.schema == USER:
            last_user["id"] = old
            return old
        return last_user.get("id", old)

    _new_ids(provider, choose)


def _extension_dropped(req: Request, resource: dict[str, Any]) -> bool:
    if ENTERPRISE_USER not in resource.get("schemas", []):
        return False
    resource.pop(ENTERPRISE_USER, None)
    resource["schemas"] = [s for s in resource["schemas"] if s != ENTERPRISE_USER]
    return True


def _projection(provider: ServiceProvider, ignore: Callable[[list[str] | None], bool]) -> None:
    """present() drops the attributes/excludedAttributes parameters when ``ignore`` says so."""
    original = provider.present

    def present(
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        if has_request_context() and ignore(attributes):
            return original(rt, resource)
        return original(rt, resource, attributes, excluded_attributes)

    _swap(provider, "present", present)


def _post_ignores_attributes(provider: ServiceProvider) -> None:
    _projection(provider, lambda attributes: request.method == "POST")


def _attributes_param_ignored(provider: ServiceProvider) -> None:
    _projection(provider, lambda attributes: request.method == "GET")


def _sub_attribute_projection_ignored(provider: ServiceProvider) -> None:
    original = provider.present

    def present(rt: ResourceType, resource: Resource, attributes: Any = None, *rest: Any) -> Any:
        if attributes:
            attributes = [a.rsplit(":", 1)[-1].split(".")[0] for a in attributes]
        return original(rt, resource, attributes, *rest)

    _swap(provider, "present", present)


def _urn_attribute_names_refused(provider: ServiceProvider) -> None:
    original = provider.present

    def present(rt: ResourceType, resource: Resource, *names: Any) -> Any:
        for listed in names:
            if any(str(n).lower().startswith("urn:") for n in listed or ()):
                raise errors.InvalidValue("URN-qualified attribute names are not supported.")
        return original(rt, resource, *names)

    _swap(provider, "present", present)


# -- retrieve --------------------------------------------------------------------------------


def _get_omits_meta(req: Request, resource: dict[str, Any]) -> bool:
    return _single_get(req) and resource.pop("meta", None) is not None


def _not_found_not_scim(req: Request, response: Response) -> Response:
    if req.method == "GET" and response.status_code == 404:
        response.set_data(b"Not Found")
        response.content_type = "text/plain"
    return response


def _get_cross_type(provider: ServiceProvider) -> None:
    original = provider.get

    def get(rt: ResourceType, resource_id: str) -> Resource:
        try:
            return original(rt, resource_id)
        except errors.NotFound:
            for other in provider.registry.resource_types():
                if other.name != rt.name and other.schema in (USER, GROUP):
                    try:
                        return original(other, resource_id)
                    except errors.NotFound:
                        continue
            raise

    _swap(provider, "get", get)


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


def _put_merges(provider: ServiceProvider) -> None:
    original = provider.replace

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        if isinstance(body, dict):
            old = provider.store.get(rt.name, resource_id)
            merged = {k: v for k, v in old.items() if k not in ("id", "meta")}
            for key, value in body.items():
                stored = _key(merged, key)
                if stored and isinstance(value, list) and isinstance(merged[stored], list):
                    merged[stored] = merged[stored] + value
                else:
                    merged.pop(stored or key, None)
                    merged[key] = value
            body = merged
        return original(rt, resource_id, body, *args)

    _swap(provider, "replace", replace)


def _put_changes_id(provider: ServiceProvider) -> None:
    original = provider.replace

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        result = original(rt, resource_id, body, *args)
        wanted = body.get(_key(body, "id") or "id") if isinstance(body, dict) else None
        if isinstance(wanted, str) and wanted and wanted != resource_id:
            return provider.get(rt, _rekey(provider, rt, resource_id, wanted))
        return result

    _swap(provider, "replace", replace)


def _put_creates(provider: ServiceProvider) -> None:
    original = provider.replace

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        try:
            return original(rt, resource_id, body, *args)
        except errors.NotFound:
            return provider.create(rt, body)

    _swap(provider, "replace", replace)


def _put_clears_required(provider: ServiceProvider) -> None:
    original = provider.replace

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        key = _key(body, "userName") if isinstance(body, dict) else "userName"
        if rt.schema == USER and (key is None or body[key] in ("", None)):
            old = provider.store.get(rt.name, resource_id)
            kept = {k: v for k, v in old.items() if k != "userName"}
            provider.store.replace(rt.name, resource_id, kept)
            return provider.get(rt, resource_id)
        return original(rt, resource_id, body, *args)

    _swap(provider, "replace", replace)


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


def _equality(text: str | None, attribute: str) -> str | None:
    match = re.fullmatch(rf'\s*{attribute}\s+eq\s+"(.*)"\s*', text or "", re.IGNORECASE)
    return match.group(1) if match else None


def _filter_username_case_sensitive(provider: ServiceProvider) -> None:
    original = provider.query

    def query(rts: Any, q: Query) -> QueryResult:
        result = original(rts, q)
        wanted = _equality(q.filter, "userName")
        if wanted is None:
            return result
        kept = [(rt, r) for rt, r in result.resources if r.get("userName") == wanted]
        return QueryResult(kept, len(kept), result.start_index, len(kept))

    _swap(provider, "query", query)


def _filter_externalid_case_insensitive(provider: ServiceProvider) -> None:
    original = provider.query

    def query(rts: Any, q: Query) -> QueryResult:
        rts = list(rts)
        wanted = _equality(q.filter, "externalId")
        if wanted is None:
            return original(rts, q)
        found = [
            (rt, provider.get(rt, r["id"]))
            for rt in rts
            for r in provider.store.list(rt.name)
            if str(r.get("externalId", "")).lower() == wanted.lower()
        ]
        return QueryResult(found, len(found), 1, len(found))

    _swap(provider, "query", query)


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


_DEFECTS: list[tuple[str, tuple[str, ...], str, Any, Any]] = [
    # name, requirements, description, response transform, provider wrapper
    ("create-uses-client-id", ("C-3.1-07", "P-3.3-01"),
     "POST stores the resource under the id the client sent.", None, _create_uses_client_id),
    ("create-keeps-client-meta", ("C-3.1-14",),
     "The 201 body shows the meta values the client sent.", _create_keeps_client_meta, None),
    ("location-mismatch", ("P-3.3-05", "P-3.3-06"),
     "The Location header of a 201 names the collection, not meta.location.",
     _location_mismatch, None),
    ("last-modified-differs-on-create", ("C-3.1-17",),
     "Right after POST, meta.lastModified differs from meta.created.",
     _last_modified_differs, None),
    ("readonly-groups-accepted", ("P-3.3-01", "P-3.5.1-06", "C-7-13"),
     "A User's groups sent in POST/PUT are stored and shown.", None, _readonly_groups_accepted),
    ("externalid-lowercased", ("C-3.1-10", "C-3.1-12", "C-7-11"),
     "externalId is returned lower-cased.", _each_resource(_externalid_lowercased), None),
    ("missing-required-accepted", ("C-4.1.1-01",),
     "POST /Users without userName is accepted (a name is generated).",
     None, _missing_required_accepted),
    ("wrong-type-accepted", ("P-3.12-22", "P-3.12-07"),
     'POST with active:"yes" is accepted and coerced.', None, _wrong_type_accepted),
    ("attribute-names-case-sensitive", ("C-2.1-01",),
     "POST ignores attribute names whose case differs from the schema.",
     None, _names_case_sensitive),
    ("uniqueness-case-sensitive", ("C-4.1.1-03", "P-5-01"),
     "userName uniqueness compares case-sensitively.", None, _uniqueness_case_sensitive),
    ("uniqueness-not-enforced", ("P-3.3-07", "C-4.1.1-02", "C-7-22"),
     "Duplicate unique values are accepted.", None, _uniqueness_not_enforced),
    ("id-contains-bulkid", ("C-3.1-08",),
     "Server-assigned ids contain the reserved string bulkId.", None, _id_contains_bulkid),
    ("ids-shared-across-types", ("C-3.1-05",),
     "A new Group gets the id of the last created User.", None, _ids_shared_across_types),
    ("extension-dropped", ("C-3.3-02", "C-3.3-04"),
     "Enterprise extension values and URN are left out of responses.",
     _each_resource(_extension_dropped), None),
    ("post-ignores-attributes", ("P-3.9-01",),
     "POST ignores attributes/excludedAttributes.", None, _post_ignores_attributes),
    ("get-omits-meta", ("P-3.4-01",),
     "GET of a single resource leaves meta out.", _each_resource(_get_omits_meta), None),
    ("not-found-not-scim", ("P-3.12-01",),
     "A GET answered 404 has a text/plain body, not a SCIM Error.", _not_found_not_scim, None),
    ("get-cross-type", ("P-3.12-10",),
     "GET /Groups/<user id> answers the User (and vice versa).", None, _get_cross_type),
    ("meta-location-broken", ("C-3.1-20",),
     "GET of a single resource shows a meta.location that does not resolve.",
     _each_resource(_meta_location_broken), None),
    ("attributes-param-ignored", ("P-3.9-02", "C-7-19"),
     "GET ignores attributes/excludedAttributes.", None, _attributes_param_ignored),
    ("projection-drops-id", ("C-3.1-09", "P-3.4.2.5-02", "C-7-16"),
     "GET with attributes/excludedAttributes leaves id out.",
     _each_resource(_projection_drops_id), None),
    ("sub-attribute-projection-ignored", ("P-3.9-04",),
     "attributes=name.familyName returns the whole name.", None,
     _sub_attribute_projection_ignored),
    ("urn-attribute-names-refused", ("P-3.4.2.5-03",),
     "URN-qualified names in attributes/excludedAttributes are refused with 400.",
     None, _urn_attribute_names_refused),
    ("password-returned-on-request", ("C-7-17", "C-4.1.1-07"),
     "?attributes=password returns the password.",
     _each_resource(_password_returned_on_request), None),
    ("put-merges", ("P-3.5.1-02",),
     "PUT merges into the stored resource (multi-valued values are appended).",
     None, _put_merges),
    ("put-changes-id", ("C-3.1-06",),
     "PUT moves the resource to the id given in the body.", None, _put_changes_id),
    ("put-creates", ("P-3.5.1-01",),
     "PUT to an unknown id creates a resource.", None, _put_creates),
    ("put-clears-required", ("P-3.5.1-07",),
     "PUT without userName leaves the User without one.", None, _put_clears_required),
    ("schema-advertises-immutable", ("C-7-14",),
     "/Schemas declares User nickName immutable but PUT changes it.",
     _schema_advertises_immutable, None),
    ("put-response-differs-from-get", ("P-3.1-03",),
     "The PUT response leaves out phoneNumbers that a GET shows.",
     _each_resource(_put_response_differs), None),
    ("last-modified-frozen", ("C-3.1-18",),
     "meta.lastModified never moves past meta.created.",
     _each_resource(_last_modified_frozen), None),
    ("put-uniqueness-not-enforced", ("P-3.12-17",),
     "PUT may give a User another User's userName.", None, _put_uniqueness_not_enforced),
    ("filter-username-case-sensitive", ("C-4.1.1-03",),
     'filter userName eq "X" matches case-sensitively.', None, _filter_username_case_sensitive),
    ("filter-externalid-case-insensitive", ("C-3.1-12", "C-7-10"),
     'filter externalId eq "X" ignores case.', None, _filter_externalid_case_insensitive),
    ("single-value-not-array", ("P-3.8-05",),
     "A single email is returned as an object, not an array.",
     _each_resource(_single_value_not_array), None),
    ("two-primaries-accepted", ("C-2.4-02",),
     "Two emails with primary=true are accepted and returned.", None, _two_primaries_accepted),
    ("active-as-text", ("C-2.3-02",),
     'GET /Users/{id} returns "Active": "true" (a string, key in another case).',
     _each_resource(_active_as_text), None),
]  # fmt: skip

for _name, _requirements, _description, _response, _provider in _DEFECTS:
    register(Fault(_name, _requirements, _description, response=_response, provider=_provider))
