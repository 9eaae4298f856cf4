"""Control endpoints under /_mock: the client report card.

``GET /_mock/report`` judges every exchange in the journal (scim_mock.report_card) and answers
``{"findings": [{"rule", "requirement", "severity", "count", "description", "hint", "detail",
"requests", "example"}]}``. ``client`` (a journal fingerprint), ``tenant`` and ``severity``
(``error``, ``warning`` or ``hint``, repeatable or comma-separated) narrow it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from scim_mock import errors, http
from scim_mock.report_card import SEVERITIES, facts_from_registry, judge

#: The query parameters the report understands; others are refused (a typo is not "no filter").
PARAMETERS = ("client", "tenant", "severity")


def _severities() -> set[str]:
    wanted = {s.strip() for raw in request.args.getlist("severity") for s in raw.split(",")}
    wanted.discard("")
    unknown = sorted(wanted - set(SEVERITIES))
    if unknown:
        raise errors.InvalidValue(
            f"Unknown severity {', '.join(unknown)}; use {', '.join(SEVERITIES)}."
        )
    return wanted or set(SEVERITIES)


def _entries() -> list[dict[str, Any]]:
    entries = list(http.state().extras["log"])
    client, tenant = request.args.get("client"), request.args.get("tenant")
    if client is not None:
        entries = [e for e in entries if e.get("client") == client]
    if tenant is not None:
        entries = [e for e in entries if (e.get("tenant") or "") == tenant]
    return entries


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""

    @bp.route("/report", methods=["GET"])
    def client_report() -> Response:
        unknown = sorted(set(request.args) - set(PARAMETERS))
        if unknown:
            raise errors.InvalidValue(
                f"Unknown parameter(s) {', '.join(unknown)}; use {', '.join(PARAMETERS)}."
            )
        severities = _severities()
        facts = facts_from_registry(
            http.state().registry, etag_supported=http.config().etag_supported
        )
        findings = [f for f in judge(_entries(), facts) if f["severity"] in severities]
        return http.scim_response({"findings": findings})
