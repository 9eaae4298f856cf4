"""Defects of resource identity: server-assigned ids, id lookups, uniqueness, identifier matching.

A sub-area of :mod:`scim_defects.resources` (registered with it by the package): each defect breaks
the catalog requirements it names, so that the defect matrix (``tests/defects``) can prove the id,
uniqueness and identifier-filter checks of ``scim_tests/checks/test_{create,retrieve,
replace,schema_rules}.py`` fail. Defects reach the mock only through its public seams: the store's
uniqueness rules (:class:`scim_mock.seams.Seams`, each wrapping the rule it was given, so defects
combine) or :class:`scim_mock.operations.ProviderDecorator` subclasses.

The store assigns every id itself and offers no seam to choose one, so the defects whose server
"assigns ids some other way" (client-chosen, ``bulkId``-prefixed, shared across types, moved by a
PUT) are modelled by :class:`_RenamedIds`: a decorator that shows a stored resource under another
id and translates ids on the way in and out.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from scim_defects.common import key_of
from scim_defects.registry import Defect, register
from scim_mock import errors, validation
from scim_mock.operations import Provider, ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import GROUP, USER, ResourceType, SchemaRegistry
from scim_mock.seams import Seams

Resource = dict[str, Any]
Pairs = list[tuple[ResourceType, Resource]]
#: ``attribute op "literal"`` inside filter text (also ``members[value eq "..."]`` in a path).
_COMPARISON = re.compile(
    r'(?P<path>[\w.:$-]+)(?P<op>\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)"(?P<literal>(?:[^"\\]|\\.)*)"',
    re.IGNORECASE,
)


def _client_id(body: Any) -> str | None:
    """The non-empty id a request body carries (any case of the key), if any."""
    wanted = body.get(key_of(body, "id") or "id") if isinstance(body, dict) else None
    return wanted if isinstance(wanted, str) and wanted else None


def _map_strings(value: Any, change: Callable[[str], str], *, refs: bool = False) -> Any:
    """A copy of a JSON value with its strings passed through ``change``; with ``refs`` only
    its string ``value`` sub-attributes (members[].value, manager.value: where a client names
    another resource)."""
    if isinstance(value, list):
        return [_map_strings(v, change, refs=refs) for v in value]
    if isinstance(value, dict):
        return {
            k: change(v)
            if refs and isinstance(v, str) and str(k).lower() == "value"
            else _map_strings(v, change, refs=refs)
            for k, v in value.items()
        }
    return change(value) if isinstance(value, str) and not refs else value


# -- ids the server assigns some other way --------------------------------------------------


class _RenamedIds(ProviderDecorator):
    """Base: a server that shows some resources under ids other than the ones the store chose.

    Subclasses say which id a new or replaced resource gets (:meth:`renamed_on_create`,
    :meth:`renamed_on_replace`). The old id then names nothing, the new one names the resource
    everywhere: in URLs, ``id`` filters, references (members, manager) and every response, as
    if the server had stored it there. Unrenamed resources keep their ids.
    """

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        # One lock: a rename and the translations that read the maps must not interleave.
        self.lock = threading.RLock()
        self.shown_as: dict[str, str] = {}  # stored id -> the id shown (renamed ones only)
        self.stored_as: dict[tuple[str, str], str] = {}  # (type name, shown id) -> stored id
        # Shown id -> stored id for references, whose type a client need not say. A shown id
        # that also names a resource of another type (ids-shared-across-types) is left out:
        # such a reference names that other resource, as it would in the server's own store.
        self.referenced_as: dict[str, str] = {}

    def renamed_on_create(self, rt: ResourceType, body: Any, created: Resource) -> str | None:
        """The id a just-created resource is to be shown under (None: the store's)."""
        return None

    def renamed_on_replace(self, rt: ResourceType, resource_id: str, body: Any) -> str | None:
        """The id a just-replaced resource is to be shown under (None: unchanged)."""
        return None

    # -- translation -------------------------------------------------------------------------

    def stored_id(self, rt: ResourceType, resource_id: str) -> str:
        """The store's id of the resource shown as ``resource_id``; NotFound for an old id."""
        found = self.stored_as.get((rt.name, resource_id))
        if found is not None:
            return found
        if resource_id in self.shown_as:  # renamed away: the old id names nothing any more
            raise errors.NotFound(f"{rt.name} {resource_id!r} not found.")
        return resource_id

    def stored_reference(self, value: str) -> str:
        """The store's id for a reference to ``value`` (an old id becomes one naming nothing)."""
        return self.referenced_as.get(value) or self.unnamed(value)

    def unnamed(self, value: str) -> str:
        """``value``, or an id naming nothing if it is the old id of a renamed resource."""
        return f"renamed:{value}" if value in self.shown_as else value

    def stored_filter(self, rts: list[ResourceType], text: str | None) -> str | None:
        """Filter text with shown ids in ``id`` and ``...value`` comparisons made stored ids."""

        def literal(match: re.Match[str]) -> str:
            path, value = match.group("path").lower(), match.group("literal")
            name = re.split(r"[.:\[]", path)[-1]
            if path == "id":
                stored = next(
                    (s for rt in rts if (s := self.stored_as.get((rt.name, value)))), None
                )
                value = stored or self.unnamed(value)
            elif name == "value":
                value = self.stored_reference(value)
            return f'{match.group("path")}{match.group("op")}"{value}"'

        return None if text is None else _COMPARISON.sub(literal, text)

    def stored_operations(self, operations: Any) -> Any:
        """PATCH operations with the shown ids they reference made stored ids."""
        if not isinstance(operations, list):
            return operations
        result = []
        for op in operations:
            if isinstance(op, dict):
                path_key, value_key = key_of(op, "path"), key_of(op, "value")
                path = op[path_key] if path_key else None
                op = dict(op)
                if path_key and isinstance(path, str):
                    op[path_key] = self.stored_filter([], path)
                if value_key is not None:
                    value = op[value_key]
                    # "path": "manager.value", "value": "<id>" names a resource directly.
                    if isinstance(value, str) and str(path).lower().endswith("value"):
                        op[value_key] = self.stored_reference(value)
                    else:
                        op[value_key] = _map_strings(value, self.stored_reference, refs=True)
            result.append(op)
        return result

    def shown(self, resource: Resource) -> Resource:
        """``resource`` with every stored id of a renamed resource replaced by its shown id."""
        if not self.shown_as:
            return resource
        return dict(_map_strings(resource, lambda s: self.shown_as.get(s, s)))

    def rename(self, rt: ResourceType, stored: str, new_id: str) -> None:
        """Show the resource stored as ``stored`` under ``new_id`` from now on."""
        self.forget(rt, stored)
        if new_id == stored:
            return
        self.shown_as[stored] = new_id
        self.stored_as[(rt.name, new_id)] = stored
        others = [t for t in self.registry.resource_types() if t.name != rt.name]
        if not any(self.taken(t, new_id) for t in others):
            self.referenced_as[new_id] = stored

    def forget(self, rt: ResourceType, stored: str) -> None:
        """Drop the shown id of the resource stored as ``stored``, if it has one."""
        old = self.shown_as.pop(stored, None)
        if old is not None:
            self.stored_as.pop((rt.name, old), None)
            if self.referenced_as.get(old) == stored:
                del self.referenced_as[old]

    def taken(self, rt: ResourceType, resource_id: str) -> bool:
        """Whether ``resource_id`` already names a resource of ``rt`` (the id is not free)."""
        try:
            self.inner.get(rt, self.stored_id(rt, resource_id))
        except errors.NotFound:
            return False
        return True

    # -- operations --------------------------------------------------------------------------

    def create(self, rt: ResourceType, body: Any) -> Resource:
        with self.lock:
            created = self.inner.create(rt, _map_strings(body, self.stored_reference, refs=True))
            new_id = self.renamed_on_create(rt, body, created)
            if new_id is not None and not self.taken(rt, new_id):
                self.rename(rt, created["id"], new_id)
            return self.shown(created)

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        with self.lock:
            return self.shown(self.inner.get(rt, self.stored_id(rt, resource_id)))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        with self.lock:
            stored = self.stored_id(rt, resource_id)
            body_in = _map_strings(body, self.stored_reference, refs=True)
            result = self.inner.replace(rt, stored, body_in, if_match)
            new_id = self.renamed_on_replace(rt, resource_id, body)
            if new_id is not None and new_id != resource_id and not self.taken(rt, new_id):
                self.rename(rt, stored, new_id)
            return self.shown(result)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        with self.lock:
            stored = self.stored_id(rt, resource_id)
            ops = self.stored_operations(operations)
            return self.shown(self.inner.patch(rt, stored, ops, if_match))

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        with self.lock:
            stored = self.stored_id(rt, resource_id)
            self.inner.delete(rt, stored, if_match)
            self.forget(rt, stored)

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        rts = list(rts)
        with self.lock:
            query = dataclasses.replace(query, filter=self.stored_filter(rts, query.filter))
            result = self.inner.query(rts, query)
            shown = [(rt, self.shown(r)) for rt, r in result.resources]
        return QueryResult(shown, result.total_results, result.start_index, result.items_per_page)

    def reset(self) -> None:
        with self.lock:
            self.inner.reset()
            self.shown_as.clear()
            self.stored_as.clear()
            self.referenced_as.clear()


class _CreateUsesClientId(_RenamedIds):
    """POST keeps the id the client sent (ids are the server's to assign, C-3.1-07)."""

    def renamed_on_create(self, rt: ResourceType, body: Any, created: Resource) -> str | None:
        return _client_id(body)


class _IdContainsBulkId(_RenamedIds):
    """Server-assigned ids start with the reserved string ``bulkId`` (C-3.1-08)."""

    def renamed_on_create(self, rt: ResourceType, body: Any, created: Resource) -> str | None:
        return f"bulkId-{created['id']}"


class _IdsSharedAcrossTypes(_RenamedIds):
    """A new Group gets the id of the last User created, as if ids were counted per type and
    a User and a Group could share one (C-3.1-05)."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.last_user: str | None = None  # kept across a reset, like the server's counter

    def renamed_on_create(self, rt: ResourceType, body: Any, created: Resource) -> str | None:
        if rt.schema == USER:
            self.last_user = created["id"]
            return None
        return self.last_user


class _PutChangesId(_RenamedIds):
    """PUT moves the resource to the id given in the body (the id is immutable, C-3.1-06)."""

    def renamed_on_replace(self, rt: ResourceType, resource_id: str, body: Any) -> str | None:
        return _client_id(body)


# -- id lookups ------------------------------------------------------------------------------


class _GetCrossType(ProviderDecorator):
    """GET looks an id up in every resource type, not just the one of the endpoint."""

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        try:
            return self.inner.get(rt, resource_id)
        except errors.NotFound:
            for other in self.registry.resource_types():
                if other.name != rt.name and other.schema in (USER, GROUP):
                    try:
                        return self.inner.get(other, resource_id)
                    except errors.NotFound:
                        continue
            raise


class _PutCreates(ProviderDecorator):
    """PUT to an unknown id creates a resource instead of answering 404 (P-3.5.1-01)."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        try:
            return self.inner.replace(rt, resource_id, body, if_match)
        except errors.NotFound:
            return self.inner.create(rt, body)


# -- uniqueness ------------------------------------------------------------------------------


def _uniqueness_case_sensitive(seams: Seams) -> Seams:
    unique_attributes = seams.unique_attributes

    def case_exact(registry: SchemaRegistry) -> dict[str, list[tuple[str, bool]]]:
        # Every unique attribute compares as if caseExact, whatever its schema says.
        spec = unique_attributes(registry)
        return {t: [(a, True) for a, _ in attrs] for t, attrs in spec.items()}

    return seams.replace(unique_attributes=case_exact)


def _never_conflicts(holder: str, own_id: str | None) -> bool:
    return False


def _uniqueness_not_enforced(seams: Seams) -> Seams:
    return seams.replace(unique_conflict=_never_conflicts)


def _put_uniqueness_not_enforced(seams: Seams) -> Seams:
    conflict = seams.unique_conflict

    def only_on_create(holder: str, own_id: str | None) -> bool:
        # Creates (own_id None) are still checked; replacements are not.
        return own_id is None and conflict(holder, own_id)

    return seams.replace(unique_conflict=only_on_create)


# -- userName, the User's required identifier ------------------------------------------------


class _MissingRequiredAccepted(ProviderDecorator):
    """POST /Users without a userName gets a generated one instead of a 400 (C-4.1.1-01)."""

    accepted: tuple[object, ...] = (None,)  # the userName values let through

    def create(self, rt: ResourceType, body: Any) -> Resource:
        key = key_of(body, "userName") if isinstance(body, dict) else None
        if rt.schema == USER and isinstance(body, dict) and body.get(key or "") in self.accepted:
            body = {**body, key or "userName": f"generated-{uuid.uuid4()}"}
        return self.inner.create(rt, body)


class _PutClearsRequired(ProviderDecorator):
    """A PUT without userName is accepted and leaves the User without one (P-3.5.1-07); the
    rest of that PUT is dropped.

    The provider never stores a User without its required userName, so the stored one stays
    (it is still taken and still matched by filters) and only the representations lose it.
    """

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.cleared: set[str] = set()

    def shown(self, rt: ResourceType, resource: Resource) -> Resource:
        if rt.schema == USER and resource.get("id") in self.cleared:
            return {k: v for k, v in resource.items() if k != "userName"}
        return resource

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        return self.shown(rt, self.inner.get(rt, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        key = key_of(body, "userName") if isinstance(body, dict) else "userName"
        if rt.schema == USER and isinstance(body, dict) and body.get(key or "", "") in ("", None):
            current = self.inner.get(rt, resource_id)  # 404 for an unknown id, If-Match ignored
            self.cleared.add(resource_id)
            return self.shown(rt, current)
        result = self.inner.replace(rt, resource_id, body, if_match)
        self.cleared.discard(resource_id)
        return self.shown(rt, result)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if rt.schema == USER and resource_id in self.cleared:
            if "username" not in json.dumps(operations).lower():
                # A User without userName fails the required check unless the PATCH sets one.
                validation.check_required(self.registry, rt, self.get(rt, resource_id))
            self.cleared.discard(resource_id)
        return self.inner.patch(rt, resource_id, operations, if_match)

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        shown = [(rt, self.shown(rt, r)) for rt, r in result.resources]
        return QueryResult(shown, result.total_results, result.start_index, result.items_per_page)

    def reset(self) -> None:
        self.inner.reset()
        self.cleared.clear()


# -- identifier matching in filters ----------------------------------------------------------


def _equality(text: str | None, attribute: str) -> str | None:
    match = re.fullmatch(rf'\s*{attribute}\s+eq\s+"(.*)"\s*', text or "", re.IGNORECASE)
    return match.group(1) if match else None


class _FilterUserNameCaseSensitive(ProviderDecorator):
    """``userName eq "X"`` matches only the exact case (userName is caseExact=false)."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        wanted = _equality(query.filter, "userName")
        if wanted is None:
            return result
        kept = [(rt, r) for rt, r in result.resources if r.get("userName") == wanted]
        return QueryResult(kept, len(kept), result.start_index, len(kept))


class _FilterExternalIdCaseInsensitive(ProviderDecorator):
    """``externalId eq "X"`` ignores case (externalId is caseExact=true, C-3.1-12)."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        rts = list(rts)
        wanted = _equality(query.filter, "externalId")
        if wanted is None:
            return self.inner.query(rts, query)
        found = [
            (rt, r)
            for rt, r in self.everything(rts)
            if str(r.get("externalId", "")).lower() == wanted.lower()
        ]
        # The whole match in one page, whatever startIndex/count asked (a naive scan).
        return QueryResult(found, len(found), 1, len(found))

    def everything(self, rts: list[ResourceType]) -> Pairs:
        """Every resource of ``rts``, per type in creation order (page by page, unfiltered)."""
        pairs: Pairs = []
        size = max(self.config.filter_max_results, 1)
        for rt in rts:
            start = 1
            while True:
                page = self.inner.query([rt], Query(start_index=start, count=size))
                pairs.extend(page.resources)
                start += page.items_per_page
                if not page.resources or start > page.total_results:
                    break
        return pairs


_DEFECTS: list[tuple[str, tuple[str, ...], str, Any]] = [
    # name, requirements, description, provider decorator or seams change (by its signature)
    ("create-uses-client-id", ("C-3.1-07", "P-3.3-01"),
     "POST stores the resource under the id the client sent.", _CreateUsesClientId),
    ("missing-required-accepted", ("C-4.1.1-01",),
     "POST /Users without userName is accepted (a name is generated).",
     _MissingRequiredAccepted),
    ("uniqueness-case-sensitive", ("C-4.1.1-03", "P-5-01"),
     "userName uniqueness compares case-sensitively.", _uniqueness_case_sensitive),
    ("uniqueness-not-enforced", ("P-3.3-07", "C-4.1.1-02", "C-7-22"),
     "Duplicate unique values are accepted.", _uniqueness_not_enforced),
    ("id-contains-bulkid", ("C-3.1-08",),
     "Server-assigned ids contain the reserved string bulkId.", _IdContainsBulkId),
    ("ids-shared-across-types", ("C-3.1-05",),
     "A new Group gets the id of the last created User.", _IdsSharedAcrossTypes),
    ("get-cross-type", ("P-3.12-10",),
     "GET /Groups/<user id> answers the User (and vice versa).", _GetCrossType),
    ("put-changes-id", ("C-3.1-06",),
     "PUT moves the resource to the id given in the body.", _PutChangesId),
    ("put-creates", ("P-3.5.1-01",),
     "PUT to an unknown id creates a resource.", _PutCreates),
    ("put-clears-required", ("P-3.5.1-07",),
     "PUT without userName leaves the User without one.", _PutClearsRequired),
    ("put-uniqueness-not-enforced", ("P-3.12-17",),
     "PUT may give a User another User's userName.", _put_uniqueness_not_enforced),
    ("filter-username-case-sensitive", ("C-4.1.1-03",),
     'filter userName eq "X" matches case-sensitively.', _FilterUserNameCaseSensitive),
    ("filter-externalid-case-insensitive", ("C-3.1-12", "C-7-10"),
     'filter externalId eq "X" ignores case.', _FilterExternalIdCaseInsensitive),
]  # fmt: skip

for _name, _requirements, _description, _hook in _DEFECTS:
    if isinstance(_hook, type):
        register(Defect(_name, _requirements, _description, wrap_provider=_hook))
    else:
        register(Defect(_name, _requirements, _description, change_seams=_hook))
