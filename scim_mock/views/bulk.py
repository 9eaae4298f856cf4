"""The /Bulk endpoint (RFC 7644 §3.7); the work is done by :mod:`scim_mock.bulk`."""

from __future__ import annotations

from flask import Blueprint, Response

from scim_mock import http
from scim_mock.bulk import process_bulk
from scim_mock.errors import NotImplementedFeature, PayloadTooLarge


def create_blueprint() -> Blueprint:
    """The /Bulk endpoint, mounted under the configured base path."""
    bp = Blueprint("scim_bulk", __name__)

    # RFC 7644 §3.7: /Bulk takes POST only; 405 rather than a lookup of a "/Bulk" type.
    @bp.route("/Bulk", methods=http.ANY_METHOD)
    @http.allow_only("POST")
    def bulk() -> Response:
        http.check_auth()
        http.check_accept()
        cfg = http.config()
        if not cfg.bulk_supported:
            raise NotImplementedFeature("Bulk is not supported (bulk.supported=false).")
        # RFC 7644 §3.7.4 (P-3.7.4-02, P-3.7.4-03): a body above maxPayloadSize is refused with
        # 413, and the error names the limit.
        try:
            body = http.json_body(max_size=cfg.bulk_max_payload_size)
        except PayloadTooLarge as exc:
            raise PayloadTooLarge(
                f"The bulk request body exceeds maxPayloadSize ({cfg.bulk_max_payload_size} bytes)."
            ) from exc
        result = process_bulk(
            body, http.state().provider, http.location, max_operations=cfg.bulk_max_operations
        )
        return http.scim_response(result)

    return bp
