"""Client dialects (``MockConfig.compat``): PATCH shapes that real provisioning clients send and
RFC 7644 refuses, rewritten into what the RFC says before the PATCH engine sees them.

Strict stays the default. With ``compat=()`` nothing is rewritten; the engine sees the request
as sent and refuses it as before. Only the error ``detail`` then names the client that likely
sent the shape and the fix (:func:`wrap_seams`). Every rewrite is reported as a
:class:`Deviation` through a sink the HTTP layer provides. The sink counts it in the app's
:class:`Journal` and shows it in the request log.

Shapes the strict mock already accepts, because the RFC allows them, are not deviations:
capitalised ``op`` values ("Replace"), pathless values keyed by ``name.givenName`` or by
URN-qualified names, and members sent with ``"$ref": null``.

Pure domain code: no Flask, no request. The current resource comes from the provider's
transaction, through the PATCH engine seam.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scim_mock.errors import ScimError
from scim_mock.filter_parser import Comparison, Filter, parse_patch_path
from scim_mock.patch_targets import Target, matching, resolve_target
from scim_mock.schema import Attribute, ResourceType, SchemaRegistry
from scim_mock.seams import PatchEngine, Seams
from scim_mock.validation import get_value

__all__ = ["RULES", "Deviation", "Journal", "Rule", "normalise_patch", "wrap_seams"]

Resource = dict[str, Any]
Operation = dict[str, Any]
#: Receives the deviations of one successful PATCH (the HTTP layer ties them to the request).
Sink = Callable[[Sequence["Deviation"]], None]


@dataclass(frozen=True)
class Rule:
    """One accepted deviation: its dialect, what the client does, and the strict-mode hint."""

    id: str
    dialect: str
    description: str
    hint: str


_FLAG = "without the aadOptscim062020 flag"
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "okta-pathless-replace-id",
            "okta",
            "Okta renames a group with a pathless replace whose value repeats the group's own "
            "id; id is readOnly (RFC 7643 §3.1) and PATCH may not set it (RFC 7644 §3.5.2).",
            "Okta renames groups this way; leave 'id' out of the value, or start the mock "
            "with --compat okta to accept it.",
        ),
        Rule(
            "entra-remove-member-value",
            "entra",
            f"Microsoft Entra ID ({_FLAG}) removes members with path 'members' and a value "
            "array; RFC 7644 §3.5.2.2 selects them by a filter path and a remove has no value.",
            f'Microsoft Entra ID sends this {_FLAG}; send path members[value eq "<id>"] and '
            "no value, or start the mock with --compat entra to accept it.",
        ),
        Rule(
            "entra-string-boolean",
            "entra",
            f'Microsoft Entra ID ({_FLAG}) sends booleans as the strings "True"/"False"; '
            "RFC 7643 §2.3.2 booleans are the JSON literals true and false.",
            f"Microsoft Entra ID sends booleans as strings {_FLAG}; send true or false, or "
            "start the mock with --compat entra to accept them.",
        ),
        Rule(
            "entra-filter-no-match-adds",
            "entra",
            'Microsoft Entra ID expects replace (or add) on emails[type eq "work"].value to '
            "add the value when none matches; RFC 7644 §3.5.2 answers 400 noTarget.",
            "Microsoft Entra ID expects the value to be added when no value matches; send add "
            "on the attribute with a value that carries the filter's sub-attributes, or start "
            "the mock with --compat entra to accept it.",
        ),
    )
}


@dataclass(frozen=True)
class Deviation:
    """One rewrite: the rule that applied and the operation as the client sent it."""

    dialect: str
    rule: str
    description: str
    fragment: Any

    def summary(self) -> dict[str, str]:
        """The deviation without its fragment, for the request log."""
        return {"dialect": self.dialect, "rule": self.rule, "description": self.description}


def _deviation(rule_id: str, fragment: Any) -> Deviation:
    rule = RULES[rule_id]
    return Deviation(rule.dialect, rule.id, rule.description, copy.deepcopy(fragment))


@dataclass(frozen=True)
class Normalised:
    """Operations rewritten to the RFC, and the deviations found in them."""

    operations: Any
    deviations: tuple[Deviation, ...] = ()


class Journal:
    """Thread-safe counts of the deviations accepted by one app, with a first example each."""

    def __init__(self, dialects: Iterable[str] = ()) -> None:
        self.dialects = tuple(dialects)
        self._counts: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def record(self, deviations: Iterable[Deviation]) -> None:
        """Count each deviation; the first one seen of a rule is kept as its example."""
        with self._lock:
            for deviation in deviations:
                entry = self._counts.setdefault(
                    deviation.rule,
                    {
                        "dialect": deviation.dialect,
                        "description": deviation.description,
                        "count": 0,
                        "example": deviation.fragment,
                    },
                )
                entry["count"] += 1

    def clear(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, Any]:
        """``{"dialects": [...], "deviations": {rule: {dialect, description, count, example}}}``."""
        with self._lock:
            counts = copy.deepcopy(self._counts)
        return {"dialects": list(self.dialects), "deviations": counts}


# -- normalising a PatchOp ------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    registry: SchemaRegistry
    rt: ResourceType
    resource: Resource


def normalise_patch(
    dialects: Iterable[str],
    operations: Any,
    resource: Resource,
    registry: SchemaRegistry,
    rt: ResourceType,
) -> Normalised:
    """Rewrite the operations that ``dialects`` send into RFC 7644 operations.

    ``resource`` is the resource as stored before the PATCH. Anything this module does not
    recognise is left as sent, so the engine refuses it as in strict mode. It never raises.
    """
    enabled = set(dialects)
    if not enabled or not isinstance(operations, list):
        return Normalised(operations)
    context = _Context(registry, rt, resource)
    result: list[Any] = []
    found: list[Deviation] = []
    for raw in operations:
        current: list[Any] = [raw]
        for rule_id, rewrite in _REWRITES:
            if RULES[rule_id].dialect not in enabled:
                continue
            rewritten: list[Any] = []
            for op in current:
                new = _safely(rewrite, op, context)
                if new is None:
                    rewritten.append(op)
                else:
                    rewritten.extend(new)
                    found.append(_deviation(rule_id, raw))
            current = rewritten
        result.extend(current)
    if not found:
        return Normalised(operations)
    return Normalised(result, tuple(found))


def _safely(
    rewrite: Callable[[dict[str, Any], _Context], list[Operation] | None],
    op: Any,
    context: _Context,
) -> list[Operation] | None:
    if not isinstance(op, dict):
        return None
    members: dict[str, Any] = {}
    for key, value in op.items():
        if not isinstance(key, str) or key.lower() in members:
            return None  # malformed: the engine says why
        members[key.lower()] = value
    if not isinstance(members.get("op"), str):
        return None
    members["op"] = members["op"].lower()
    try:
        return rewrite(members, context)
    except (ScimError, ValueError, TypeError):
        return None


def _own_id(op: dict[str, Any], context: _Context) -> list[Operation] | None:
    """okta-pathless-replace-id: drop an ``id`` equal to the resource's own (pathless value)."""
    value = op.get("value")
    if op["op"] not in ("add", "replace") or "path" in op or not isinstance(value, dict):
        return None
    keys = [k for k in value if k.lower() == "id"]
    if len(keys) != 1 or value[keys[0]] != context.resource.get("id"):
        return None
    return [{**op, "value": {k: v for k, v in value.items() if k != keys[0]}}]


