"""Defects of the security_data area: readOnly data written, secrets echoed, identifiers
aliased, filters and paths injected (checks: ``scim_tests/checks/test_security_{writes,secrets,
identity,injection}.py``).

Each models a bug real servers have had, named in its docstring (Grafana CVE-2025-41115,
authentik GHSA-9m7q-6qg6-888h, scim-patch CVE-2026-48170, SCIMono CVE-2021-21479, SQL ``LIKE``,
regex and LDAP filters built unescaped); they reach the mock only through its public seams.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response

from scim_defects.common import key_of, relative_path
from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import errors
from scim_mock.filters import And, Comparison, Filter, Not, Or
from scim_mock.operations import Provider, ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import GROUP, USER, ResourceType, SchemaRegistry
from scim_mock.seams import Seams

Resource = dict[str, Any]
Predicate = Callable[[Resource], bool]
#: meta sub-attributes by lower-case name (clients spell them in any case).
_META = {n.lower(): n for n in ("created", "lastModified", "resourceType", "location", "version")}


def _op_parts(op: Any) -> tuple[str | None, Any]:
    """(path, value) of one PATCH operation (keys in any case)."""
    if not isinstance(op, dict):
        return None, None
    path, value = op.get(key_of(op, "path") or "path"), op.get(key_of(op, "value") or "value")
    return (path if isinstance(path, str) else None), value


# -- readOnly data written -------------------------------------------------------------------


class _Shown(ProviderDecorator):
    """Base: every representation read or written passes through :meth:`shown`."""

    def shown(self, resource: Resource) -> Resource:
        return resource

    def create(self, rt: ResourceType, body: Any) -> Resource:
        return self.shown(self.inner.create(rt, body))

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        return self.shown(self.inner.get(rt, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.shown(self.inner.replace(rt, resource_id, body, if_match))

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        shown = [(rt, self.shown(r)) for rt, r in result.resources]
        return QueryResult(shown, result.total_results, result.start_index, result.items_per_page)

    def present(self, rt: ResourceType, resource: Resource, *projection: Any) -> Resource:
        return self.shown(self.inner.present(rt, resource, *projection))


class _PatchMetaWritable(_Shown):
    """PATCH stores client-sent meta values (``meta.created`` by path, or a path-less ``meta``
    object) instead of refusing them as mutability; the other operations apply as usual."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.written: dict[str, dict[str, Any]] = {}

    def shown(self, resource: Resource) -> Resource:
        own = self.written.get(str(resource.get("id")))
        if not own:
            return resource
        return {**resource, "meta": {**(resource.get("meta") or {}), **own}}

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if not isinstance(operations, list):
            return self.shown(self.inner.patch(rt, resource_id, operations, if_match))
        kept, written = [], {}
        for op in operations:
            path, value = _op_parts(op)
            if path is not None and path.lower().startswith("meta."):
                name = _META.get(path[5:].lower())
                if name is not None:
                    written[name] = value
                    continue
            if path is None and isinstance(value, dict) and key_of(value, "meta"):
                meta = value[key_of(value, "meta") or "meta"]
                if isinstance(meta, dict):
                    written.update({_META[k.lower()]: v for k, v in meta.items()
                                    if k.lower() in _META})  # fmt: skip
                value = {k: v for k, v in value.items() if k.lower() not in ("meta", "id")}
                if not value:
                    continue
                op = {**op, key_of(op, "value") or "value": value}
            kept.append(op)
        if written and not kept:
            result = self.inner.get(rt, resource_id)
        else:
            result = self.inner.patch(rt, resource_id, kept, if_match)
        if written:
            self.written.setdefault(str(result["id"]), {}).update(written)
        return self.shown(result)

    def reset(self) -> None:
        self.inner.reset()
        self.written.clear()


