"""Small helpers that several defect modules share (request paths, error answers, keys)."""

from __future__ import annotations

from typing import Any

from flask import Request, Response

from scim_defects.registry import rewrite
from scim_mock import http
from scim_mock.errors import ScimError
from scim_mock.operations import Provider
from scim_mock.schema import ResourceType


def relative_path(req: Request) -> str:
    """The request path below the SCIM base path (``/Users/…``)."""
    base = http.config().normalized_base_path
    return req.path[len(base) :] if base and req.path.startswith(base) else req.path


def error_response(response: Response, error: ScimError) -> Response:
    """``response`` turned into the SCIM Error answer for ``error``."""
    response.status_code = error.status
    response.content_type = http.SCIM_MEDIA_TYPE
    response.headers.pop("Location", None)
    response.headers.pop("ETag", None)
    return rewrite(response, error.to_json())


def key_of(body: dict[str, Any], name: str) -> str | None:
    """The key of ``body`` spelling attribute ``name`` (attribute names are case-insensitive)."""
    return next((k for k in body if isinstance(k, str) and k.lower() == name.lower()), None)


def type_with_schema(provider: Provider, schema: str) -> ResourceType:
    """The resource type whose core schema is ``schema`` (the mock always serves User/Group)."""
    return next(rt for rt in provider.registry.resource_types() if rt.schema == schema)
