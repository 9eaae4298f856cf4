"""Defects that the Okta and interop client-profile checks catch (RFC 7644 §3.5.2, §3.12;
draft-zollner-scim-interop-profile §5.3).

Each models a server bug seen in the field where a provisioning client notices it first:

- ``group-patch-members-only``: a Group PATCH handler written for membership sync only. Member
  operations work; any other operation (Okta's rename, a pathless replace of displayName) is
  answered 200 and skipped, so the group keeps its old name.
- ``unknown-attributes-dropped``: POST and PUT silently drop attributes that no schema of the
  resource type defines, so a misspelt client mapping (``dispalyName``) loses data on every sync
  instead of being refused with 400 invalidSyntax.
"""

from __future__ import annotations

from typing import Any

from scim_defects.registry import Defect, register
from scim_mock.operations import ProviderDecorator, Resource
from scim_mock.schema import ResourceType


def _is_member_operation(operation: Any) -> bool:
    """Whether a PATCH operation is about ``members`` (by path, or a pathless value of it)."""
    if not isinstance(operation, dict):
        return True  # malformed: leave it to the engine, which refuses it
    path = next((v for k, v in operation.items() if k.lower() == "path"), None)
    if isinstance(path, str) and path.strip():
        return path.strip().lower().startswith("members")
    value = next((v for k, v in operation.items() if k.lower() == "value"), None)
    return isinstance(value, dict) and any(k.lower() == "members" for k in value)


class _GroupPatchMembersOnly(ProviderDecorator):
    """Group PATCH keeps only the member operations; with none left it changes nothing."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if rt.name != "Group" or not isinstance(operations, list) or not operations:
            return self.inner.patch(rt, resource_id, operations, if_match)
        kept = [op for op in operations if _is_member_operation(op)]
        if not kept:
            return self.inner.get(rt, resource_id)
        return self.inner.patch(rt, resource_id, kept, if_match)


class _UnknownAttributesDropped(ProviderDecorator):
    """POST and PUT bodies lose the top-level members no schema of the type defines."""

    def _known(self, rt: ResourceType, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        kept: dict[str, Any] = {}
        for key, value in body.items():
            if key.lower() == "schemas" or self.registry.canonical_urn(rt, key) is not None:
                kept[key] = value
            elif self.registry.resolve(rt, key) is not None:
                kept[key] = value
        return kept

    def create(self, rt: ResourceType, body: Any) -> Resource:
        return self.inner.create(rt, self._known(rt, body))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.replace(rt, resource_id, self._known(rt, body), if_match)


register(
    Defect(
        name="group-patch-members-only",
        requirements=("P-3.5.2.3-01", "P-3.5.2.3-02"),
        description="Group PATCH applies only operations on members; a displayName replace "
        "(with or without a path) is answered 200 and skipped.",
        wrap_provider=_GroupPatchMembersOnly,
    )
)
register(
    Defect(
        name="unknown-attributes-dropped",
        requirements=("P-3.12-19",),
        description="POST and PUT silently drop attributes that no schema of the resource type "
        "defines (a misspelt 'dispalyName' is answered 201 and lost).",
        wrap_provider=_UnknownAttributesDropped,
    )
)
