"""PATCH request parsing and target resolution (RFC 7644 §3.5.2), used by ``patch.py``.

An operation's ``path`` (or each key of a pathless ``value`` object) becomes a :class:`Target`:
the attribute (and sub-attribute) it names, or a bare extension URN, plus a compiled value
filter when the path has one. Everything structural is checked before any operation runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scim_mock.errors import InvalidPath, InvalidSyntax, InvalidValue, Mutability, NoTarget
from scim_mock.filter_parser import parse_patch_path
from scim_mock.filters import compile_value_filter
from scim_mock.paths import PathSyntaxError
from scim_mock.schema import Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.validation import display_path

OPS = ("add", "remove", "replace")
_MEMBERS = ("op", "path", "value")


@dataclass(frozen=True)
class Target:
    """Where an operation applies.

    ``resolved`` names the attribute (with ``sub_attribute`` for ``name.givenName`` and for the
    ``.value`` after a value filter); it is None for a bare extension URN, given in
    ``extension``. ``matcher`` is the compiled value filter, if the path has one.
    """

    path: str
    resolved: ResolvedAttribute | None = None
    extension: str | None = None
    matcher: Callable[[dict[str, Any]], bool] | None = None

    @property
    def attribute(self) -> ResolvedAttribute:
        """``resolved``, for targets known not to be a bare extension URN."""
        assert self.resolved is not None
        return self.resolved

    @property
    def schema(self) -> str | None:
        """The extension URN the target lives in, if any."""
        if self.extension is not None:
            return self.extension
        if self.resolved is not None and self.resolved.is_extension:
            return self.resolved.schema
        return None


@dataclass(frozen=True)
class Operation:
    """One validated member of ``Operations``."""

    op: str
    target: Target | None
    value: Any = None


def parse_operations(
    operations: Any, registry: SchemaRegistry, resource_type: ResourceType
) -> list[Operation]:
    """Validate the ``Operations`` array and resolve every path (P-3.5.2-04, -05, -07).

    Structural problems raise ``InvalidSyntax``; bad or unknown paths ``InvalidPath`` (a bad
    filter inside brackets ``InvalidFilter``, P-3.12-15); remove without a path ``NoTarget``
    (P-3.5.2.2-01); add/replace without a value ``InvalidValue`` (P-3.5.2.1-01, P-3.12-22).
    """
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntax("'Operations' must be a non-empty array of operation objects.")
    parsed = []
    for index, raw in enumerate(operations):
        where = f"Operations[{index}]"
        if not isinstance(raw, dict):
            raise InvalidSyntax(f"{where} must be a JSON object.")
        members: dict[str, Any] = {}
        for key, value in raw.items():
            name = key.lower()  # C-2.1-01: member names are case-insensitive too
            if name not in _MEMBERS:
                raise InvalidSyntax(f"{where} has an unexpected member {key!r}.")
            if name in members:
                raise InvalidSyntax(f"{where} has the member {name!r} twice.")
            members[name] = value
        op = members.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            # P-3.5.2-02: only add, remove and replace exist (no JSON Patch move/copy/test).
            raise InvalidSyntax(f"{where}: 'op' must be add, remove or replace, not {op!r}.")
        op = op.lower()
        target = None
        if "path" in members:
            path = members["path"]
            if not isinstance(path, str) or not path:
                raise InvalidPath(f"{where}: 'path' must be a non-empty string.")
            target = resolve_target(path, registry, resource_type)
        if op == "remove":
            if target is None:
                raise NoTarget(f"{where}: remove needs a 'path' (RFC 7644 §3.5.2.2).")
            if "value" in members:
                # Ignoring it would turn "remove these members" into "remove all members".
                raise InvalidSyntax(f"{where}: remove takes no 'value'; use a value filter path.")
        elif "value" not in members:
            raise InvalidValue(f"{where}: {op} needs a 'value'.")
        parsed.append(Operation(op, target, members.get("value")))
    return parsed


def resolve_target(
    path: str, registry: SchemaRegistry, resource_type: ResourceType, *, filters: bool = True
) -> Target:
    """Resolve a PATCH path; ``filters=False`` for keys of a pathless value (no brackets)."""
    if not filters and "[" in path:
        raise InvalidPath(f"Attribute name {path!r} cannot carry a value filter.")
    try:
        parsed = parse_patch_path(path, registry.known_urns(resource_type))
    except PathSyntaxError as exc:
        raise InvalidPath(f"Invalid path {path!r}: {exc}.") from None
    attr = parsed.attr
    if attr.attribute is None:
        assert attr.urn is not None
        urn = registry.canonical_urn(resource_type, attr.urn)
        if urn is None or urn == resource_type.schema:
            raise InvalidPath(f"Path {path!r} names a schema, not an attribute.")
        return Target(path, extension=urn)
    if (attr.urn, attr.sub_attribute) == (None, None) and attr.attribute.lower() == "schemas":
        # 'schemas' follows the extension attributes present (P-3.5.2-11); never set directly.
        raise Mutability("'schemas' cannot be modified directly; patch extension attributes.")
    sub_name = attr.sub_attribute or parsed.sub_attribute
    resolved = registry.resolve(resource_type, attr.attribute, sub_name, attr.urn)
    if resolved is None:
        raise InvalidPath(f"Path {path!r} names no attribute of {resource_type.name}.")
    matcher = None
    if parsed.value_filter is not None:
        if not (resolved.attribute.multi_valued and resolved.attribute.is_complex):
            raise InvalidPath(f"Value filters apply to multi-valued complex attributes ({path!r}).")
        matcher = compile_value_filter(parsed.value_filter, resolved.attribute)
    return Target(path, resolved, matcher=matcher)


def members_of(
    value: Any, registry: SchemaRegistry, resource_type: ResourceType, extension: str | None
) -> Iterator[tuple[Target, Any]]:
    """The (target, value) pairs of a pathless value object or an extension object.

    Keys are attribute names (case-insensitive), URN-qualified names such as
    ``urn:...:enterprise:2.0:User:employeeNumber``, or extension URNs whose value is an object
    (P-3.5.2-06, P-3.5.2.1-02). The same attribute named twice is ``InvalidSyntax``. Inside
    an extension object a ``schemas`` member naming just that extension is ignored.
    """
    where = f"the value of {extension}" if extension else "a value without 'path'"
    if not isinstance(value, dict):
        raise InvalidValue(f"{where} must be a JSON object of attributes.")
    seen: dict[tuple[str | None, str, str | None], str] = {}
    for key, member in value.items():
        if extension is not None and key.lower() == "schemas":
            _check_extension_schemas(member, registry, resource_type, extension)
            continue
        path = f"{extension}:{key}" if extension else key
        target = resolve_target(path, registry, resource_type, filters=False)
        if target.resolved is None:
            if extension is not None:
                raise InvalidPath(f"{path!r} names a schema, not an attribute.")
            ident: tuple[str | None, str, str | None] = (target.extension, "", None)
        else:
            r = target.resolved
            ident = (r.schema, r.attribute.name, r.sub_attribute.name if r.sub_attribute else None)
        if ident in seen:
            raise InvalidSyntax(f"{where} names one attribute twice: {seen[ident]!r}, {key!r}.")
        seen[ident] = key
        yield target, member


def _check_extension_schemas(
    member: Any, registry: SchemaRegistry, resource_type: ResourceType, extension: str
) -> None:
    # Some clients (scim2-models' extension objects) repeat the extension's own URN inside
    # its value as "schemas"; that restates the key and is ignored. Anything else is refused.
    if not isinstance(member, list) or not all(
        isinstance(u, str) and registry.canonical_urn(resource_type, u) == extension
        for u in member
    ):
        raise InvalidValue(f"'schemas' inside {extension} may only list {extension}.")


def check_mutability(target: Target) -> None:
    """readOnly attributes and sub-attributes cannot be a PATCH target (P-3.5.2-08, C-7-13)."""
    resolved = target.attribute
    for attribute in (resolved.attribute, resolved.sub_attribute):
        if attribute is not None and attribute.mutability == "readOnly":
            raise Mutability(f"'{display_path(resolved)}' is readOnly.")


def matching(elements: list[Any], target: Target) -> list[dict[str, Any]]:
    """The elements the target's value filter selects."""
    assert target.matcher is not None
    return [e for e in elements if isinstance(e, dict) and target.matcher(e)]


def primaries(elements: list[Any]) -> list[dict[str, Any]]:
    """The elements whose ``primary`` is true."""
    return [e for e in elements if isinstance(e, dict) and e.get("primary") is True]


def settle_primary(
    attribute: Attribute, elements: list[Any], written: list[dict[str, Any]], path: str
) -> None:
    """Keep ``primary`` unique after an operation (RFC 7644 §3.5.2, P-3.5.2-13, C-2.4-02).

    ``written`` are the values the operation set ``primary: true`` on. If two values are now
    primary, the one written wins and the others get ``primary: false``; making two values
    primary at once is ``InvalidValue``.
    """
    now = primaries(elements)
    if len(now) <= 1:
        return
    chosen = [e for e in now if any(e is w for w in written)]
    if len(chosen) != 1:
        raise InvalidValue(f"At most one value of '{path}' may have primary set to true.")
    for element in now:
        if element is not chosen[0]:
            element["primary"] = False