class _PutTargetsBodyId(ProviderDecorator):
    """PUT replaces the resource named by the body's ``id`` when it names one, not the one of
    the URL (the handler reads the record key from the payload)."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        wanted = body.get(key_of(body, "id") or "id") if isinstance(body, dict) else None
        if isinstance(wanted, str) and wanted != resource_id:
            try:
                self.inner.get(rt, wanted)
                resource_id = wanted
            except errors.NotFound:
                pass
        return self.inner.replace(rt, resource_id, body, if_match)


# -- secrets echoed --------------------------------------------------------------------------


def _password_sent(body: Any) -> Any:
    """The password a PUT body or PATCH request sets, if any."""
    if not isinstance(body, dict):
        return None
    if key_of(body, "password"):
        return body[key_of(body, "password") or "password"]
    for op in body.get(key_of(body, "Operations") or "Operations") or []:
        path, value = _op_parts(op)
        if path is not None and path.lower() == "password":
            return value
        if path is None and isinstance(value, dict) and key_of(value, "password"):
            return value[key_of(value, "password") or "password"]
    return None


def _write_echoes_password(req: Request, response: Response) -> Response:
    """The answer to a PUT or PATCH is the stored record merged with the request, so the
    password just set comes back."""
    if req.method not in ("PUT", "PATCH") or response.status_code != 200:
        return response
    if not relative_path(req).startswith("/Users/"):
        return response
    body, password = response_json(response), _password_sent(req.get_json(silent=True))
    if not isinstance(body, dict) or password is None:
        return response
    return rewrite(response, {**body, "password": password})


def _bulk_results_echo_data(req: Request, response: Response) -> Response:
    """Each successful /Bulk result carries a ``response`` built from the operation's data as
    sent (a debugging aid left on), password included."""
    if req.method != "POST" or relative_path(req) != "/Bulk" or response.status_code != 200:
        return response
    sent, body = req.get_json(silent=True), response_json(response)
    if not isinstance(sent, dict) or not isinstance(body, dict):
        return response
    operations = sent.get(key_of(sent, "Operations") or "Operations") or []
    results = body.get("Operations") or []
    for op, result in zip(operations, results, strict=False):
        if isinstance(op, dict) and isinstance(result, dict) and "response" not in result:
            data = op.get(key_of(op, "data") or "data")
            if isinstance(data, dict) and str(result.get("status", "")).startswith("2"):
                result["response"] = data
    return rewrite(response, body)


# -- filters compiled without care -----------------------------------------------------------

Special = Callable[[Comparison, SchemaRegistry, ResourceType], "Predicate | None"]


def _top_level_text(resource: Resource, node: Comparison) -> str | None:
    """The string value of a core, single-valued top-level attribute the comparison names."""
    path = node.path
    if path.sub_attribute is not None or path.attribute is None:
        return None
    value = resource.get(key_of(resource, path.attribute) or "")
    return value if isinstance(value, str) else None


def _comparisons_by(special: Special) -> Callable[[Seams], Seams]:
    """A seams change compiling the comparisons ``special`` claims by its own rule (the rest
    of the filter, and its logic, as before)."""

    def change(seams: Seams) -> Seams:
        inner = seams.compile_filter

        def compile_filter(node: Filter, registry: SchemaRegistry, rt: ResourceType) -> Predicate:
            def walk(n: Filter) -> Predicate:
                if isinstance(n, Comparison):
                    own = special(n, registry, rt)
                    if own is not None:
                        return own
                if isinstance(n, And | Or):
                    left, right, both = walk(n.left), walk(n.right), isinstance(n, And)
                    if both:
                        return lambda r: left(r) and right(r)
                    return lambda r: left(r) or right(r)
                if isinstance(n, Not):
                    operand = walk(n.operand)
                    return lambda r: not operand(r)
                return inner(n, registry, rt)

            return walk(node)

        return seams.replace(compile_filter=compile_filter)

    return change


def _string_ops(node: Comparison, ops: tuple[str, ...]) -> str | None:
    """The literal of a comparison with one of ``ops`` and a string value, else None."""
    value = node.value
    return value if node.op in ops and isinstance(value, str) else None


def _password_cleartext(node: Comparison, registry: SchemaRegistry, rt: ResourceType) -> Any:
    """password is stored in cleartext and any operator compares it (an oracle)."""
    literal = _string_ops(node, ("co", "sw", "ew", "gt", "ge", "lt", "le"))
    if literal is None or str(node.path.attribute).lower() != "password":
        return None
    test: Callable[[str], bool] = {
        "co": lambda v: literal in v, "sw": lambda v: v.startswith(literal),
        "ew": lambda v: v.endswith(literal), "gt": lambda v: v > literal,
        "ge": lambda v: v >= literal, "lt": lambda v: v < literal, "le": lambda v: v <= literal,
    }[node.op]  # fmt: skip
    return lambda r: (v := _top_level_text(r, node)) is not None and test(v)


def _anchored(pattern: str, op: str) -> str:
    return {"sw": f"^(?:{pattern})", "ew": f"(?:{pattern})$", "co": pattern}[op]


def _like_unescaped(node: Comparison, registry: SchemaRegistry, rt: ResourceType) -> Any:
    """co/sw/ew become ``LIKE '%value%'`` with ``%`` and ``_`` of the value left unescaped."""
    literal = _string_ops(node, ("co", "sw", "ew"))
    if literal is None or not any(c in literal for c in "%_"):
        return None
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in literal]
    compiled = re.compile(_anchored("".join(parts), node.op), re.IGNORECASE | re.DOTALL)
    return lambda r: (v := _top_level_text(r, node)) is not None and bool(compiled.search(v))


def _regex_unescaped(node: Comparison, registry: SchemaRegistry, rt: ResourceType) -> Any:
    """co/sw/ew become a regular expression built from the value without escaping it."""
    literal = _string_ops(node, ("co", "sw", "ew"))
    if literal is None:
        return None
    try:
        compiled = re.compile(_anchored(literal, node.op), re.IGNORECASE)
    except re.error:
        return None  # the server's fallback: compare literally
    return lambda r: (v := _top_level_text(r, node)) is not None and bool(compiled.search(v))


def _ldap_unescaped(node: Comparison, registry: SchemaRegistry, rt: ResourceType) -> Any:
    """eq/co/sw/ew become LDAP assertions (``(displayName=value)``, ``(displayName=*value*)``)
    with ``*`` of the value left unescaped, so it is a wildcard (LDAP injection)."""
    literal = _string_ops(node, ("eq", "co", "sw", "ew"))
    if literal is None or "*" not in literal:
        return None
    pattern = ".*".join(re.escape(part) for part in literal.split("*"))
    pattern = f"^(?:{pattern})$" if node.op == "eq" else _anchored(pattern, node.op)
    compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    return lambda r: (v := _top_level_text(r, node)) is not None and bool(compiled.search(v))


# -- identifiers aliased ---------------------------------------------------------------------


class _Redirected(ProviderDecorator):
    """Base: the URL's (type, id) is resolved to another stored resource by :meth:`target`."""

    def target(self, rt: ResourceType, resource_id: str) -> tuple[ResourceType, str]:
        return rt, resource_id

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        return self.inner.get(*self.target(rt, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.replace(*self.target(rt, resource_id), body, if_match)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.patch(*self.target(rt, resource_id), operations, if_match)

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        self.inner.delete(*self.target(rt, resource_id), if_match)


class _LookupPrefersExternalId(_Redirected):
    """A resource URL's key is looked up as an externalId first, then as an id: a numeric or
    foreign externalId names the resource it collides with (Grafana CVE-2025-41115)."""

    def target(self, rt: ResourceType, resource_id: str) -> tuple[ResourceType, str]:
        text = f"externalId eq {json.dumps(resource_id)}"
        found = self.inner.query([rt], Query(filter=text, start_index=1, count=1))
        return rt, str(found.resources[0][1]["id"]) if found.resources else resource_id


class _OneTable(_Redirected):
    """Users and Groups live in one table: an id of either type answers (and is changed) at
    both endpoints."""

    def target(self, rt: ResourceType, resource_id: str) -> tuple[ResourceType, str]:
        types = self.registry.resource_types()
        for other in [rt, *(t for t in types if t.name != rt.name and t.schema in (USER, GROUP))]:
            try:
                self.inner.get(other, resource_id)
                return other, resource_id
            except errors.NotFound:
                continue
        return rt, resource_id


#: ``id eq "..."`` (not ``x.id`` nor ``externalId``) inside filter text.
_ID_EQ = re.compile(r'(?<![\w.:$-])id\s+eq\s+("(?:[^"\\]|\\.)*")', re.IGNORECASE)


class _IdFilterMatchesExternalId(ProviderDecorator):
    """``id eq "X"`` is run as an identifier search over id and externalId alike."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        if query.filter:
            text = _ID_EQ.sub(r"(id eq \1 or externalId eq \1)", query.filter)
            query = Query(text, query.sort_by, query.sort_order, query.start_index,
                          query.count, query.attributes, query.excluded_attributes)  # fmt: skip
        return self.inner.query(rts, query)


class _GroupCreateMergesByName(ProviderDecorator):
    """POST /Groups with the displayName of an existing group adds the members sent to that
    group and answers it, as if provisioning "linked" it (authentik GHSA-9m7q-6qg6-888h)."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        name = body.get(key_of(body, "displayName") or "") if isinstance(body, dict) else None
        if rt.schema != GROUP or not isinstance(name, str):
            return self.inner.create(rt, body)
        found = self.inner.query([rt], Query(filter=f"displayName eq {json.dumps(name)}",
                                             start_index=1, count=1))  # fmt: skip
        if not found.resources:
            return self.inner.create(rt, body)
        existing = found.resources[0][1]
        members = body.get(key_of(body, "members") or "members")
        if not members:
            return existing
        add = [{"op": "add", "path": "members", "value": members}]
        return self.inner.patch(rt, str(existing["id"]), add)


class _UserCreateUpserts(ProviderDecorator):
    """POST /Users with a taken userName overwrites the user holding it (an "upsert")."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        try:
            return self.inner.create(rt, body)
        except errors.Uniqueness:
            name = body.get(key_of(body, "userName") or "") if isinstance(body, dict) else None
            if rt.schema != USER or not isinstance(name, str):
                raise
            text = f"userName eq {json.dumps(name)}"
            found = self.inner.query([rt], Query(filter=text, start_index=1, count=1))
            if not found.resources:
                raise
            return self.inner.replace(rt, str(found.resources[0][1]["id"]), body)


# -- injection -------------------------------------------------------------------------------

_PROTOTYPE = re.compile(r"^(?:__proto__|constructor\.prototype)(?:\.(?P<key>\w+))?$", re.I)


class _PatchWalksPrototype(_Shown):
    """The PATCH engine walks paths through a shared object: ``__proto__`` and
    ``constructor.prototype`` reach the defaults every representation inherits
    (scim-patch CVE-2026-48170)."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.lock = threading.Lock()
        self.defaults: dict[str, Any] = {}  # kept across a reset, like a polluted prototype

    def shown(self, resource: Resource) -> Resource:
        return {**self.defaults, **resource} if self.defaults else resource

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        kept = []
        for op in operations if isinstance(operations, list) else []:
            path, value = _op_parts(op)
            match = _PROTOTYPE.match(path or "")
            if match is None:
                kept.append(op)
            elif match.group("key"):
                with self.lock:
                    self.defaults[match.group("key")] = value
            elif isinstance(value, dict):
                with self.lock:
                    self.defaults.update(value)
        if isinstance(operations, list) and not kept and operations:
            return self.shown(self.inner.get(rt, resource_id))
        return self.shown(self.inner.patch(rt, resource_id, kept or operations, if_match))


#: ``${a*b}`` / ``#{a+b}``: what the template engine of the error renderer evaluates.
_TEMPLATE = re.compile(r"[$#]\{\s*(\d{1,7})\s*([*+-])\s*(\d{1,7})\s*\}")


def _evaluate(match: re.Match[str]) -> str:
    left, op, right = int(match.group(1)), match.group(2), int(match.group(3))
    return str(left * right if op == "*" else left + right if op == "+" else left - right)


def _error_detail_templated(req: Request, response: Response) -> Response:
    """Error details are rendered through an expression template, so the request text they
    quote is evaluated (SCIMono CVE-2021-21479)."""
    if response.status_code < 400:
        return response
    body = response_json(response)
    if not isinstance(body, dict) or not isinstance(body.get("detail"), str):
        return response
    return rewrite(response, {**body, "detail": _TEMPLATE.sub(_evaluate, body["detail"])})


_DEFECTS: list[tuple[str, tuple[str, ...], str, dict[str, Any]]] = [
    ("patch-meta-writable", ("C-7-13", "C-3.1-14", "P-3.5.2-08"),
     "PATCH stores client-sent meta values (meta.created by path or a meta object).",
     {"wrap_provider": _PatchMetaWritable}),
    ("put-targets-body-id", ("C-7-13", "C-3.1-06", "P-3.5.1-06"),
     "PUT replaces the resource the body's id names, not the one of the URL.",
     {"wrap_provider": _PutTargetsBodyId}),
    ("write-echoes-password", ("C-4.1.1-07", "C-7-17"),
     "PUT and PATCH answers on Users include the password the request set.",
     {"response": _write_echoes_password}),
    ("bulk-results-echo-data", ("C-4.1.1-07", "C-7-17"),
     "Successful /Bulk results carry the operation's data as sent, password included.",
     {"response": _bulk_results_echo_data}),
    ("password-filter-cleartext", ("C-4.1.1-07", "C-9.2-01"),
     "Filters compare the stored cleartext password with any operator (sw, co, gt, ...).",
     {"change_seams": _comparisons_by(_password_cleartext)}),
    ("filter-like-unescaped", ("P-3.4.2.2-07", "P-3.4.2.2-08", "P-3.4.2.2-09"),
     "co/sw/ew become SQL LIKE patterns with % and _ of the value left unescaped.",
     {"change_seams": _comparisons_by(_like_unescaped)}),
    ("filter-regex-unescaped", ("P-3.4.2.2-07", "P-3.4.2.2-08", "P-3.4.2.2-09"),
     "co/sw/ew become regular expressions built from the value without escaping.",
     {"change_seams": _comparisons_by(_regex_unescaped)}),
    ("filter-ldap-unescaped", ("P-3.4.2.2-05", "P-3.4.2.2-07", "P-3.4.2.2-02"),
     "eq/co/sw/ew become LDAP assertions with * of the value left a wildcard.",
     {"change_seams": _comparisons_by(_ldap_unescaped)}),
    ("lookup-prefers-externalid", ("C-3.1-06", "P-3.4.1-01"),
     "A URL's key is looked up as externalId first, then as id.",
     {"wrap_provider": _LookupPrefersExternalId}),
    ("id-filter-matches-externalid", ("P-3.4.2.2-02", "C-3.1-12"),
     'filter id eq "X" also selects resources whose externalId is X.',
     {"wrap_provider": _IdFilterMatchesExternalId}),
    ("ids-one-table", ("P-3.12-10", "C-3.1-05"),
     "A User id answers (and is changed) at /Groups/<id>, a Group id at /Users/<id>.",
     {"wrap_provider": _OneTable}),
    ("group-create-merges-by-name", ("P-3.3-03", "C-4.2-03"),
     "POST /Groups with an existing displayName adds the members to that group.",
     {"wrap_provider": _GroupCreateMergesByName}),
    ("user-create-upserts", ("P-3.3-07", "C-4.1.1-02"),
     "POST /Users with a taken userName overwrites the user holding it.",
     {"wrap_provider": _UserCreateUpserts}),
    ("patch-prototype-pollution", ("P-3.5.2-07",),
     "PATCH paths __proto__.x / constructor.prototype.x set x on every representation.",
     {"wrap_provider": _PatchWalksPrototype}),
    ("error-detail-templated", ("P-3.12-01",),
     "Error details evaluate ${a*b} / #{a*b} expressions in the text they quote.",
     {"response": _error_detail_templated}),
]  # fmt: skip

for _name, _requirements, _description, _hooks in _DEFECTS:
    register(Defect(_name, _requirements, _description, **_hooks))
