"""PATCH (RFC 7644 §3.5.2): apply ``add``, ``remove`` and ``replace`` operations to a resource.

:func:`apply_patch` is pure and all-or-nothing (P-3.5.2-14): it works on a deep copy, runs the
operations in order, each on the result of the previous one (P-3.5.2-12), and returns the new
resource only when every operation succeeded. The caller (the service provider) stores it and
updates ``meta``. Values pass through :mod:`scim_mock.validation` before they are stored.

Decisions where the RFC leaves room (each also noted where it is implemented):

* readOnly sub-attributes inside a value (the RFC's own examples send ``members.display``) are
  dropped, as on create; a *path* naming a readOnly attribute is ``mutability``.
* ``add`` with a value-filter path updates the matching values (merging sub-attributes, or
  setting the sub-attribute after the brackets); no match is ``noTarget`` (P-3.12-21).
* ``remove`` with a value filter that matches nothing succeeds without change (P-3.5.2.2-07).
* ``replace`` with ``null`` (or ``[]``/``{}``) removes the target (RFC 7643 §2.5).
* A sub-attribute path on a multi-valued attribute without a filter (``emails.value``) is
  ``invalidPath`` for add/replace (which values?) and removes it from every value for remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_mock.errors import InvalidPath, InvalidValue, Mutability, NoTarget
from scim_mock.patch_targets import (
    Target,
    check_mutability,
    matching,
    members_of,
    parse_operations,
    settle_primary,
)
from scim_mock.schema import Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.validation import (
    SCHEMAS,
    canonicalize_value,
    check_required,
    display_path,
    equal_values,
    get_value,
    set_value,
    strip_read_only_value,
)
from scim_mock.values import container, is_present, json_copy

__all__ = ["add", "apply_patch", "remove", "replace"]


@dataclass
class Context:
    """What the operations share: the schemas, and the extensions they touched."""

    registry: SchemaRegistry
    resource_type: ResourceType
    touched: set[str] = field(default_factory=set)

    def value(self, resolved: ResolvedAttribute, raw: Any, *, element: bool = False) -> Any:
        """``raw`` checked and canonicalized for ``resolved``, readOnly sub-attributes dropped."""
        canonical = canonicalize_value(
            self.registry, self.resource_type, resolved, raw, element=element
        )
        return strip_read_only_value(resolved.target, canonical)

    def touch(self, target: Target) -> None:
        """Remember an extension whose presence in ``schemas`` must be settled at the end."""
        if target.schema is not None:
            self.touched.add(target.schema)


def apply_patch(
    resource: dict[str, Any],
    operations: Any,
    registry: SchemaRegistry,
    resource_type: ResourceType,
) -> dict[str, Any]:
    """Apply the ``Operations`` array of a PatchOp message; return a new resource.

    ``resource`` is never modified. Any failing operation raises its ``ScimError`` and nothing
    is applied (P-3.5.2-14). Required attributes are checked on the result (P-3.12-22).
    """
    parsed = parse_operations(operations, registry, resource_type)
    result = json_copy(resource)
    context = Context(registry, resource_type)
    for operation in parsed:
        if operation.op == "add":
            add(result, operation.target, operation.value, context)
        elif operation.op == "replace":
            replace(result, operation.target, operation.value, context)
        else:
            assert operation.target is not None
            remove(result, operation.target, context)
    _settle_extensions(result, context)
    check_required(registry, resource_type, result)
    return result


# -- the three operations -------------------------------------------------------------------


def add(resource: dict[str, Any], target: Target | None, value: Any, context: Context) -> None:
    """RFC 7644 §3.5.2.1: add values (P-3.5.2.1-02 to -07).

    No path: ``value`` is an object of attributes, each added in turn. Multi-valued: append,
    skipping values already present. Complex: merge the given sub-attributes. Single-valued:
    set (replacing any value). Immutable: only while unset (P-3.5.2-09, C-7-14).
    """
    if target is None or target.extension is not None:
        extension = None if target is None else target.extension
        for member, member_value in members_of(
            value, context.registry, context.resource_type, extension
        ):
            add(resource, member, member_value, context)
        return
    check_mutability(target)
    if value is None:
        raise InvalidValue(f"add on '{target.path}' needs a value; use remove to clear it.")
    context.touch(target)
    resolved = target.attribute
    if target.matcher is not None:
        _update_matches(resource, target, value, context, merge=True)
        return
    if resolved.sub_attribute is not None:
        _check_sub_path(target)
        _set_sub_attribute(resource, target, context.value(resolved, value))
        return
    new = context.value(resolved, value, element=True)
    if new is None:
        return  # [] or {}: nothing to add
    attribute = resolved.attribute
    before = get_value(resource, resolved)
    snapshot = json_copy(before)
    if attribute.multi_valued:
        items = list(before) if isinstance(before, list) else []
        written = []
        for element in new if isinstance(new, list) else [new]:
            stored = _append(attribute, items, element)
            if _sets_primary(element):
                written.append(stored)
        settle_primary(attribute, items, written, display_path(resolved))
        set_value(resource, resolved, items)
    elif attribute.is_complex:
        set_value(resource, resolved, _merge(attribute, before, new, resolved))
    else:
        set_value(resource, resolved, new)
    _guard_immutable(resolved, snapshot, get_value(resource, resolved))


def replace(resource: dict[str, Any], target: Target | None, value: Any, context: Context) -> None:
    """RFC 7644 §3.5.2.3: replace values (P-3.5.2.3-01 to -10).

    No path: each attribute of ``value`` is replaced. Multi-valued: the whole list is replaced;
    with a value filter, every matching value (or its sub-attribute) is, and no match is
    ``noTarget`` (P-3.5.2.3-09). Complex: only the given sub-attributes change
    (P-3.5.2.3-06). An unset target is added (P-3.5.2.3-05). ``null`` removes the target.
    """
    if target is None or (target.extension is not None and value is not None):
        extension = None if target is None else target.extension
        for member, member_value in members_of(
            value, context.registry, context.resource_type, extension
        ):
            replace(resource, member, member_value, context)
        return
    if target.extension is not None or value is None:
        if target.matcher is not None:
            _require_match(resource, target)
        remove(resource, target, context)
        return
    check_mutability(target)
    context.touch(target)
    resolved = target.attribute
    if target.matcher is not None:
        _update_matches(resource, target, value, context, merge=False)
        return
    if resolved.sub_attribute is not None:
        _check_sub_path(target)
    new = context.value(resolved, value, element=True)
    if new is None:
        remove(resource, target, context)  # RFC 7643 §2.5: [] and {} mean unassigned
        return
    if resolved.sub_attribute is not None:
        _set_sub_attribute(resource, target, new)
        return
    attribute = resolved.attribute
    before = get_value(resource, resolved)
    snapshot = json_copy(before)
    if attribute.multi_valued:
        items: list[Any] = []
        for element in new if isinstance(new, list) else [new]:
            _append(attribute, items, element)  # C-2.4-06: no value twice
        set_value(resource, resolved, items)
    elif attribute.is_complex:
        set_value(resource, resolved, _merge(attribute, before, new, resolved))
    else:
        set_value(resource, resolved, new)
    _guard_immutable(resolved, snapshot, get_value(resource, resolved))


def remove(resource: dict[str, Any], target: Target, context: Context) -> None:
    """RFC 7644 §3.5.2.2: remove values (P-3.5.2.2-02 to -07).

    Single-valued or whole multi-valued targets become unassigned; a value filter removes the
    matching values (or their sub-attribute) and matching nothing is a successful no-op
    (P-3.5.2.2-07). Removing a required, readOnly or set immutable value is ``mutability``
    (P-3.5.2.2-06, C-7-14). A bare extension URN removes the extension and its URN.
    """
    if target.extension is not None:
        extensions = context.resource_type.schema_extensions
        if any(e.required and e.schema == target.extension for e in extensions):
            raise Mutability(f"Extension {target.extension} is required and cannot be removed.")
        resource.pop(target.extension, None)
        context.touch(target)
        return
    check_mutability(target)
    context.touch(target)
    resolved = target.attribute
    attribute, sub = resolved.attribute, resolved.sub_attribute
    current = get_value(resource, resolved)
    if target.matcher is not None or (sub is not None and attribute.multi_valued):
        items = current if isinstance(current, list) else []
        if target.matcher is not None:
            selected = matching(items, target)
        else:
            selected = [e for e in items if isinstance(e, dict)]
        if not selected:
            return  # P-3.5.2.2-07: removing a value that is not there changes nothing
        if sub is not None:
            for element in selected:
                _drop_sub(element, sub, resolved)
            remaining = [e for e in items if e != {}]
        else:
            remaining = [e for e in items if not any(e is s for s in selected)]
        if remaining:
            set_value(resource, resolved, remaining)
        else:
            _unassign(resource, resolved)
        return
    if sub is not None:
        if not isinstance(current, dict) or sub.name not in current:
            return
        holder = dict(current)
        _drop_sub(holder, sub, resolved)
        if holder:
            set_value(resource, resolved, holder)
        else:
            _unassign(resource, resolved)
        return
    if attribute.mutability == "immutable" and is_present(current):
        raise Mutability(f"Immutable attribute '{display_path(resolved)}' cannot be removed.")
    _unassign(resource, resolved)


# -- helpers ----------------------------------------------------------------------------------


def _update_matches(
    resource: dict[str, Any], target: Target, value: Any, context: Context, *, merge: bool
) -> None:
    """add/replace on ``attr[filter]`` or ``attr[filter].sub``: change every matching value."""
    resolved = target.attribute
    attribute = resolved.attribute
    items = _require_match(resource, target)
    matched = matching(items, target)
    snapshot = json_copy(items)
    if resolved.sub_attribute is not None:
        new = context.value(resolved, value)  # never None: value is not null here
        for element in matched:
            _put_sub(element, resolved.sub_attribute, new, resolved)
    else:
        new = context.value(resolved, value, element=True)
        if new is None:
            if not merge:
                remove(resource, target, context)
            return
        if not isinstance(new, dict):
            raise InvalidValue(f"'{target.path}' selects single values: value must be an object.")
        for element in matched:
            if merge:
                element.update(_merge(attribute, element, new, resolved))
            else:
                replacement = _replacement(attribute, element, new, resolved)
                element.clear()
                element.update(replacement)
    sub = resolved.sub_attribute
    sets_primary = new is True if sub is not None and sub.name == "primary" else _sets_primary(new)
    settle_primary(attribute, items, matched if sets_primary else [], display_path(resolved))
    set_value(resource, resolved, items)
    _guard_immutable(resolved, snapshot, items)


def _require_match(resource: dict[str, Any], target: Target) -> list[Any]:
    """The current values; ``noTarget`` when the filter selects none of them (P-3.12-21)."""
    current = get_value(resource, target.attribute)
    items = current if isinstance(current, list) else []
    if not matching(items, target):
        raise NoTarget(f"No value matches the filter in '{target.path}'.")
    return items


def _replacement(
    attribute: Attribute, old: dict[str, Any], new: dict[str, Any], resolved: ResolvedAttribute
) -> dict[str, Any]:
    """A value replacing ``old``: set immutable sub-attributes must stay (omitted = kept)."""
    result = json_copy(new)
    for sub in attribute.sub_attributes:
        if sub.mutability != "immutable" or not is_present(old.get(sub.name)):
            continue
        if sub.name not in result:
            result[sub.name] = old[sub.name]
        elif not equal_values(sub, old[sub.name], result[sub.name]):
            path = display_path(ResolvedAttribute(resolved.schema, attribute, sub))
            raise Mutability(f"Immutable attribute '{path}' cannot change.")
    return result


def _set_sub_attribute(resource: dict[str, Any], target: Target, new: Any) -> None:
    """add/replace on ``complex.sub`` of a single-valued complex attribute."""
    resolved = target.attribute
    assert resolved.sub_attribute is not None
    current = get_value(resource, resolved)
    holder = dict(current) if isinstance(current, dict) else {}
    _put_sub(holder, resolved.sub_attribute, new, resolved)
    set_value(resource, resolved, holder)


def _check_sub_path(target: Target) -> None:
    resolved = target.attribute
    assert resolved.sub_attribute is not None
    if resolved.attribute.multi_valued:
        raise InvalidPath(
            f"'{target.path}' does not say which values to change; use a value filter "
            f"such as {resolved.attribute.name}[type eq \"work\"].{resolved.sub_attribute.name}."
        )


def _merge(
    attribute: Attribute, current: Any, new: dict[str, Any], resolved: ResolvedAttribute
) -> dict[str, Any]:
    """``current`` with the sub-attributes of ``new`` written over it (P-3.5.2.3-06)."""
    merged = dict(current) if isinstance(current, dict) else {}
    for name, sub_value in new.items():
        sub = attribute.sub_attribute(name)
        assert sub is not None  # canonicalized
        _put_sub(merged, sub, json_copy(sub_value), resolved)
    return merged


def _put_sub(
    holder: dict[str, Any], sub: Attribute, value: Any, resolved: ResolvedAttribute
) -> None:
    current = holder.get(sub.name)
    if sub.mutability == "immutable" and is_present(current):
        if not equal_values(sub, current, value):
            path = display_path(ResolvedAttribute(resolved.schema, resolved.attribute, sub))
            raise Mutability(f"Immutable attribute '{path}' already has a value.")
    holder[sub.name] = value


def _drop_sub(holder: dict[str, Any], sub: Attribute, resolved: ResolvedAttribute) -> None:
    path = display_path(ResolvedAttribute(resolved.schema, resolved.attribute, sub))
    if sub.required:
        raise Mutability(f"Required attribute '{path}' cannot be removed.")
    if sub.mutability == "immutable" and is_present(holder.get(sub.name)):
        raise Mutability(f"Immutable attribute '{path}' cannot be removed.")
    holder.pop(sub.name, None)


def _unassign(resource: dict[str, Any], resolved: ResolvedAttribute) -> None:
    # P-3.5.2.2-06: a required attribute never becomes unassigned through PATCH.
    if resolved.attribute.required:
        raise Mutability(f"Required attribute '{display_path(resolved)}' cannot be removed.")
    holder = container(resource, resolved)
    if holder is not None:
        holder.pop(resolved.attribute.name, None)


def _append(attribute: Attribute, items: list[Any], element: Any) -> Any:
    """Add one value unless it is already there (P-3.5.2.1-07, C-2.4-06); return it.

    A complex value with a ``value`` sub-attribute is "already there" when an existing value
    has the same ``value`` and a compatible ``type``; the new sub-attributes are then merged
    into it, leaving equal and set immutable ones as they are. Other values must be equal
    (:func:`equal_values`).
    """
    for existing in items:
        if _same_value(attribute, existing, element):
            if isinstance(existing, dict) and isinstance(element, dict):
                for name, sub_value in element.items():
                    sub = attribute.sub_attribute(name)
                    old = existing.get(name)
                    if sub is not None and is_present(old) and (
                        sub.mutability == "immutable" or equal_values(sub, old, sub_value)
                    ):
                        continue
                    existing[name] = json_copy(sub_value)
            return existing
    items.append(json_copy(element))
    return items[-1]


def _sets_primary(value: Any) -> bool:
    return isinstance(value, dict) and value.get("primary") is True


def _same_value(attribute: Attribute, a: Any, b: Any) -> bool:
    value_sub = attribute.sub_attribute("value")
    if (
        value_sub is None
        or not (isinstance(a, dict) and isinstance(b, dict))
        or not (is_present(a.get("value")) and is_present(b.get("value")))
    ):
        return equal_values(attribute, a, b)
    if not equal_values(value_sub, a["value"], b["value"]):
        return False
    type_sub = attribute.sub_attribute("type")
    if type_sub is None or a.get("type") is None or b.get("type") is None:
        return True
    return equal_values(type_sub, a["type"], b["type"])


def _guard_immutable(resolved: ResolvedAttribute, before: Any, after: Any) -> None:
    """An immutable attribute that had a value must not change (P-3.5.2-09, C-7-14)."""
    attribute = resolved.attribute
    if attribute.mutability != "immutable" or not is_present(before):
        return
    if not equal_values(attribute, before, after):
        raise Mutability(f"Immutable attribute '{display_path(resolved)}' already has a value.")


def _settle_extensions(resource: dict[str, Any], context: Context) -> None:
    """Keep ``schemas`` in step with the extensions present (P-3.5.2-10, P-3.5.2-11, C-3.3-04).

    An extension given a value is added to ``schemas``; one left empty is dropped from the
    resource and from ``schemas`` (required extensions are then caught by check_required).
    """
    schemas = resource.setdefault(SCHEMAS, [context.resource_type.schema])
    for urn in sorted(context.touched):
        data = resource.get(urn)
        listed = [s for s in schemas if isinstance(s, str) and s.lower() == urn.lower()]
        if isinstance(data, dict) and data:
            if not listed:
                schemas.append(urn)
        else:
            resource.pop(urn, None)
            schemas[:] = [s for s in schemas if s not in listed]
