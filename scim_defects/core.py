"""Defects of the mock's core behaviour: error format, create, media type, returned, PATCH.

Each defect breaks the requirements it names; the defect matrix (``tests/defects``) proves the
matching checks fail.
"""

from __future__ import annotations

from typing import Any

from flask import Request, Response

from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock.memberships import MembershipGraph
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.seams import Seams

Resource = dict[str, Any]

# -- response-level defects ----------------------------------------------------------------


def _status_as_integer(req: Request, response: Response) -> Response:
    body = response_json(response)
    if response.status_code >= 400 and isinstance(body, dict) and "status" in body:
        body["status"] = int(body["status"])
        return rewrite(response, body)
    return response


def _no_location_on_create(req: Request, response: Response) -> Response:
    # Any 2xx, not just 201: "create-returns-200" may have run first when both are enabled.
    if req.method == "POST" and 200 <= response.status_code < 300:
        response.headers.pop("Location", None)
    return response


def _json_content_type(req: Request, response: Response) -> Response:
    if response.content_type and response.content_type.startswith("application/scim+json"):
        response.content_type = "application/json"
    return response


def _create_returns_200(req: Request, response: Response) -> Response:
    if req.method == "POST" and response.status_code == 201:
        response.status_code = 200
    return response


def _password_returned(req: Request, response: Response) -> Response:
    body = response_json(response)
    if isinstance(body, dict) and "userName" in body:
        body["password"] = "t0p-Secret"
        return rewrite(response, body)
    return response


register(
    Defect(
        "error-status-integer",
        ("P-3.12-03",),
        "Error bodies carry status as a JSON number.",
        response=_status_as_integer,
    )
)
register(
    Defect(
        "create-no-location",
        ("P-3.3-05",),
        "POST answers 201 without a Location header.",
        response=_no_location_on_create,
    )
)
register(
    Defect(
        "plain-json-content-type",
        ("P-8.1-01",),
        "Responses say application/json instead of application/scim+json.",
        response=_json_content_type,
    )
)
register(
    Defect(
        "create-returns-200",
        ("P-3.3-03",),
        "POST answers 200 instead of 201.",
        response=_create_returns_200,
    )
)
register(
    Defect(
        "password-returned",
        ("C-4.1.1-07", "C-7-17", "C-7-15"),
        "A User representation includes the password.",
        response=_password_returned,
    )
)


# -- semantic defects (through the provider's seams) ----------------------------------------


class _KeepsMemberships(MembershipGraph):
    """A deleted resource stays in every group's members (no referential clean-up)."""

    def member_deleted(self, member_id: str) -> list[str]:
        return []


def _delete_keeps_memberships(seams: Seams) -> Seams:
    return seams.replace(memberships=_KeepsMemberships)


def _patch_add_replaces(seams: Seams) -> Seams:
    engine = seams.apply_patch

    def add_as_replace(
        resource: Resource, operations: Any, registry: SchemaRegistry, rt: ResourceType
    ) -> Resource:
        if isinstance(operations, list):
            operations = [
                {**op, "op": "replace"}
                if isinstance(op, dict) and str(op.get("op", "")).lower() == "add"
                else op
                for op in operations
            ]
        return engine(resource, operations, registry, rt)

    return seams.replace(apply_patch=add_as_replace)


register(
    Defect(
        "delete-keeps-memberships",
        ("C-2.3.7-04",),
        "Deleting a user leaves it in its groups' members "
        "(RFC-permitted; the suite reports a DeprovisioningWarning).",
        change_seams=_delete_keeps_memberships,
    )
)
register(
    Defect(
        "patch-add-replaces",
        ("P-3.5.2.1-05",),
        "PATCH add on a multi-valued attribute replaces the values instead of appending.",
        change_seams=_patch_add_replaces,
    )
)
