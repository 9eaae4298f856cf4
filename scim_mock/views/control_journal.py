"""Control endpoints under /_mock: the journal's filters and its HAR export.

``GET /_mock/requests`` lists the recorded exchanges (newest last) filtered by ``method``,
``path`` (a glob), ``status`` (``404`` or ``4xx``), ``since``/``until`` (ISO 8601), ``client``,
``tenant``, ``after`` (an entry id) and ``limit``; ``DELETE`` forgets them.
``GET /_mock/requests.har`` is the same selection as a HAR 1.2 document (scim_mock.journal).
"""

from __future__ import annotations

import json
from importlib import metadata

from flask import Blueprint, Response, request

from scim_mock import errors, http
from scim_mock.journal import JournalQuery, RequestJournal, render_har

#: The query parameters the journal endpoints understand; others are refused, so that a typo
#: is not silently read as "no filter".
PARAMETERS = ("method", "path", "status", "since", "until", "client", "tenant", "after", "limit")


def _journal() -> RequestJournal:
    log: RequestJournal = http.state().extras["log"]
    return log


def _query(log: RequestJournal) -> JournalQuery:
    unknown = sorted(set(request.args) - set(PARAMETERS))
    if unknown:
        raise errors.InvalidValue(
            f"Unknown parameter(s) {', '.join(unknown)}; use {', '.join(PARAMETERS)}."
        )
    return JournalQuery.from_args(
        request.args.to_dict(), base_path=http.config().normalized_base_path, size=log.size
    )


def _version() -> str:
    try:
        return metadata.version("scim-conformance")
    except metadata.PackageNotFoundError:  # a checkout that is not installed
        return "0"


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""

    @bp.route("/requests", methods=["GET", "DELETE"])
    def requests_log() -> Response:
        log = _journal()
        if request.method == "DELETE":
            log.clear()
            return http.scim_response(None, status=204)
        return http.scim_response({"requests": _query(log).select(iter(log))})

    @bp.route("/requests.har", methods=["GET"])
    def requests_har() -> Response:
        log = _journal()
        entries = _query(log).select(iter(log))
        har = render_har(entries, request.url_root, creator_version=_version())
        return Response(
            json.dumps(har, ensure_ascii=False),
            status=200,
            content_type="application/json",
            headers={"Content-Disposition": 'inline; filename="scim-mock.har"'},
        )
