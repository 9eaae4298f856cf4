"""Defects that the Microsoft Entra ID client-profile checks catch (RFC 7643 §2.3.2, §2.5;
RFC 7644 §3.5.2).

Each models a server bug seen where Entra's provisioning service is the first client to hit it:

- ``active-string-truthy``: a server made lenient for Entra's ``"value": "False"`` converts a
  string ``active`` with truthiness (``bool("False")`` is true), so Entra's deactivation is
  answered 200 and the user stays active.
- ``member-null-ref-refused``: a member validator that requires ``$ref`` to be a string when
  the key is present refuses Entra's ``{"$ref": null, "value": "<id>"}`` with 400 invalidValue,
  though a null is an unassigned value (RFC 7643 §2.5).

Both are provider decorators: they see the PATCH operations as the client sent them, before any
client dialect (``--scim-mock-compat``) rewrites them.
"""

from __future__ import annotations

from typing import Any

from scim_defects.registry import Defect, register
from scim_mock.errors import InvalidValue
from scim_mock.operations import ProviderDecorator, Resource
from scim_mock.schema import ResourceType


def _member(operation: dict[str, Any], name: str) -> Any:
    return next((v for k, v in operation.items() if k.lower() == name), None)


def _truthy(value: Any) -> Any:
    """A string read as a boolean by truthiness: any non-empty string is true."""
    return bool(value) if isinstance(value, str) else value


def _coerce_active(operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    path, value = _member(operation, "path"), _member(operation, "value")
    changed = dict(operation)
    value_key = next((k for k in operation if k.lower() == "value"), "value")
    if isinstance(path, str) and path.strip().lower() == "active":
        changed[value_key] = _truthy(value)
    elif path is None and isinstance(value, dict):
        changed[value_key] = {
            k: _truthy(v) if k.lower() == "active" else v for k, v in value.items()
        }
    return changed


class _ActiveStringTruthy(ProviderDecorator):
    """User PATCH: a string ``active`` value becomes ``bool(value)`` before it is applied."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if rt.name == "User" and isinstance(operations, list):
            operations = [_coerce_active(op) for op in operations]
        return self.inner.patch(rt, resource_id, operations, if_match)


def _null_ref(operation: Any) -> bool:
    """Whether an operation on members sends a member whose $ref is null."""
    if not isinstance(operation, dict):
        return False
    path, value = _member(operation, "path"), _member(operation, "value")
    if isinstance(path, str) and path.strip().lower().startswith("members"):
        members = value
    elif path is None and isinstance(value, dict):
        members = next((v for k, v in value.items() if k.lower() == "members"), None)
    else:
        return False
    members = members if isinstance(members, list) else [members]
    return any(
        isinstance(m, dict) and any(k.lower() == "$ref" and v is None for k, v in m.items())
        for m in members
    )


class _MemberNullRefRefused(ProviderDecorator):
    """Group PATCH refuses members whose ``$ref`` key holds null."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if rt.name == "Group" and isinstance(operations, list) and any(map(_null_ref, operations)):
            raise InvalidValue("members[].$ref must be a string.")
        return self.inner.patch(rt, resource_id, operations, if_match)


register(
    Defect(
        name="active-string-truthy",
        requirements=("P-3.5.2.3-10", "C-4.1.1-04"),
        description='User PATCH reads a string active value by truthiness: "False" (as '
        "Microsoft Entra ID sends it without aadOptscim062020) sets active to true.",
        wrap_provider=_ActiveStringTruthy,
    )
)
register(
    Defect(
        name="member-null-ref-refused",
        requirements=("C-2.5-01", "P-3.5.2.1-05"),
        description='Group PATCH refuses members sent with "$ref": null (400 invalidValue) '
        "instead of reading the null as unassigned.",
        wrap_provider=_MemberNullRefRefused,
    )
)
