"""Typed SCIM errors (RFC 7644 §3.12).

Every failure in the mock's domain is raised as a :class:`ScimError` subclass that carries the
HTTP status and the ``scimType`` the RFC assigns to it. One handler in the HTTP layer renders
them; nothing else decides an error's status code.
"""

from __future__ import annotations

from typing import Any, ClassVar

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    """Base class: an error the service provider reports as a SCIM Error message."""

    status: ClassVar[int] = 500
    scim_type: ClassVar[str | None] = None
    default_detail: ClassVar[str] = "Internal server error."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = dict(headers or {})
        super().__init__(self.detail)

    def to_json(self) -> dict[str, Any]:
        """The SCIM Error body; ``status`` is a string (RFC 7644 §3.12, P-3.12-02)."""
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


class BadRequest(ScimError):
    """400 without a more specific scimType."""

    status = 400
    default_detail = "The request is malformed."


class InvalidFilter(BadRequest):
    """The filter syntax is invalid or the filter is unsupported."""

    scim_type = "invalidFilter"
    default_detail = "The filter is invalid or not supported."


class TooMany(BadRequest):
    """The query would return more results than the provider is willing to return."""

    scim_type = "tooMany"
    default_detail = "Too many results; narrow the filter."


class Mutability(BadRequest):
    """The request tries to modify an immutable or readOnly attribute."""

    scim_type = "mutability"
    default_detail = "The attempted modification is not compatible with the attribute's mutability."


class InvalidSyntax(BadRequest):
    """The request body is not parsable, or violates the message schema."""

    scim_type = "invalidSyntax"
    default_detail = "The request body could not be parsed or is not a valid SCIM message."


class InvalidPath(BadRequest):
    """A PATCH path is malformed or names nothing in the schema."""

    scim_type = "invalidPath"
    default_detail = "The path attribute is invalid or malformed."


class NoTarget(BadRequest):
    """A PATCH path with a value filter matched nothing."""

    scim_type = "noTarget"
    default_detail = (
        "The specified path did not yield an attribute or value that could be operated on."
    )


class InvalidValue(BadRequest):
    """A value is of the wrong type, or a required value is missing."""

    scim_type = "invalidValue"
    default_detail = "A required value was missing, or the value specified was not compatible."


class InvalidVersion(BadRequest):
    """The request names a protocol version the provider does not support."""

    scim_type = "invalidVers"
    default_detail = "The specified SCIM protocol version is not supported."


class Sensitive(ScimError):
    """The request puts sensitive data in the URI (RFC 7644 §7.5.2)."""

    status = 403
    scim_type = "sensitive"
    default_detail = "Sensitive information must not be sent in the request URI."


class Unauthorized(ScimError):
    """Missing or wrong credentials (RFC 7644 §2)."""

    status = 401
    default_detail = "Authorization failure: a valid bearer token is required."


class Forbidden(ScimError):
    """The operation is not allowed for this client or resource."""

    status = 403
    default_detail = "The operation is not permitted."


class NotFound(ScimError):
    """The resource or endpoint does not exist."""

    status = 404
    default_detail = "Resource not found."


class MethodNotAllowed(ScimError):
    """The endpoint does not support this HTTP method."""

    status = 405
    default_detail = "The HTTP method is not supported on this endpoint."


class NotAcceptable(ScimError):
    """The Accept header excludes every JSON media type the provider produces (P-3.8-03)."""

    status = 406
    default_detail = "Accept application/scim+json or application/json."


class Conflict(ScimError):
    """409 without scimType (used for version conflicts in Bulk)."""

    status = 409
    default_detail = "The request conflicts with the current state of the resource."


class Uniqueness(Conflict):
    """A unique attribute value is already taken (RFC 7644 §3.3, P-3.3-07)."""

    scim_type = "uniqueness"
    default_detail = "One or more unique attribute values are already in use."


class PreconditionFailed(ScimError):
    """If-Match did not match the current version (RFC 7644 §3.14)."""

    status = 412
    default_detail = "The resource has changed on the server (version mismatch)."


class PayloadTooLarge(ScimError):
    """The request exceeds maxOperations or maxPayloadSize (RFC 7644 §3.7.4)."""

    status = 413
    default_detail = "The request is too large."


class UnsupportedMediaType(ScimError):
    """The request body's media type is not a JSON type we accept."""

    status = 415
    default_detail = "Use Content-Type application/scim+json or application/json."


class NotImplementedFeature(ScimError):
    """The operation is not supported by this provider's configuration (501)."""

    status = 501
    default_detail = "The requested operation is not supported by this service provider."


class TooManyRequests(ScimError):
    """Rate limited (429), used by fault injection."""

    status = 429
    default_detail = "Too many requests; retry later."


class ServiceUnavailable(ScimError):
    """503, used by fault injection."""

    status = 503
    default_detail = "The service is temporarily unavailable."


class InternalError(ScimError):
    """500: an unexpected failure, reported without a traceback."""

    status = 500
    default_detail = "Internal server error."
