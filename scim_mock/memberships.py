"""Group membership: references, nesting and the values derived from it (RFC 7643 §4.1.2, §4.2).

:class:`MembershipGraph` answers every question that crosses from one resource to another: whether
a group's members name existing Users or Groups without a cycle, which groups a User or Group
belongs to (directly and through nesting), the ``display`` of a member, and what happens to the
groups when a member is deleted. It is one of the provider's seams (:class:`scim_mock.seams.Seams`):
the provider builds it over its store, and an extension may supply a subclass.
"""

from __future__ import annotations

from typing import Any

from scim_mock.errors import InvalidValue, NotFound
from scim_mock.schema import GROUP, USER, ResourceType, SchemaRegistry
from scim_mock.store import ResourceStore

Resource = dict[str, Any]


class MembershipGraph:
    """Cross-resource rules of Users and Groups over one store."""

    def __init__(self, registry: SchemaRegistry, store: ResourceStore) -> None:
        self.registry = registry
        self.store = store

    # -- references ----------------------------------------------------------------------

    def check_references(self, rt: ResourceType, resource: Resource, own_id: str | None) -> None:
        """Group members must name existing Users or Groups, and not form a cycle.

        Sets each member's ``type`` to the kind of resource it names.
        """
        if rt.schema != GROUP:
            return
        for member in resource.get("members", []):
            member_id = member.get("value")
            declared = member.get("type")
            kind = self.kind_of(member_id)
            if kind is None:
                raise InvalidValue(f"members: no User or Group has id {member_id!r}.")
            if declared is not None and declared != kind:
                raise InvalidValue(f"members: {member_id!r} is a {kind}, not a {declared}.")
            member["type"] = kind
            if kind == "Group" and own_id is not None and self.reaches(member_id, own_id):
                raise InvalidValue(f"members: adding group {member_id!r} would create a cycle.")

    def kind_of(self, resource_id: Any) -> str | None:
        """``"User"`` or ``"Group"`` for an existing resource id, else None."""
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

    def group_type(self) -> ResourceType | None:
        """The resource type whose schema is the core Group schema."""
        for rt in self.registry.resource_types():
            if rt.schema == GROUP:
                return rt
        return None

    def reaches(self, start_group: str, target: str) -> bool:
        """Whether ``target`` is ``start_group`` or one of its (nested) member groups."""
        group_rt = self.group_type()
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

    # -- derived values ------------------------------------------------------------------

    def with_computed(self, rt: ResourceType, resource: Resource) -> Resource:
        """``resource`` with the derived values added in place: User.groups, members[].display.

        ``resource`` is the caller's own: every store result is a copy (:mod:`scim_mock.store`),
        and copying it once more here cost every response (a list page: one per resource).
        """
        if rt.schema == USER:
            groups = self.groups_of(resource["id"])
            if groups:
                resource["groups"] = groups
            else:
                resource.pop("groups", None)
        elif rt.schema == GROUP:
            for member in resource.get("members", []):
                display = self.display_of(member.get("value"), member.get("type"))
                if display is not None:
                    member["display"] = display
        return resource

    def groups_of(self, member_id: str) -> list[Resource]:
        """Direct and indirect (nested) groups of ``member_id`` (RFC 7643 §4.1.2)."""
        group_rt = self.group_type()
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

    def display_of(self, resource_id: Any, kind: Any) -> str | None:
        """The ``display`` of a member: the named resource's displayName or userName."""
        rt = self.registry.resource_type(kind) if isinstance(kind, str) else None
        if rt is None or not isinstance(resource_id, str):
            return None
        try:
            target = self.store.get(rt.name, resource_id)
        except NotFound:
            return None
        value = target.get("displayName") or target.get("userName")
        return value if isinstance(value, str) else None

    def refers_to_computed(self, rt: ResourceType, attribute_names: set[str]) -> bool:
        """Whether a filter naming ``attribute_names`` (lower case) reads a derived value."""
        if rt.schema == USER:
            return "groups" in attribute_names
        if rt.schema == GROUP:
            return "members" in attribute_names
        return False

    # -- deletion ------------------------------------------------------------------------

    def member_deleted(self, member_id: str) -> list[str]:
        """Remove a deleted resource from every group's members (P-3.6-03, C-4.1.2-04).

        Returns the ids of the groups that changed. The groups themselves and their other
        members stay (P-3.6-06).
        """
        return self.store.remove_member_everywhere(member_id)


class MembershipGraphDecorator(MembershipGraph):
    """A membership graph that delegates every question to ``inner`` (the graph built before
    it, perhaps an extension's); subclasses override the one they change, so that wrappers of
    the membership seam combine, as :class:`scim_mock.operations.ProviderDecorator` does for
    the provider."""

    def __init__(self, inner: MembershipGraph) -> None:
        super().__init__(inner.registry, inner.store)
        self.inner = inner

    def check_references(self, rt: ResourceType, resource: Resource, own_id: str | None) -> None:
        """Delegated."""
        self.inner.check_references(rt, resource, own_id)

    def kind_of(self, resource_id: Any) -> str | None:
        """Delegated."""
        return self.inner.kind_of(resource_id)

    def group_type(self) -> ResourceType | None:
        """Delegated."""
        return self.inner.group_type()

    def reaches(self, start_group: str, target: str) -> bool:
        """Delegated."""
        return self.inner.reaches(start_group, target)

    def with_computed(self, rt: ResourceType, resource: Resource) -> Resource:
        """Delegated."""
        return self.inner.with_computed(rt, resource)

    def groups_of(self, member_id: str) -> list[Resource]:
        """Delegated."""
        return self.inner.groups_of(member_id)

    def display_of(self, resource_id: Any, kind: Any) -> str | None:
        """Delegated."""
        return self.inner.display_of(resource_id, kind)

    def refers_to_computed(self, rt: ResourceType, attribute_names: set[str]) -> bool:
        """Delegated."""
        return self.inner.refers_to_computed(rt, attribute_names)

    def member_deleted(self, member_id: str) -> list[str]:
        """Delegated."""
        return self.inner.member_deleted(member_id)


def drop_derived_member_values(rt: ResourceType, resource: Resource) -> Resource:
    """members[].display and $ref are derived on read; a client's copies are not stored."""
    if rt.schema == GROUP:
        for member in resource.get("members", []):
            if isinstance(member, dict):
                member.pop("display", None)
                member.pop("$ref", None)
    return resource
