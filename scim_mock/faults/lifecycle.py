"""Defects of groups, membership and the joiner/mover/leaver lifecycle (deprovisioning).

Each defect breaks the catalog requirements it names, so that ``tests/harness`` can prove the
checks of ``scim_tests/checks/test_{groups,lifecycle_joiner,lifecycle_mover,lifecycle_leaver}.py``
fail. Defects wrap methods of one provider instance (chaining to whatever was installed before,
so defects combine) or transform responses; domain code is never branched on a fault.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Request, Response, g, has_request_context, request

from scim_mock import errors, filters
from scim_mock.faults import Fault, register, response_json, rewrite
from scim_mock.provider import Query, QueryResult, ServiceProvider
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER, ResourceType
from scim_mock.values import parse_datetime

Resource = dict[str, Any]
Operation = dict[str, Any]
#: Users created this recently are not yet visible to filters ("search-index-lags").
INDEX_LAG = timedelta(seconds=30)


# -- helpers --------------------------------------------------------------------------------


def _field(op: Any, name: str) -> Any:
    """A member of a PATCH operation or body, matched case-insensitively."""
    if not isinstance(op, dict):
        return None
    return next((v for k, v in op.items() if isinstance(k, str) and k.lower() == name), None)


def _with(op: Operation, name: str, value: Any) -> Operation:
    """``op`` with member ``name`` set (any other spelling of it removed)."""
    result = {k: v for k, v in op.items() if not (isinstance(k, str) and k.lower() == name)}
    result[name] = value
    return result


def _without(body: Resource, name: str) -> Resource:
    return {k: v for k, v in body.items() if not (isinstance(k, str) and k.lower() == name.lower())}


def _op(op: Any) -> str:
    return str(_field(op, "op") or "").lower()


def _path(op: Any) -> str:
    return str(_field(op, "path") or "").strip().lower()


PatchRewrite = Callable[[Resource, list[Any], ResourceType], list[Any]]


def _rewrite_patch(provider: ServiceProvider, rewrite_ops: PatchRewrite) -> None:
    """Swap the PATCH engine for one that rewrites the Operations first.

    When the rewrite drops every operation the resource comes back unchanged (a silent no-op).
    """
    previous = provider._apply_patch

    def apply(resource: Resource, operations: Any, registry: Any, rt: ResourceType) -> Resource:
        if isinstance(operations, list) and operations:
            operations = rewrite_ops(resource, operations, rt)
            if not operations:
                return copy.deepcopy(resource)
        return previous(resource, operations, registry, rt)

    provider._apply_patch = apply


def _is_user(rt: ResourceType) -> bool:
    return rt.schema == USER


def _requery(result: QueryResult, keep: Callable[[ResourceType, Resource], bool]) -> QueryResult:
    """``result`` without the resources ``keep`` rejects (totals adjusted)."""
    kept = [(rt, r) for rt, r in result.resources if keep(rt, r)]
    dropped = len(result.resources) - len(kept)
    return QueryResult(kept, result.total_results - dropped, result.start_index, len(kept))


# -- group membership through PATCH ---------------------------------------------------------


def _remove_member_filter_removes_all(provider: ServiceProvider) -> None:
    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        return [
            _with(op, "path", "members")
            if _op(op) == "remove" and _path(op).startswith("members[")
            else op
            for op in ops
        ]

    _rewrite_patch(provider, rewrite_ops)


def _patch_remove_all_ignored(provider: ServiceProvider) -> None:
    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        return [op for op in ops if not (_op(op) == "remove" and _path(op) == "members")]

    _rewrite_patch(provider, rewrite_ops)


def _replace_members_appends(provider: ServiceProvider) -> None:
    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        return [
            _with(op, "op", "add") if _op(op) == "replace" and _path(op) == "members" else op
            for op in ops
        ]

    _rewrite_patch(provider, rewrite_ops)


def _user_groups_writable(provider: ServiceProvider) -> None:
    """User.groups sent by PATCH or PUT adds the user to those groups (it is readOnly)."""
    previous_patch, previous_replace = provider.patch, provider.replace

    def join(user_id: str, entries: Any) -> None:
        group_rt = next(rt for rt in provider.registry.resource_types() if rt.schema == GROUP)
        for entry in entries if isinstance(entries, list) else [entries]:
            group_id = _field(entry, "value")
            if isinstance(group_id, str):
                add = {"op": "add", "path": "members", "value": [{"value": user_id}]}
                provider.patch(group_rt, group_id, [add])

    def patch(rt: ResourceType, resource_id: str, operations: Any, *args: Any) -> Resource:
        if _is_user(rt) and isinstance(operations, list):
            for op in operations:
                if _path(op) == "groups" and _op(op) in ("add", "replace"):
                    join(resource_id, _field(op, "value"))
            operations = [op for op in operations if _path(op) != "groups"]
            if not operations:
                return provider.get(rt, resource_id)
        return previous_patch(rt, resource_id, operations, *args)

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        if _is_user(rt) and isinstance(body, dict) and _field(body, "groups") is not None:
            join(resource_id, _field(body, "groups"))
        return previous_replace(rt, resource_id, body, *args)

    provider.patch = patch  # type: ignore[method-assign,assignment]
    provider.replace = replace  # type: ignore[method-assign,assignment]


# -- groups: create, replace, delete --------------------------------------------------------


def _member_value_is_display(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.method == "POST" and response.status_code == 201 and isinstance(body, dict):
        members = body.get("members")
        if GROUP in (body.get("schemas") or []) and isinstance(members, list):
            for member in members:
                if isinstance(member, dict) and isinstance(member.get("display"), str):
                    member["value"] = member["display"]
            return rewrite(response, body)
    return response


def _group_display_name_optional(provider: ServiceProvider) -> None:
    previous = provider.create

    def create(rt: ResourceType, body: Any) -> Resource:
        if rt.schema == GROUP and isinstance(body, dict) and not _field(body, "displayname"):
            body = {**body, "displayName": f"group-{uuid.uuid4().hex[:8]}"}
        return previous(rt, body)

    provider.create = create  # type: ignore[method-assign]


def _put_group_members_ignored(provider: ServiceProvider) -> None:
    previous = provider.replace

    def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
        if rt.schema == GROUP and isinstance(body, dict):
            stored = provider.store.get(rt.name, resource_id).get("members")
            body = _without(body, "members")
            if stored:
                body["members"] = [{"value": m["value"]} for m in stored]
        return previous(rt, resource_id, body, *args)

    provider.replace = replace  # type: ignore[method-assign,assignment]


def _group_delete_deletes_members(provider: ServiceProvider) -> None:
    previous = provider.delete

    def delete(rt: ResourceType, resource_id: str, *args: Any) -> None:
        members = provider.store.get(rt.name, resource_id).get("members", [])
        previous(rt, resource_id, *args)
        if rt.schema == GROUP:
            user_rt = next(t for t in provider.registry.resource_types() if t.schema == USER)
            for member in members:
                if member.get("type") == "User":
                    try:
                        previous(user_rt, member["value"])
                    except errors.NotFound:
                        pass

    provider.delete = delete  # type: ignore[method-assign,assignment]


def _user_delete_empties_groups(provider: ServiceProvider) -> None:
    """Deleting a member empties every group it was in (instead of removing just it)."""
    store = provider.store
    previous = store.remove_member_everywhere

    def remove_member_everywhere(member_id: str, **kwargs: Any) -> list[str]:
        group_ids = store.groups_of(member_id)
        for group_id in group_ids:
            group = store.get("Group", group_id)
            group["members"] = []
            store.replace("Group", group_id, group)
        return previous(member_id, **kwargs) or group_ids

    store.remove_member_everywhere = remove_member_everywhere  # type: ignore[method-assign]


def _empty_group_deleted(provider: ServiceProvider) -> None:
    """A PATCH that leaves a Group without members deletes the Group."""
    previous = provider.patch

    def patch(rt: ResourceType, resource_id: str, *args: Any) -> Resource:
        result = previous(rt, resource_id, *args)
        if rt.schema == GROUP and not result.get("members"):
            provider.delete(rt, resource_id)
        return result

    provider.patch = patch  # type: ignore[method-assign,assignment]


def _groups_attribute_stale(provider: ServiceProvider) -> None:
    """User.groups is cached once it has entries and kept until the User itself changes."""
    previous = provider._with_computed
    cache: dict[str, tuple[Any, Any]] = {}

    def with_computed(rt: ResourceType, resource: Resource) -> Resource:
        result = previous(rt, resource)
        if _is_user(rt):
            version = resource.get("meta", {}).get("version")
            cached = cache.get(result["id"])
            if cached is not None and cached[0] == version:
                result["groups"] = copy.deepcopy(cached[1])
            elif result.get("groups"):
                cache[result["id"]] = (version, copy.deepcopy(result["groups"]))
        return result

    provider._with_computed = with_computed  # type: ignore[method-assign]


# -- mover: attribute changes ---------------------------------------------------------------


def _patch_extension_path_ignored(provider: ServiceProvider) -> None:
    prefix = ENTERPRISE_USER.lower() + ":"

    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        return [op for op in ops if not _path(op).startswith(prefix)]

    _rewrite_patch(provider, rewrite_ops)


def _pathless_values_without(keep: Callable[[str], bool]) -> PatchRewrite:
    """A rewrite dropping the members of pathless add/replace values that ``keep`` rejects."""

    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        result = []
        for op in ops:
            value = _field(op, "value")
            if _op(op) in ("add", "replace") and not _path(op) and isinstance(value, dict):
                value = {k: v for k, v in value.items() if keep(str(k).lower())}
                if not value:
                    continue
                op = _with(op, "value", value)
            result.append(op)
        return result

    return rewrite_ops


def _patch_pathless_extension_ignored(provider: ServiceProvider) -> None:
    _rewrite_patch(provider, _pathless_values_without(lambda k: not k.startswith("urn:")))


def _put_keeps_stored(name: str, only: Callable[[Resource, Resource], bool] | None = None) -> Any:
    """A wrapper: PUT of a User keeps the stored value of ``name`` instead of the sent one."""

    def install(provider: ServiceProvider) -> None:
        previous = provider.replace

        def replace(rt: ResourceType, resource_id: str, body: Any, *args: Any) -> Resource:
            if _is_user(rt) and isinstance(body, dict):
                stored = provider.store.get(rt.name, resource_id)
                if only is None or only(stored, body):
                    body = _without(body, name)
                    if name in stored:
                        body[name] = copy.deepcopy(stored[name])
            return previous(rt, resource_id, body, *args)

        provider.replace = replace  # type: ignore[method-assign,assignment]

    return install


# -- leaver: deactivation -------------------------------------------------------------------


def _patch_active_path_ignored(provider: ServiceProvider) -> None:
    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        return [op for op in ops if _path(op) != "active"]

    _rewrite_patch(provider, rewrite_ops)


def _patch_pathless_active_ignored(provider: ServiceProvider) -> None:
    _rewrite_patch(provider, _pathless_values_without(lambda k: k != "active"))


def _reactivation_fails(provider: ServiceProvider) -> None:
    previous = provider._apply_patch

    def apply(resource: Resource, operations: Any, registry: Any, rt: ResourceType) -> Resource:
        result = previous(resource, operations, registry, rt)
        if _is_user(rt) and resource.get("active") is False and result.get("active") is True:
            result["active"] = False
        return result

    provider._apply_patch = apply
    _put_keeps_stored(
        "active", lambda stored, body: stored.get("active") is False and _field(body, "active")
    )(provider)


def _deactivated_user_hidden(provider: ServiceProvider) -> None:
    previous_get, previous_query = provider.get, provider.query

    def get(rt: ResourceType, resource_id: str) -> Resource:
        resource = previous_get(rt, resource_id)
        if _is_user(rt) and resource.get("active") is False:
            raise errors.NotFound(f"User {resource_id!r} not found.")
        return resource

    def query(rts: Iterable[ResourceType], q: Query) -> QueryResult:
        result = previous_query(rts, q)
        return _requery(result, lambda rt, r: not (_is_user(rt) and r.get("active") is False))

    provider.get = get  # type: ignore[method-assign]
    provider.query = query  # type: ignore[method-assign,assignment]


def _filter_misses_inactive(provider: ServiceProvider) -> None:
    previous = provider.query

    def query(rts: Iterable[ResourceType], q: Query) -> QueryResult:
        result = previous(rts, q)
        if q.filter is None:
            return result
        return _requery(result, lambda rt, r: not (_is_user(rt) and r.get("active") is False))

    provider.query = query  # type: ignore[method-assign,assignment]


def _search_index_lags(provider: ServiceProvider) -> None:
    previous = provider.query

    def indexed(rt: ResourceType, resource: Resource) -> bool:
        created = parse_datetime(resource.get("meta", {}).get("created", ""))
        return (
            not _is_user(rt)
            or created is None
            or (datetime.now(timezone.utc) - created > INDEX_LAG)
        )

    def query(rts: Iterable[ResourceType], q: Query) -> QueryResult:
        result = previous(rts, q)
        return result if q.filter is None else _requery(result, indexed)

    provider.query = query  # type: ignore[method-assign,assignment]


# -- leaver: deletion -----------------------------------------------------------------------


def _delete_soft_keeps_listing(provider: ServiceProvider) -> None:
    """DELETE hides the user from GET but queries still list it (as inactive)."""
    previous_delete, previous_query = provider.delete, provider.query
    ghosts: dict[str, Resource] = {}

    def delete(rt: ResourceType, resource_id: str, *args: Any) -> None:
        stored = provider.get(rt, resource_id)
        previous_delete(rt, resource_id, *args)
        if _is_user(rt):
            ghosts[resource_id] = {**stored, "active": False}

    def matches(rt: ResourceType, ghost: Resource, text: str | None) -> bool:
        if text is None:
            return True
        try:
            node = filters.parse_filter(text, rt.schema_ids)
            return filters.compile_filter(node, provider.registry, rt)(ghost)
        except errors.ScimError:
            return False

    def query(rts: Iterable[ResourceType], q: Query) -> QueryResult:
        rts = list(rts)
        result = previous_query(rts, q)
        extra = [
            (rt, copy.deepcopy(ghost))
            for rt in rts
            if _is_user(rt)
            for ghost in ghosts.values()
            if matches(rt, ghost, q.filter)
        ]
        return QueryResult(
            result.resources + extra,
            result.total_results + len(extra),
            result.start_index,
            result.items_per_page + len(extra),
        )

    provider.delete = delete  # type: ignore[method-assign,assignment]
    provider.query = query  # type: ignore[method-assign,assignment]


def _deleted_username_reserved(provider: ServiceProvider) -> None:
    previous_delete, previous_create = provider.delete, provider.create
    reserved: set[str] = set()

    def delete(rt: ResourceType, resource_id: str, *args: Any) -> None:
        name = provider.store.get(rt.name, resource_id).get("userName")
        previous_delete(rt, resource_id, *args)
        if _is_user(rt) and isinstance(name, str):
            reserved.add(name.lower())

    def create(rt: ResourceType, body: Any) -> Resource:
        name = _field(body, "username")
        if _is_user(rt) and isinstance(name, str) and name.lower() in reserved:
            raise errors.Uniqueness(f"userName {name!r} belonged to a deleted user.")
        return previous_create(rt, body)

    provider.delete = delete  # type: ignore[method-assign,assignment]
    provider.create = create  # type: ignore[method-assign]


def _delete_repeat_succeeds(provider: ServiceProvider) -> None:
    previous = provider.delete
    deleted: set[str] = set()

    def delete(rt: ResourceType, resource_id: str, *args: Any) -> None:
        if resource_id in deleted:
            return  # "already gone" answered like a success
        previous(rt, resource_id, *args)
        deleted.add(resource_id)

    provider.delete = delete  # type: ignore[method-assign,assignment]


def _bulk_stops_after_error(provider: ServiceProvider) -> None:
    """Inside one /Bulk request, every write after a failed one is refused (503)."""

    def guard(method: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not (has_request_context() and request.path.endswith("/Bulk")):
                return method(*args, **kwargs)
            if g.get("lifecycle_bulk_failed"):
                raise errors.ServiceUnavailable("Bulk aborted after an earlier error.")
            try:
                return method(*args, **kwargs)
            except errors.ScimError:
                g.lifecycle_bulk_failed = True
                raise

        return guarded

    for name in ("create", "replace", "patch", "delete"):
        setattr(provider, name, guard(getattr(provider, name)))


# -- registry -------------------------------------------------------------------------------

register(
    Fault(
        "group-member-value-is-display",
        ("C-4.2-03",),
        "The 201 answer to a Group create shows members[].value as the member's display name.",
        response=_member_value_is_display,
    )
)

Wrapper = Callable[[ServiceProvider], None]
_PROVIDER_FAULTS: tuple[tuple[str, tuple[str, ...], Wrapper, str], ...] = (
    ("group-display-name-optional", ("C-4.2-01",), _group_display_name_optional,
     "A Group without displayName is created with a generated one."),
    ("remove-member-filter-removes-all", ("P-3.5.2.2-04", "P-3.5.2.2-07"),
     _remove_member_filter_removes_all,
     'PATCH remove members[value eq "x"] removes every member.'),
    ("patch-remove-all-ignored", ("P-3.5.2.2-03",), _patch_remove_all_ignored,
     "PATCH remove path members (no filter) is silently ignored."),
    ("replace-members-appends", ("P-3.5.2.3-03", "P-3.5.2.3-04"), _replace_members_appends,
     "PATCH replace path members appends instead of replacing the set."),
    ("user-groups-writable", ("C-4.1.2-05",), _user_groups_writable,
     "User.groups sent by PATCH or PUT adds the user to those groups."),
    ("put-group-members-ignored", ("P-3.5.1-02", "P-3.5.1-09"), _put_group_members_ignored,
     "PUT of a Group keeps the stored members, whatever the body says."),
    ("group-delete-deletes-members", ("P-3.6-06",), _group_delete_deletes_members,
     "Deleting a Group also deletes its member Users."),
    ("user-delete-empties-groups", ("P-3.6-06",), _user_delete_empties_groups,
     "Deleting a User removes every member of the Groups it belonged to."),
    ("empty-group-deleted", ("P-3.5.2.2-04", "P-3.6-06"), _empty_group_deleted,
     "A PATCH that removes a Group's last member deletes the Group."),
    ("groups-attribute-stale", ("C-4.1.2-04",), _groups_attribute_stale,
     "User.groups is cached until the User itself changes; Group edits never show."),
    ("search-index-lags", ("P-3.4.2.2-05",), _search_index_lags,
     f"Filters miss Users created less than {INDEX_LAG.seconds}s ago."),
    ("patch-extension-path-ignored", ("P-3.5.2-07", "P-3.5.2.3-02"), _patch_extension_path_ignored,
     "PATCH operations on enterprise extension paths are silently dropped."),
    ("patch-pathless-extension-ignored", ("P-3.5.2-06",), _patch_pathless_extension_ignored,
     "Pathless PATCH values lose their extension (urn:…) members."),
    ("put-extension-ignored", ("P-3.5.1-02",), _put_keeps_stored(ENTERPRISE_USER),
     "PUT of a User keeps the stored enterprise extension values."),
    ("patch-active-path-ignored", ("P-3.5.2.3-10", "C-4.1.1-04"), _patch_active_path_ignored,
     "PATCH operations with path active are silently dropped."),
    ("put-active-ignored", ("P-3.5.1-02", "C-4.1.1-04"), _put_keeps_stored("active"),
     "PUT of a User keeps the stored active value."),
    ("patch-pathless-active-ignored", ("P-3.5.2.3-10", "P-3.5.2-06"),
     _patch_pathless_active_ignored,
     "Pathless PATCH values lose their active member."),
    ("deactivated-user-hidden", ("C-4.1.1-05",), _deactivated_user_hidden,
     "A User with active=false answers 404 and is left out of lists."),
    ("reactivation-fails", ("C-4.1.1-06",), _reactivation_fails,
     "active=true on a deactivated User (PATCH or PUT) is ignored."),
    ("filter-misses-inactive", ("C-4.1.1-05",), _filter_misses_inactive,
     "Filtered queries leave out Users with active=false."),
    ("delete-soft-keeps-listing", ("P-3.6-03",), _delete_soft_keeps_listing,
     "Deleted Users (as inactive) still appear in queries."),
    ("deleted-username-reserved", ("P-3.6-04",), _deleted_username_reserved,
     "The userName of a deleted User cannot be used again (409)."),
    ("delete-repeat-succeeds", ("P-3.6-02",), _delete_repeat_succeeds,
     "A second DELETE of a deleted resource answers 204 instead of 404."),
    ("bulk-stops-after-error", ("P-3.7-08",), _bulk_stops_after_error,
     "Without failOnErrors, /Bulk refuses every write after the first error (503)."),
)  # fmt: skip
for _name, _requirements, _wrapper, _description in _PROVIDER_FAULTS:
    register(Fault(_name, _requirements, _description, provider=_wrapper))
