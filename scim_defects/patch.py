"""Defects of the PATCH engine (RFC 7644 §3.5.2): operation semantics, paths and targets.

Each defect wraps the provider's PATCH engine seam (:attr:`scim_mock.seams.Seams.apply_patch`),
rewriting the Operations before the engine it was given runs or the resource it returns, so that
several defects compose. Defects of what a PATCH request leaves behind and answers (atomicity,
meta, the body, error types) live in :mod:`scim_defects.patch_outcomes`. The defect matrix
(``tests/defects``) proves the matching checks fail.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from scim_defects.common import key_of
from scim_defects.registry import Defect, SeamsChange, register
from scim_mock.errors import InvalidPath, NoTarget
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.seams import PatchEngine, Seams

Resource = dict[str, Any]
Op = dict[str, Any]
Registry = SchemaRegistry
OpsRewrite = Callable[[Resource, list[Any], Registry, ResourceType], list[Any]]
_FILTERED = re.compile(r"^([^\[\]]+)\[(.*)\]$")
_FILTERED_SUB = re.compile(r"^([^\[\]]+)\[(.*)\](\.[\w$]+)$")
_READ_ONLY = re.compile(r"^(id|meta)(\.|$)", re.IGNORECASE)


def _op(operation: Any) -> str:
    return str(operation.get("op", "")).lower() if isinstance(operation, dict) else ""


def _path(operation: Any) -> str:
    path = operation.get("path") if isinstance(operation, dict) else None
    return path if isinstance(path, str) else ""


def _wrap_engine(seams: Seams, wrapper: Callable[[PatchEngine], PatchEngine]) -> Seams:
    """Wrap the engine installed so far, so that engine defects compose."""
    return seams.replace(apply_patch=wrapper(seams.apply_patch))


def _rewrite_ops(seams: Seams, rewrite_ops: OpsRewrite, *, users_only: bool = False) -> Seams:
    """Rewrite the Operations before the engine runs; none left means a silent no-op."""

    def wrapper(engine: PatchEngine) -> PatchEngine:
        def apply(resource: Resource, operations: Any, registry: Registry, rt: ResourceType) -> Any:
            if (
                isinstance(operations, list)
                and operations
                and not (users_only and rt.name != "User")
            ):
                operations = rewrite_ops(resource, operations, registry, rt)
                if not operations:
                    return copy.deepcopy(resource)
            return engine(resource, operations, registry, rt)

        return apply

    return _wrap_engine(seams, wrapper)


def _drop(predicate: Callable[[Any], bool]) -> OpsRewrite:
    return lambda resource, ops, registry, rt: [op for op in ops if not predicate(op)]


def _multi_valued(rt: ResourceType, registry: Registry, name: str) -> bool:
    resolved = registry.resolve(rt, name, None, None)
    return resolved is not None and resolved.attribute.multi_valued


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        va, vb = a.get("value"), b.get("value")
        return isinstance(va, str) and isinstance(vb, str) and va.lower() == vb.lower()
    return bool(a == b)


# -- defects of the engine's result -----------------------------------------------------------


def _added_values(operation: Any) -> list[tuple[str, list[Any]]]:
    """(attribute name, values) an add operation appends to multi-valued attributes."""
    if _op(operation) != "add":
        return []
    value = operation.get("value")
    path = _path(operation)
    if path and "[" not in path and "." not in path and isinstance(value, list):
        return [(path, value)]
    if not path and isinstance(value, dict):
        return [(k, v) for k, v in value.items() if isinstance(v, list)]
    return []


def _add_duplicates(seams: Seams) -> Seams:
    def wrapper(engine: PatchEngine) -> PatchEngine:
        def apply(resource: Resource, operations: Any, registry: Registry, rt: ResourceType) -> Any:
            result = engine(resource, operations, registry, rt)
            for operation in operations:
                for name, values in _added_values(operation):
                    old, key = resource.get(key_of(resource, name) or ""), key_of(result, name)
                    if isinstance(old, list) and key is not None:
                        for value in values:
                            if any(_same_value(value, o) for o in old):
                                result[key].append(copy.deepcopy(value))
            return result

        return apply

    return _wrap_engine(seams, wrapper)


def _primary_not_unique(seams: Seams) -> Seams:
    def wrapper(engine: PatchEngine) -> PatchEngine:
        def apply(resource: Resource, operations: Any, registry: Registry, rt: ResourceType) -> Any:
            result = engine(resource, operations, registry, rt)
            for key, values in result.items():
                old = resource.get(key)
                if not (isinstance(values, list) and isinstance(old, list)):
                    continue
                was_primary = [o for o in old if isinstance(o, dict) and o.get("primary")]
                for value in values:
                    if isinstance(value, dict) and any(_same_value(value, o) for o in was_primary):
                        value["primary"] = True
            return result

        return apply

    return _wrap_engine(seams, wrapper)


def _no_target_succeeds(seams: Seams) -> Seams:
    def wrapper(engine: PatchEngine) -> PatchEngine:
        def apply(resource: Resource, operations: Any, registry: Registry, rt: ResourceType) -> Any:
            try:
                return engine(resource, operations, registry, rt)
            except NoTarget:
                if isinstance(operations, list) and any(
                    _op(op) == "replace" and "[" in _path(op) for op in operations
                ):
                    return copy.deepcopy(resource)
                raise

        return apply

    return _wrap_engine(seams, wrapper)


def _replace_filter_first_match_only(seams: Seams) -> Seams:
    """A replace with a value filter (no sub-attribute) stops at the first value it matches."""

    def wrapper(engine: PatchEngine) -> PatchEngine:
        def apply(resource: Resource, operations: Any, registry: Registry, rt: ResourceType) -> Any:
            result = engine(resource, operations, registry, rt)
            for operation in operations if isinstance(operations, list) else []:
                match = _FILTERED.match(_path(operation))
                if _op(operation) != "replace" or not match:
                    continue
                old, key = resource.get(key_of(resource, match[1]) or ""), key_of(result, match[1])
                new = result.get(key) if key is not None else None
                if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)):
                    continue
                # The engine replaces every match in place; keep only the first replacement.
                changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
                for i in changed[1:]:
                    new[i] = copy.deepcopy(old[i])
            return result

        return apply

    return _wrap_engine(seams, wrapper)


# -- defects that rewrite the Operations before the engine runs ---------------------------------


def _with_path(operation: Op, path: str) -> Op:
    return {**{k: v for k, v in operation.items() if k.lower() != "path"}, "path": path}


def _remove_filter_ignored(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        return [
            _with_path(op, match[1])
            if _op(op) == "remove" and (match := _FILTERED.match(_path(op)))
            else op
            for op in ops
        ]

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _replace_filter_replaces_all(seams: Seams) -> Seams:
    def every(path: str) -> str:
        sub = _FILTERED_SUB.match(path)
        if sub:
            return f"{sub[1]}[value pr or not (value pr)]{sub[3]}"
        match = _FILTERED.match(path)
        return f"{match[1]}[value pr or not (value pr)]" if match else path

    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        return [
            _with_path(op, every(_path(op))) if _op(op) == "replace" and "[" in _path(op) else op
            for op in ops
        ]

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _sub_attribute_path_ignored(seams: Seams) -> Seams:
    sub_path = re.compile(r"^(?!meta\b)[\w$]+(\[.*\])?\.[\w$]+$", re.IGNORECASE)
    return _rewrite_ops(seams, _drop(lambda op: bool(sub_path.match(_path(op)))), users_only=True)


def _plain(path: str) -> bool:
    """A path naming one attribute: no filter, sub-attribute or URN."""
    return bool(path) and not any(c in path for c in "[.:")


def _add_to_unassigned_ignored(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        return [
            op for op in ops
            if not (_op(op) == "add" and _plain(_path(op)) and key_of(resource, _path(op)) is None)
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _pathless_add_ignored(seams: Seams) -> Seams:
    drop = _drop(lambda op: _op(op) == "add" and not _path(op))
    return _rewrite_ops(seams, drop, users_only=True)


def _pathless_replace_ignored(seams: Seams) -> Seams:
    drop = _drop(lambda op: _op(op) == "replace" and not _path(op))
    return _rewrite_ops(seams, drop, users_only=True)


def _remove_without_filter_ignored(seams: Seams) -> Seams:
    def rewrite_ops(
        resource: Resource, ops: list[Any], reg: Registry, rt: ResourceType
    ) -> list[Any]:
        return [
            op for op in ops
            if not (_op(op) == "remove" and _plain(_path(op))
                    and _multi_valued(rt, reg, _path(op)))
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _replace_keeps_assigned(seams: Seams) -> Seams:
    def rewrite_ops(
        resource: Resource, ops: list[Any], reg: Registry, rt: ResourceType
    ) -> list[Any]:
        return [
            op for op in ops
            if not (_op(op) == "replace" and _plain(_path(op))
                    and not _READ_ONLY.match(_path(op))
                    and not _multi_valued(rt, reg, _path(op))
                    and key_of(resource, _path(op)) is not None)
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _extension_urn_path_fails(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        for op in ops:
            if _path(op).lower().startswith("urn:"):
                raise InvalidPath(f"Unknown attribute path {_path(op)!r}.")
        return ops

    return _rewrite_ops(seams, rewrite_ops)


def _pathless_add_replaces_multivalued(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        result: list[Any] = []
        for op in ops:
            value = op.get("value") if isinstance(op, dict) else None
            if _op(op) != "add" or _path(op) or not isinstance(value, dict):
                result.append(op)
                continue
            rest = {k: v for k, v in value.items() if not isinstance(v, list)}
            if rest:
                result.append({**op, "value": rest})
            result.extend(
                {"op": "replace", "path": k, "value": v}
                for k, v in value.items()
                if isinstance(v, list)
            )
        return result

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _read_only_accepted(seams: Seams) -> Seams:
    return _rewrite_ops(seams, _drop(lambda op: bool(_READ_ONLY.match(_path(op)))))


def _immutable_replace_accepted(seams: Seams) -> Seams:
    immutable = re.compile(r"^members\[.*\]\.(value|type|\$ref)$", re.IGNORECASE)
    return _rewrite_ops(
        seams, _drop(lambda op: _op(op) == "replace" and bool(immutable.match(_path(op))))
    )


def _op_case_ignored(seams: Seams) -> Seams:
    def misspelt(op: Any) -> bool:
        name = op.get("op") if isinstance(op, dict) else None
        return isinstance(name, str) and name != name.lower()

    return _rewrite_ops(seams, _drop(misspelt))


def _unknown_op_ignored(seams: Seams) -> Seams:
    return _rewrite_ops(
        seams,
        _drop(lambda op: isinstance(op, dict) and "op" in op
              and _op(op) not in ("add", "remove", "replace")),
    )  # fmt: skip


def _incomplete_op_ignored(seams: Seams) -> Seams:
    def incomplete(op: Any) -> bool:
        if not isinstance(op, dict):
            return False
        keys = {k.lower() for k in op}
        return (
            "op" not in keys
            or (_op(op) == "add" and "value" not in keys)
            or (_op(op) == "remove" and "path" not in keys)
        )

    return _rewrite_ops(seams, _drop(incomplete))


def _add_only_multivalued(seams: Seams) -> Seams:
    def rewrite_ops(
        resource: Resource, ops: list[Any], reg: Registry, rt: ResourceType
    ) -> list[Any]:
        return [
            op
            for op in ops
            if not (_op(op) == "add" and _path(op) and "[" not in _path(op)
                    and "." not in _path(op) and not _multi_valued(rt, reg, _path(op)))
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _remove_only_multivalued(seams: Seams) -> Seams:
    def rewrite_ops(
        resource: Resource, ops: list[Any], reg: Registry, rt: ResourceType
    ) -> list[Any]:
        return [
            op
            for op in ops
            if not (_op(op) == "remove" and _path(op) and "[" not in _path(op)
                    and not _path(op).lower().startswith(("urn:", "id", "meta", "username"))
                    and not _multi_valued(rt, reg, _path(op).split(".")[0]))
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _replace_unassigned_no_target(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        for op in ops:
            path = _path(op)
            if _op(op) == "replace" and path and "[" not in path and ":" not in path:
                first = path.split(".")[0]
                container = resource.get(key_of(resource, first) or "")
                if container is None or (
                    "." in path and isinstance(container, dict)
                    and key_of(container, path.split(".")[1]) is None
                ):  # fmt: skip
                    raise NoTarget(f"'{path}' has no value to replace.")
        return ops

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _replace_complex_drops_sub_attributes(seams: Seams) -> Seams:
    def rewrite_ops(resource: Resource, ops: list[Any], _: Registry, rt: ResourceType) -> list[Any]:
        result: list[Any] = []
        for op in ops:
            value = op.get("value") if isinstance(op, dict) else None
            if _op(op) == "replace" and _path(op).lower() == "name" and isinstance(value, dict):
                result.append({"op": "remove", "path": "name"})
            result.append(op)
        return result

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _replace_multivalued_appends(seams: Seams) -> Seams:
    def rewrite_ops(
        resource: Resource, ops: list[Any], reg: Registry, rt: ResourceType
    ) -> list[Any]:
        return [
            {**op, "op": "add"}
            if _op(op) == "replace" and _path(op) and "[" not in _path(op)
            and _multi_valued(rt, reg, _path(op)) else op
            for op in ops
        ]  # fmt: skip

    return _rewrite_ops(seams, rewrite_ops, users_only=True)


def _operations_reversed(seams: Seams) -> Seams:
    return _rewrite_ops(seams, lambda resource, ops, registry, rt: list(reversed(ops)))


_SEMANTIC: list[tuple[str, tuple[str, ...], SeamsChange, str]] = [
    ("patch-add-duplicates", ("P-3.5.2.1-07",), _add_duplicates,
     "PATCH add appends values that are already present (no de-duplication)."),
    ("patch-primary-not-unique", ("P-3.5.2-13",), _primary_not_unique,
     "Setting primary on one value leaves primary=true on the value that had it."),
    ("patch-remove-filter-ignored", ("P-3.5.2.2-05",), _remove_filter_ignored,
     "PATCH remove with a value filter on a User removes the whole attribute."),
    ("patch-replace-filter-first-match-only", ("P-3.5.2.3-07",),
     _replace_filter_first_match_only,
     "PATCH replace with a value filter (a whole value, no sub-attribute) replaces only the "
     "first matching value and leaves the other matches unchanged."),
    ("patch-replace-filter-replaces-all", ("P-3.5.2.3-07", "P-3.5.2.3-08"),
     _replace_filter_replaces_all,
     "PATCH replace with a value filter on a User changes every value, not only the matches."),
    ("patch-subattr-path-ignored", ("P-3.5.2-07",), _sub_attribute_path_ignored,
     "PATCH operations on a User with a sub-attribute path (name.givenName, "
     "emails[type eq \"work\"].value) are silently skipped."),
    ("patch-add-to-unassigned-ignored", ("P-3.5.2.1-03",), _add_to_unassigned_ignored,
     "PATCH add with a path to a User attribute that has no value is silently skipped."),
    ("patch-pathless-add-ignored", ("P-3.5.2.1-02",), _pathless_add_ignored,
     "PATCH add without a path on a User is silently skipped."),
    ("patch-pathless-replace-ignored", ("P-3.5.2.3-01", "P-3.5.2-06"), _pathless_replace_ignored,
     "PATCH replace without a path on a User is silently skipped."),
    ("patch-remove-without-filter-ignored", ("P-3.5.2.2-03",), _remove_without_filter_ignored,
     "PATCH remove of a User's multi-valued attribute without a filter is silently skipped."),
    ("patch-replace-keeps-assigned", ("P-3.5.2.3-02",), _replace_keeps_assigned,
     "PATCH replace with a path to an assigned single-valued User attribute is silently "
     "skipped."),
    ("patch-extension-urn-path-fails", ("P-3.5.2-07", "P-3.5.2-11"), _extension_urn_path_fails,
     "PATCH paths that start with an extension URN are refused as invalidPath."),
    ("patch-pathless-add-replaces-multivalued", ("P-3.5.2.1-02", "P-3.5.2.1-05"),
     _pathless_add_replaces_multivalued,
     "PATCH add without a path replaces a User's multi-valued attributes instead of appending."),
    ("patch-notarget-200", ("P-3.5.2.3-09",), _no_target_succeeds,
     "PATCH replace with a value filter that matches nothing succeeds without change."),
    ("patch-readonly-accepted", ("P-3.5.2-08", "P-3.5.2.2-06"), _read_only_accepted,
     "PATCH operations on id or meta are accepted (silently skipped) instead of mutability."),
    ("patch-immutable-replace-accepted", ("P-3.5.2-08",), _immutable_replace_accepted,
     "PATCH replace of a member's immutable value is accepted (silently skipped)."),
    ("patch-op-case-ignored", ("P-3.5.2-02",), _op_case_ignored,
     "Operations whose op is not spelled in lower case are silently skipped."),
    ("patch-unknown-op-ignored", ("P-3.5.2-02",), _unknown_op_ignored,
     "Operations with an op other than add, remove or replace are silently skipped."),
    ("patch-incomplete-op-ignored", ("P-3.5.2-05", "P-3.5.2.1-01", "P-3.5.2.2-01"),
     _incomplete_op_ignored,
     "Operations without op, an add without value and a remove without path are silently "
     "skipped."),
    ("patch-add-only-multivalued", ("P-3.5.2.1-03", "P-3.5.2.1-04", "P-3.5.2.1-06"),
     _add_only_multivalued,
     "PATCH add with a path to a single-valued User attribute is silently skipped."),
    ("patch-remove-only-multivalued", ("P-3.5.2.2-02",), _remove_only_multivalued,
     "PATCH remove with a path to a single-valued User attribute is silently skipped."),
    ("patch-replace-unassigned-notarget", ("P-3.5.2.3-05",), _replace_unassigned_no_target,
     "PATCH replace of an unassigned User attribute is refused with noTarget."),
    ("patch-replace-complex-drops-subattributes", ("P-3.5.2.3-06",),
     _replace_complex_drops_sub_attributes,
     "PATCH replace of a User's name drops the sub-attributes the value does not give."),
    ("patch-replace-multivalued-appends", ("P-3.5.2.3-03",), _replace_multivalued_appends,
     "PATCH replace of a User's multi-valued attribute (no filter) appends instead."),
    ("patch-operations-reversed", ("P-3.5.2-12",), _operations_reversed,
     "PATCH applies the Operations in reverse order."),
]  # fmt: skip

for _name, _ids, _change, _text in _SEMANTIC:
    register(Defect(_name, _ids, _text, change_seams=_change))
