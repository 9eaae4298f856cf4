"""Defects of what a PATCH request (RFC 7644 §3.5.2) leaves behind and answers.

Atomicity, meta on a no-op and the 200 body are provider decorators
(:class:`scim_mock.operations.ProviderDecorator`) around ``patch``: they change the outcome of a
request, not how the engine applies one operation (those defects are in :mod:`scim_defects.patch`).
Error types, statuses and bodies of the answer are response transforms. The defect matrix
(``tests/defects``) proves the matching checks fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Request, Response

from scim_defects.registry import (
    Defect,
    ProviderWrapper,
    ResponseTransform,
    register,
    response_json,
    rewrite,
)
from scim_mock.errors import InvalidPath, ScimError
from scim_mock.operations import ProviderDecorator
from scim_mock.schema import ResourceType

Resource = dict[str, Any]

# -- provider decorators ------------------------------------------------------------------------


class _NotAtomic(ProviderDecorator):
    """A PATCH whose later operation fails keeps what the earlier operations did.

    The strict PATCH is all or nothing; this server applies the operations one by one, so on a
    failure the operations before the failing one stay applied and the error is still answered.
    """

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        try:
            return self.inner.patch(rt, resource_id, operations, if_match)
        except ScimError as error:
            if not isinstance(operations, list):
                raise
            # Only the first step carries If-Match: a stale tag then fails it and keeps nothing,
            # and the later steps must not fail on the versions the earlier ones wrote.
            guard = if_match
            for operation in operations:
                try:
                    self.inner.patch(rt, resource_id, [operation], guard)
                except ScimError:
                    break
                guard = None
            raise error


class _StaleBody(ProviderDecorator):
    """PATCH applies the operations but answers with the resource as it was before them."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        before = self.inner.get(rt, resource_id)
        self.inner.patch(rt, resource_id, operations, if_match)
        return before


class _NoopTouchesMeta(ProviderDecorator):
    """A PATCH that changes nothing still bumps meta.lastModified and meta.version.

    The server writes the resource back even when the operations leave it as it was. The
    strict store skips a write with identical content, so the bump is modelled by two real
    writes through the provider: externalId (a common attribute of every resource type) is
    set to a marker, then put back as it was. Like the old direct store writes, that is two
    new versions and a new lastModified with the content unchanged.
    """

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        before = self.inner.get(rt, resource_id)
        patched = self.inner.patch(rt, resource_id, operations, if_match)
        if patched.get("meta", {}).get("version") != before["meta"].get("version"):
            return patched
        external_id = patched.get("externalId")
        marker = f"{external_id}-touched" if isinstance(external_id, str) else "touched"
        self.inner.patch(rt, resource_id, [{"op": "add", "path": "externalId", "value": marker}])
        restore = (
            {"op": "replace", "path": "externalId", "value": external_id}
            if "externalId" in patched
            else {"op": "remove", "path": "externalId"}
        )
        return self.inner.patch(rt, resource_id, [restore])


# -- answer defects (response transforms) -------------------------------------------------------


def _patch_error_retyped(old: str, new: str, detail: str = "") -> ResponseTransform:
    def transform(req: Request, response: Response) -> Response:
        body = response_json(response)
        if (
            req.method == "PATCH"
            and response.status_code == 400
            and isinstance(body, dict)
            and body.get("scimType") == old
            and detail in str(body.get("detail", ""))
        ):
            return rewrite(response, {**body, "scimType": new})
        return response

    return transform


def _bad_operations_204(req: Request, response: Response) -> Response:
    body = response_json(response)
    if (
        req.method == "PATCH"
        and response.status_code == 400
        and isinstance(body, dict)
        and body.get("scimType") == "invalidSyntax"
        and "Operations" in str(body.get("detail", ""))
    ):
        return Response(status=204)
    return response


def _200_without_body(req: Request, response: Response) -> Response:
    if req.method == "PATCH" and response.status_code == 200:
        response.set_data(b"")
    return response


def _attributes_ignored(req: Request, response: Response) -> Response:
    if req.method == "PATCH" and response.status_code == 200 and req.args.get("attributes"):
        return Response(status=204)
    return response


#: A value filter one of whose quoted strings holds a space.
_SPACED_STRING = re.compile(r'\[[^\]]*"[^"]* [^"]*"')


class _PathFilterSplitOnSpaces(ProviderDecorator):
    """The value filter of a PATCH path is split into words on spaces before its strings are
    read, so emails[display eq "Work mail"] is taken for a broken filter (invalidPath)."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        for operation in operations if isinstance(operations, list) else []:
            path = operation.get("path") if isinstance(operation, dict) else None
            if isinstance(path, str) and _SPACED_STRING.search(path):
                raise InvalidPath(f"Invalid filter in path {path!r}: unexpected word.")
        return self.inner.patch(rt, resource_id, operations, if_match)


_DECORATORS: list[tuple[str, tuple[str, ...], ProviderWrapper, str]] = [
    ("patch-not-atomic", ("P-3.5.2-14",), _NotAtomic,
     "A PATCH whose later operation fails keeps the earlier operations' changes (and answers "
     "the error)."),
    ("patch-200-body-stale", ("P-3.1-03",), _StaleBody,
     "PATCH answers 200 with the resource as it was before the operations."),
    ("patch-noop-touches-meta", ("P-3.5.2.1-08",), _NoopTouchesMeta,
     "A PATCH that changes nothing still bumps meta.lastModified and meta.version."),
    ("patch-path-filter-split-on-spaces", ("P-3.5.2-07",), _PathFilterSplitOnSpaces,
     'A PATCH path whose value filter compares with a string holding a space '
     '(emails[display eq "Work mail"]) is refused with 400 invalidPath.'),
]  # fmt: skip

_ANSWERS: list[tuple[str, tuple[str, ...], Callable[[Request, Response], Response], str]] = [
    ("patch-invalidpath-as-invalidvalue", ("P-3.5.2-07", "P-3.12-20"),
     _patch_error_retyped("invalidPath", "invalidValue"),
     "A malformed PATCH path is reported with scimType invalidValue instead of invalidPath."),
    ("patch-mutability-as-invalidvalue", ("P-3.5.2-08", "P-3.5.2.2-06", "P-3.12-18"),
     _patch_error_retyped("mutability", "invalidValue"),
     "PATCH mutability errors carry scimType invalidValue."),
    ("patch-invalidvalue-as-invalidsyntax", ("P-3.12-22",),
     _patch_error_retyped("invalidValue", "invalidSyntax"),
     "PATCH invalidValue errors carry scimType invalidSyntax."),
    ("patch-envelope-invalidvalue", ("P-3.5.2-03",),
     _patch_error_retyped("invalidSyntax", "invalidValue", "schemas"),
     "A PATCH body without the PatchOp schema is refused with invalidValue, not invalidSyntax."),
    ("patch-bad-operations-204", ("P-3.5.2-04",), _bad_operations_204,
     "A PATCH body with Operations missing, not an array or empty answers 204."),
    ("patch-200-without-body", ("P-3.5.2-16",), _200_without_body,
     "A successful PATCH answers 200 with an empty body."),
    ("patch-attributes-ignored", ("P-3.5.2-17",), _attributes_ignored,
     "A PATCH with ?attributes answers 204 instead of 200 with the projection."),
]  # fmt: skip

for _name, _ids, _wrapper, _text in _DECORATORS:
    register(Defect(_name, _ids, _text, wrap_provider=_wrapper))
for _name, _ids, _transform, _text in _ANSWERS:
    register(Defect(_name, _ids, _text, response=_transform))
