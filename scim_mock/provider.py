"""The service provider: SCIM operations on resources, independent of HTTP.

This layer composes the domain modules (validation, PATCH, store, filters, listing, projection)
into the operations of RFC 7644 §3: create, retrieve, query, replace, modify and delete. It also
owns the cross-resource rules: group members must reference existing resources, a User's
``groups`` is computed from memberships (RFC 7643 §4.1.2), and deleting a resource removes it from
every group (P-3.6-03, C-4.1.2-04). It never builds URLs; the HTTP layer adds locations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scim_mock import filters, listing, patch, projection, validation
from scim_mock.config import MockConfig
from scim_mock.errors import InvalidFilter, InvalidValue, NotFound, PreconditionFailed
from scim_mock.schema import GROUP, USER, ResourceType, SchemaRegistry
from scim_mock.store import InMemoryStore, ResourceStore

Resource = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """The parameters of a query (RFC 7644 §3.4.2), as sent by the client (not yet validated)."""

    filter: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    start_index: Any = None
    count: Any = None
    attributes: list[str] | None = None
    excluded_attributes: list[str] | None = None


@dataclass(frozen=True)
class QueryResult:
    """One page of a query: (resource type, resource) pairs and the paging figures."""

    resources: list[tuple[ResourceType, Resource]]
    total_results: int
    start_index: int
    items_per_page: int


def unique_attributes(registry: SchemaRegistry) -> dict[str, list[tuple[str, bool]]]:
    """Resource type name -> the core attributes whose uniqueness the store enforces."""
    result: dict[str, list[tuple[str, bool]]] = {}
    for rt in registry.resource_types():
        core = registry.schema(rt.schema)
        assert core is not None
        result[rt.name] = [
            (a.name, a.case_exact)
            for a in core.attributes
            if a.uniqueness in ("server", "global") and not a.multi_valued and a.type != "complex"
        ]
    return result


class ServiceProvider:
    """SCIM resource operations over a :class:`ResourceStore`."""

    def __init__(
        self,
        registry: SchemaRegistry,
        config: MockConfig,
        store: ResourceStore | None = None,
        apply_patch: Callable[..., Resource] = patch.apply_patch,
    ):
        self.registry = registry
        self.config = config
        self._unique = unique_attributes(registry)
        self.store: ResourceStore = store or InMemoryStore(unique=self._unique)
        # Swappable so that a deliberately broken PATCH engine can be injected (faults.py).
        self._apply_patch = apply_patch

    # -- resource types ------------------------------------------------------------------

    def resource_type(self, name: str) -> ResourceType:
        """The resource type called ``name``; NotFound when the mock has none."""
        rt = self.registry.resource_type(name)
        if rt is None:
            raise NotFound(f"Unknown resource type {name!r}.")
        return rt

    # -- operations ----------------------------------------------------------------------

    def create(self, rt: ResourceType, body: Any) -> Resource:
        """POST: validate, ignore readOnly values, check required and references, store."""
        resource = self._prepare(rt, body)
        with self.store.transaction():
            self._check_references(rt, resource, own_id=None)
            created = self.store.create(rt.name, resource)
        return self._with_computed(rt, created)

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        """GET by id, with computed attributes (groups, member display)."""
        return self._with_computed(rt, self.store.get(rt.name, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        """PUT: replace every readWrite value (RFC 7644 §3.5.1); readOnly values are kept."""
        new = self._prepare(rt, body, check=False)
        with self.store.transaction():
            old = self.store.get(rt.name, resource_id)
            check_if_match(old, if_match)
            merged = validation.merge_for_replace(self.registry, rt, old, new)
            validation.check_required(self.registry, rt, merged)
            self._check_references(rt, merged, own_id=resource_id)
            stored = self.store.replace(rt.name, resource_id, merged)
        return self._with_computed(rt, stored)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        """PATCH: apply every operation atomically (RFC 7644 §3.5.2)."""
        with self.store.transaction():
            old = self.store.get(rt.name, resource_id)
            check_if_match(old, if_match)
            new = self._apply_patch(old, operations, self.registry, rt)
            new = _drop_derived_member_values(rt, new)
            validation.check_required(self.registry, rt, new)
            self._check_references(rt, new, own_id=resource_id)
            stored = self.store.replace(rt.name, resource_id, new)
        return self._with_computed(rt, stored)

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        """DELETE, then remove the resource from every group's members (P-3.6-03)."""
        with self.store.transaction():
            check_if_match(self.store.get(rt.name, resource_id), if_match)
            self.store.delete(rt.name, resource_id)
            self.store.remove_member_everywhere(resource_id)

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        """Filter, sort and page resources of one or several types (RFC 7644 §3.4.2)."""
        rts = list(rts)
        selected: list[tuple[ResourceType, Resource]] = []
        node = self._parse(rts, query.filter)
        predicates = self._compile(rts, node)
        for rt in rts:
            predicate = predicates.get(rt.name)
            if node is not None and predicate is None:
                continue  # root query: the filter names attributes this type does not have
            selected.extend((rt, r) for r in self._matching(rt, node, predicate))
        if query.sort_by is not None or query.sort_order is not None:
            selected = self._sort(rts, selected, query)
        page, start, items = listing.paginate(
            selected,
            query.start_index,
            query.count,
            default_count=min(self.config.default_page_size, self.config.filter_max_results),
            max_count=self.config.filter_max_results,
        )
        return QueryResult(page, len(selected), start, items)

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        """Apply ``returned`` and attributes/excludedAttributes (RFC 7644 §3.4.2.5, §3.9).

        Without versioning (etag.supported=false) meta.version is not shown either, so no
        representation carries a version that no ETag header matches (C-3.1-21).
        """
        shown = projection.project(resource, self.registry, rt, attributes, excluded_attributes)
        meta = shown.get("meta")
        if not self.config.etag_supported and isinstance(meta, dict):
            meta.pop("version", None)
        return shown

    def check_projection(
        self,
        rt: ResourceType,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> None:
        """Raise the error :meth:`present` would raise for these parameters.

        Views call this before a write, so that a bad attributes/excludedAttributes parameter
        is refused before the resource is changed rather than after.
        """
        self.present(rt, {"schemas": [rt.schema]}, attributes, excluded_attributes)

    def reset(self) -> None:
        """Forget every resource."""
        self.store.reset()

    # -- helpers -------------------------------------------------------------------------

    def _prepare(self, rt: ResourceType, body: Any, *, check: bool = True) -> Resource:
        resource = validation.canonicalize_resource(self.registry, rt, body)
        resource = validation.strip_read_only(self.registry, rt, resource)
        resource = _drop_derived_member_values(rt, resource)
        if check:
            validation.check_required(self.registry, rt, resource)
        return resource

    def _parse(self, rts: list[ResourceType], text: str | None) -> filters.Filter | None:
        if text is None:
            return None
        return filters.parse_filter(text, [u for rt in rts for u in rt.schema_ids])

    def _compile(
        self, rts: list[ResourceType], node: filters.Filter | None
    ) -> dict[str, Callable[[Resource], bool]]:
        if node is None:
            return {}
        compiled: dict[str, Callable[[Resource], bool]] = {}
        first_error: InvalidFilter | None = None
        for rt in rts:
            try:
                compiled[rt.name] = filters.compile_filter(node, self.registry, rt)
            except InvalidFilter as exc:
                if len(rts) == 1:
                    raise
                first_error = first_error or exc
        if not compiled and first_error is not None:
            raise first_error
        return compiled

    def _matching(
        self,
        rt: ResourceType,
        node: filters.Filter | None,
        predicate: Callable[[Resource], bool] | None,
    ) -> list[Resource]:
        """The resources of ``rt`` the filter selects, with computed attributes added.

        An equality on ``id`` or a unique attribute is answered from the store's index (no
        scan); derived values (User.groups, members.display) are computed before filtering
        only when the filter refers to them.
        """
        if predicate is None:
            return [self._with_computed(rt, r) for r in self.store.list(rt.name)]
        needs_computed = node is not None and self._refers_to_computed(rt, node)
        candidates = self._indexed(rt, node) if node is not None else None
        if candidates is None and not needs_computed:
            return [self._with_computed(rt, r) for r in self.store.select(rt.name, predicate)]
        if candidates is None:
            candidates = self.store.list(rt.name)
        result = []
        for resource in candidates:
            computed = self._with_computed(rt, resource)
            if predicate(computed if needs_computed else resource):
                result.append(computed)
        return result

    def _refers_to_computed(self, rt: ResourceType, node: filters.Filter) -> bool:
        names = {p.attribute.lower() for p in filters.filter_attribute_paths(node) if p.attribute}
        if rt.schema == USER:
            return "groups" in names
        if rt.schema == GROUP:
            return "members" in names
        return False

    def _indexed(self, rt: ResourceType, node: filters.Filter) -> list[Resource] | None:
        """Candidates from an index for ``attr eq "value"`` (also inside ``and``), else None."""
        if isinstance(node, filters.And):
            left = self._indexed(rt, node.left)
            return left if left is not None else self._indexed(rt, node.right)
        if not isinstance(node, filters.Comparison) or node.op != "eq":
            return None
        path = node.path
        if not isinstance(node.value, str) or path.sub_attribute or path.attribute is None:
            return None
        if path.urn is not None and path.urn.lower() != rt.schema.lower():
            return None
        name = path.attribute.lower()
        if name == "id":
            try:
                return [self.store.get(rt.name, node.value)]
            except NotFound:
                return []
        if name in {a.lower() for a, _ in self._unique.get(rt.name, [])}:
            found = self.store.find_unique(rt.name, name, node.value)
            return [] if found is None else [found]
        return None

    def _sort(
        self,
        rts: list[ResourceType],
        selected: list[tuple[ResourceType, Resource]],
        query: Query,
    ) -> list[tuple[ResourceType, Resource]]:
        if len(rts) == 1:
            ordered = listing.sort_resources(
                [r for _, r in selected], query.sort_by, query.sort_order, self.registry, rts[0]
            )
            return [(rts[0], r) for r in ordered]
        # Root queries: sort each type's resources with its own schema, then merge by type order.
        result: list[tuple[ResourceType, Resource]] = []
        for rt in rts:
            mine = [r for t, r in selected if t is rt]
            try:
                ordered = listing.sort_resources(
                    mine, query.sort_by, query.sort_order, self.registry, rt
                )
            except Exception:
                ordered = mine
            result.extend((rt, r) for r in ordered)
        return result

    def _check_references(self, rt: ResourceType, resource: Resource, own_id: str | None) -> None:
        """Group members must name existing Users or Groups, and not form a cycle."""
        if rt.schema != GROUP:
            return
        for member in resource.get("members", []):
            member_id = member.get("value")
            declared = member.get("type")
            kind = self._kind_of(member_id)
            if kind is None:
                raise InvalidValue(f"members: no User or Group has id {member_id!r}.")
            if declared is not None and declared != kind:
                raise InvalidValue(f"members: {member_id!r} is a {kind}, not a {declared}.")
            member["type"] = kind
            if kind == "Group" and own_id is not None and self._reaches(member_id, own_id):
                raise InvalidValue(f"members: adding group {member_id!r} would create a cycle.")

    def _kind_of(self, resource_id: Any) -> str | None:
        if not isinstance(resource_id, str):
            return None
        for rt in self.registry.resource_types():
            if rt.schema not in (USER, GROUP):
                continue
            try:
                self.store.get(rt.name, resource_id)
            except NotFound:
                continue
            return rt.name
        return None

    def _group_rt(self) -> ResourceType | None:
        for rt in self.registry.resource_types():
            if rt.schema == GROUP:
                return rt
        return None

    def _reaches(self, start_group: str, target: str) -> bool:
        """Whether ``target`` is ``start_group`` or one of its (nested) member groups."""
        group_rt = self._group_rt()
        seen: set[str] = set()
        stack = [start_group]
        while stack:
            current = stack.pop()
            if current == target:
                return True
            if current in seen or group_rt is None:
                continue
            seen.add(current)
            try:
                group = self.store.get(group_rt.name, current)
            except NotFound:
                continue
            stack.extend(m["value"] for m in group.get("members", []) if m.get("type") == "Group")
        return False

    def _with_computed(self, rt: ResourceType, resource: Resource) -> Resource:
        """Add the values the provider derives: User.groups and members[].display."""
        resource = copy.deepcopy(resource)
        if rt.schema == USER:
            groups = self._groups_of(resource["id"])
            if groups:
                resource["groups"] = groups
            else:
                resource.pop("groups", None)
        elif rt.schema == GROUP:
            for member in resource.get("members", []):
                display = self._display_of(member.get("value"), member.get("type"))
                if display is not None:
                    member["display"] = display
        return resource

    def _groups_of(self, member_id: str) -> list[Resource]:
        """Direct and indirect (nested) groups of ``member_id`` (RFC 7643 §4.1.2)."""
        group_rt = self._group_rt()
        if group_rt is None:
            return []
        result: list[Resource] = []
        seen: set[str] = set()
        frontier = [(gid, "direct") for gid in self.store.groups_of(member_id)]
        while frontier:
            group_id, kind = frontier.pop(0)
            if group_id in seen:
                continue
            seen.add(group_id)
            try:
                group = self.store.get(group_rt.name, group_id)
            except NotFound:
                continue
            entry: Resource = {"value": group_id, "type": kind}
            if group.get("displayName") is not None:
                entry["display"] = group["displayName"]
            result.append(entry)
            frontier.extend((parent, "indirect") for parent in self.store.groups_of(group_id))
        return result

    def _display_of(self, resource_id: Any, kind: Any) -> str | None:
        rt = self.registry.resource_type(kind) if isinstance(kind, str) else None
        if rt is None or not isinstance(resource_id, str):
            return None
        try:
            target = self.store.get(rt.name, resource_id)
        except NotFound:
            return None
        value = target.get("displayName") or target.get("userName")
        return value if isinstance(value, str) else None


def _drop_derived_member_values(rt: ResourceType, resource: Resource) -> Resource:
    """members[].display and $ref are derived on read; a client's copies are not stored."""
    if rt.schema == GROUP:
        for member in resource.get("members", []):
            if isinstance(member, dict):
                member.pop("display", None)
                member.pop("$ref", None)
    return resource


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(current: str | None, candidates: Iterable[str]) -> bool:
    """Weak comparison of entity tags (RFC 7232 §2.3.2), with ``*`` matching any."""
    for candidate in candidates:
        if candidate.strip() == "*":
            return True
        if current is not None and _opaque(candidate) == _opaque(current):
            return True
    return False


def check_if_match(resource: Resource, if_match: list[str] | None) -> None:
    """Raise PreconditionFailed unless If-Match names the current version (RFC 7644 §3.14)."""
    if if_match is None:
        return
    current = resource.get("meta", {}).get("version")
    if not etag_matches(current, if_match):
        raise PreconditionFailed(
            f"If-Match {', '.join(if_match)} does not match the current version {current}."
        )