def _remove_member_value(op: dict[str, Any], context: _Context) -> list[Operation] | None:
    """entra-remove-member-value: ``remove members`` + value array -> one filtered remove each."""
    path, value = op.get("path"), op.get("value")
    if op["op"] != "remove" or not isinstance(path, str) or "[" in path:
        return None
    target = resolve_target(path, context.registry, context.rt)
    resolved = target.resolved
    if resolved is None or resolved.sub_attribute is not None:
        return None
    if resolved.attribute.name != "members":
        return None  # Entra sends this for group members only
    items = value if isinstance(value, list) else [value]
    ids = [i.get("value") for i in items if isinstance(i, dict)]
    if not ids or len(ids) != len(items) or not all(isinstance(i, str) for i in ids):
        return None
    return [{"op": "remove", "path": f"{path}[value eq {json.dumps(i)}]"} for i in ids]


def _string_booleans(op: dict[str, Any], context: _Context) -> list[Operation] | None:
    """entra-string-boolean: "True"/"False" (any case) where the schema says boolean."""
    if op["op"] not in ("add", "replace") or "value" not in op:
        return None
    path = op.get("path")
    target = None if path is None else resolve_target(path, context.registry, context.rt)
    changed, value = _fix_for_target(target, op["value"], context)
    return [{**op, "value": value}] if changed else None


def _fix_for_target(target: Target | None, value: Any, context: _Context) -> tuple[bool, Any]:
    if target is None or target.resolved is None:
        if not isinstance(value, dict):
            return False, value
        prefix = "" if target is None else f"{target.extension}:"
        changed, fixed = False, {}
        for key, member in value.items():
            try:
                sub = resolve_target(prefix + key, context.registry, context.rt, filters=False)
            except ScimError:
                sub = None
            if sub is None or (sub.resolved is None and target is not None):
                fixed[key] = member
                continue
            member_changed, fixed[key] = _fix_for_target(sub, member, context)
            changed = changed or member_changed
        return changed, fixed
    resolved = target.resolved
    attribute = resolved.sub_attribute or resolved.attribute
    if resolved.sub_attribute is not None or not attribute.is_complex:
        return _fix_simple(attribute, value)
    if isinstance(value, list):
        results = [_fix_complex(attribute, v) for v in value]
        return any(c for c, _ in results), [v for _, v in results]
    return _fix_complex(attribute, value)


def _fix_complex(attribute: Attribute, value: Any) -> tuple[bool, Any]:
    if not isinstance(value, dict):
        return False, value
    changed, fixed = False, {}
    for key, member in value.items():
        sub = attribute.sub_attribute(key) if isinstance(key, str) else None
        member_changed, fixed[key] = (False, member) if sub is None else _fix_simple(sub, member)
        changed = changed or member_changed
    return changed, fixed


def _fix_simple(attribute: Attribute, value: Any) -> tuple[bool, Any]:
    if attribute.type != "boolean":
        return False, value
    if isinstance(value, list) and attribute.multi_valued:
        results = [_fix_simple(attribute, v) for v in value]
        return any(c for c, _ in results), [v for _, v in results]
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return True, value.lower() == "true"
    return False, value


def _filter_no_match(op: dict[str, Any], context: _Context) -> list[Operation] | None:
    """entra-filter-no-match-adds: replace/add on ``attr[type eq "work"].sub`` matching nothing
    becomes an add of ``{"type": "work", "sub": value}`` to ``attr``."""
    path, value = op.get("path"), op.get("value")
    if op["op"] not in ("add", "replace") or not isinstance(path, str) or value is None:
        return None
    target = resolve_target(path, context.registry, context.rt)
    if target.matcher is None or target.resolved is None:
        return None
    current = get_value(context.resource, target.resolved)
    if matching(current if isinstance(current, list) else [], target):
        return None
    known = context.registry.known_urns(context.rt)
    value_filter = parse_patch_path(path, known).value_filter
    element = _typed_filter(value_filter, target.resolved.attribute)
    if element is None:
        return None
    sub = target.resolved.sub_attribute
    if sub is not None:
        element[sub.name] = value
    elif isinstance(value, dict):
        element.update(value)
    else:
        return None
    return [{"op": "add", "path": path.partition("[")[0], "value": [element]}]


def _typed_filter(node: Filter | None, attribute: Attribute) -> dict[str, Any] | None:
    """``{"type": "work"}`` for ``type eq "work"``, where "work" is a canonical type.

    Entra's attribute mappings name values by a canonical type (``emails[type eq "work"]``,
    ``phoneNumbers[type eq "mobile"]``, ``addresses[type eq "work"]``); any other filter, such as
    ``type eq "nonexistent"`` or ``value eq "x"``, keeps the RFC's noTarget.
    """
    type_sub = attribute.sub_attribute("type")
    if type_sub is None or not isinstance(node, Comparison) or node.op != "eq":
        return None
    path, value = node.path, node.value
    if path.urn is not None or path.sub_attribute is not None:
        return None
    if (path.attribute or "").lower() != "type" or not isinstance(value, str):
        return None
    canonical = [c for c in type_sub.canonical_values if c.lower() == value.lower()]
    return {type_sub.name: canonical[0]} if canonical else None


#: Rewrites in the order they apply; each one sees the output of the previous ones.
_REWRITES: tuple[tuple[str, Callable[[dict[str, Any], _Context], list[Operation] | None]], ...] = (
    ("okta-pathless-replace-id", _own_id),
    ("entra-remove-member-value", _remove_member_value),
    ("entra-string-boolean", _string_booleans),
    ("entra-filter-no-match-adds", _filter_no_match),
)


# -- the seam ---------------------------------------------------------------------------------


def compat_engine(inner: PatchEngine, dialects: Sequence[str], sink: Sink) -> PatchEngine:
    """``inner`` behind the dialects: rewrite what they accept, hint at the others on errors."""
    enabled = tuple(dialects)
    every = tuple(sorted({rule.dialect for rule in RULES.values()}))

    def engine(
        resource: Resource, operations: Any, registry: SchemaRegistry, rt: ResourceType, /
    ) -> Resource:
        possible = normalise_patch(every, operations, resource, registry, rt)
        if not possible.deviations:
            return inner(resource, operations, registry, rt)
        accepted = normalise_patch(enabled, operations, resource, registry, rt)
        try:
            result = inner(resource, accepted.operations, registry, rt)
        except ScimError as exc:
            refused = {d.rule for d in possible.deviations if d.dialect not in enabled}
            hints = " ".join(RULES[r].hint for r in RULES if r in refused)
            if hints:
                exc.detail = f"{exc.detail} {hints}"
                exc.args = (exc.detail,)
            raise
        if accepted.deviations:
            sink(accepted.deviations)
        return result

    return engine


def wrap_seams(seams: Seams, dialects: Sequence[str], sink: Sink) -> Seams:
    """``seams`` with the PATCH engine behind :func:`compat_engine` (outermost, so that the
    dialects are read as a server reads a request: before anything else sees it)."""
    return seams.replace(apply_patch=compat_engine(seams.apply_patch, dialects, sink))
