"""What a client developer's test holds: a mock's base URL, token and control API.

:class:`MockHandle` calls the ``/_mock`` control endpoints over HTTP, whichever transport
carries them (a live socket, :class:`LiveMock`, or an in-process app, :class:`InProcessMock`),
so it works with every endpoint the mock serves; a missing one raises
:class:`MockControlError` naming it. The fixtures are in :mod:`scim_tests.mock_fixtures`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

if TYPE_CHECKING:
    from flask import Flask
    from responses import RequestsMock
    from werkzeug.test import Client

    from scim_mock.server import MockServer

SCIM_MEDIA_TYPE = "application/scim+json"
#: Seconds a control request may take on the live server.
CONTROL_TIMEOUT = 10.0


class MockControlError(RuntimeError):
    """A control request failed: the endpoint is missing, or the mock refused the request."""


@dataclasses.dataclass(frozen=True)
class Answer:
    """One control answer, whatever the transport."""

    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        return json.loads(self.body) if self.body.strip() else None


#: How a handle sends a control request: (method, path from the origin, query, JSON body).
Send = Callable[[str, str, Mapping[str, Any], Any], Answer]


class MockHandle:
    """A mock as a client's test sees it: its base URL, token, and the control API.

    ``url`` is the SCIM base URL for the client under test, ``headers`` what a well-behaved
    client sends; the other methods drive ``/_mock`` (for a tenant, the tenant's own).
    """

    def __init__(
        self, url: str, token: str, send: Send, *, control_path: str, tenant: str | None = None
    ) -> None:
        self.url = url
        self.token = token
        self.tenant = tenant
        self._send = send
        self._control_path = control_path

    @property
    def headers(self) -> dict[str, str]:
        """Authorization, Accept and Content-Type as RFC 7644 §3.1 and §2 ask (a new dict)."""
        return {
            "Authorization": f"Bearer {self.token}",
            "Accept": SCIM_MEDIA_TYPE,
            "Content-Type": SCIM_MEDIA_TYPE,
        }

    # -- the control API ----------------------------------------------------------------------

    def control(
        self,
        method: str,
        name: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """``method /_mock/<name>`` and its JSON answer; :class:`MockControlError` on failure."""
        path = f"{self._control_path}/{name.lstrip('/')}"
        answer = self._send(method, path, dict(params or {}), body)
        if answer.status < 400:
            return answer.json()
        detail = _detail(answer)
        if answer.status in (404, 405):
            raise MockControlError(
                f"{method} {path} answered {answer.status} ({detail}): this scim_mock has no "
                "such control endpoint (or what it names does not exist)"
            )
        raise MockControlError(f"{method} {path} answered {answer.status}: {detail}")

    def reset(self) -> None:
        """Forget every resource, the journal, fault rules... (``POST /_mock/reset``)."""
        self.control("POST", "reset")

    def add_fault(self, rule: Mapping[str, Any]) -> Any:
        """Add a fault rule (``POST /_mock/faults``); returns its id."""
        created = self.control("POST", "faults", body=dict(rule))
        return _field(created, "id", "POST /_mock/faults")

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules with their hit counts (``GET /_mock/faults``)."""
        listed = self.control("GET", "faults")
        if isinstance(listed, dict):
            listed = listed.get("rules") or listed.get("faults") or []
        rules: list[dict[str, Any]] = list(listed) if isinstance(listed, list) else []
        return rules

    def remove_fault(self, rule_id: Any) -> None:
        """Remove one fault rule (``DELETE /_mock/faults/{id}``)."""
        self.control("DELETE", f"faults/{quote(str(rule_id), safe='')}")

    def clear_faults(self) -> None:
        """Remove every fault rule (``DELETE /_mock/faults``)."""
        self.control("DELETE", "faults")

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal, oldest first (``GET /_mock/requests``), e.g. ``method="PATCH"``,
        ``path="/Users*"``, ``status="4xx"``, ``since=``/``until=`` (ISO or datetime),
        ``client=``, ``limit=``."""
        listed = self.control("GET", "requests", params=_query(filters))
        return list(_field(listed, "requests", "GET /_mock/requests"))

    def clear_requests(self) -> None:
        """Empty the journal (``DELETE /_mock/requests``)."""
        self.control("DELETE", "requests")

    def har(self, **filters: Any) -> dict[str, Any]:
        """The journal as HAR 1.2 (``GET /_mock/requests.har``), same filters."""
        document: dict[str, Any] = self.control("GET", "requests.har", params=_query(filters))
        return document

    def diagnostics(self) -> list[dict[str, Any]]:
        """Every refused request with a hint (``GET /_mock/diagnostics``)."""
        listed = self.control("GET", "diagnostics")
        return list(_field(listed, "problems", "GET /_mock/diagnostics"))

    def compat(self) -> dict[str, Any]:
        """The dialect deviations accepted so far (``GET /_mock/compat``)."""
        counted: dict[str, Any] = self.control("GET", "compat")
        return counted

    def report(self) -> dict[str, Any]:
        """The client report card (``GET /_mock/report``): ``{"findings": [...]}``."""
        card: dict[str, Any] = self.control("GET", "report")
        return card

    def assert_report(
        self, expect: Collection[str] = (), allow: Collection[str] = (), **options: Any
    ) -> dict[str, Any]:
        """Fail unless every ``expect`` rule is found and nothing else but ``allow`` rules
        (:func:`assert_report_card`); returns the report card. ``assert_report()`` asserts a
        clean card."""
        __tracebackhide__ = True
        card = self.report()
        assert_report_card(card, expect=expect, allow=allow, **options)
        return card

    def seed(self, users: int = 0, groups: int = 0, seed: int | None = None, **more: Any) -> Any:
        """Create ``users`` and ``groups`` with memberships, the same for the same ``seed``
        (``POST /_mock/seed``; ``membersPerGroup=...`` and other fields pass through)."""
        body: dict[str, Any] = {"users": users, "groups": groups, **more}
        if seed is not None:
            body["seed"] = seed
        return self.control("POST", "seed", body=body)

    def snapshot(self) -> str:
        """Keep a copy of every resource (``POST /_mock/snapshot``); returns its id."""
        return str(_field(self.control("POST", "snapshot"), "snapshot", "POST /_mock/snapshot"))

    def restore(self, snapshot: str) -> None:
        """Go back to a snapshot (``POST /_mock/restore``)."""
        self.control("POST", "restore", body={"snapshot": snapshot})

    def clock(
        self,
        *,
        freeze: datetime | str | None = None,
        advance: timedelta | float | None = None,
        unfreeze: bool = False,
    ) -> Any:
        """Freeze, advance or unfreeze the mock clock (``POST /_mock/clock``); with no
        argument, show it (``GET /_mock/clock``)."""
        body: dict[str, Any] = {}
        if freeze is not None:
            body["freeze"] = _iso(freeze)
        if advance is not None:
            seconds = advance.total_seconds() if isinstance(advance, timedelta) else advance
            body["advance"] = seconds
        if unfreeze:
            body["unfreeze"] = True
        if not body:
            return self.control("GET", "clock")
        return self.control("POST", "clock", body=body)

    def personas(self, names: Collection[str] | None = None) -> Any:
        """The personas (``GET /_mock/personas``), or switch to ``names`` (POST)."""
        if names is None:
            return self.control("GET", "personas")
        return self.control("POST", "personas", body={"personas": list(names)})


class LiveMock(MockHandle):
    """:class:`MockHandle` of a live server (``scim_mock_server``)."""

    def __init__(self, server: MockServer, *, tenant: str | None = None) -> None:
        import requests

        config = server.config
        self.server = server
        self.origin = f"http://{server.host}:{server.port}"
        self.session = requests.Session()
        prefix = f"/tenants/{tenant}" if tenant else ""
        control_token = getattr(config, "admin_token", None) or config.token or ""
        super().__init__(
            f"{self.origin}{prefix}{config.normalized_base_path}",
            config.token or "",
            self._sender(control_token),
            control_path=f"{prefix}/_mock",
            tenant=tenant,
        )
        self._root_send = self._sender(control_token)

    def _sender(self, control_token: str) -> Send:
        def send(method: str, path: str, params: Mapping[str, Any], body: Any) -> Answer:
            headers = {"Authorization": f"Bearer {control_token}", "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            answer = self.session.request(
                method,
                self.origin + path,
                params=dict(params),
                data=None if body is None else json.dumps(body),
                headers=headers,
                timeout=CONTROL_TIMEOUT,
            )
            return Answer(answer.status_code, answer.content)

        return send

    def close(self) -> None:
        """Release the control connection."""
        self.session.close()


class InProcessMock(MockHandle):
    """:class:`MockHandle` of an in-process app answering through ``responses``."""

    def __init__(self, app: Flask, url: str, token: str, mock: RequestsMock) -> None:
        from werkzeug.test import Client

        self.app = app
        self.client: Client = Client(app, use_cookies=False)
        #: The ``responses.RequestsMock`` (add ``passthru`` prefixes or other mocks to it).
        self.responses = mock
        config = app.extensions["scim_mock"].config
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        control_token = getattr(config, "admin_token", None) or token

        def send(method: str, path: str, params: Mapping[str, Any], body: Any) -> Answer:
            headers = {"Authorization": f"Bearer {control_token}", "Accept": "application/json"}
            answer = self.client.open(
                path,
                base_url=origin,  # the client's host: absolute URLs (HAR) name it
                method=method,
                query_string=dict(params),
                headers=headers,
                data=None if body is None else json.dumps(body),
                content_type="application/json" if body is not None else None,
            )
            try:
                return Answer(answer.status_code, answer.get_data())
            finally:
                answer.close()

        super().__init__(url, token, send, control_path="/_mock")


def assert_report_card(
    card: Mapping[str, Any],
    *,
    expect: Collection[str] = (),
    allow: Collection[str] = (),
    **options: Any,
) -> dict[str, Mapping[str, Any]]:
    """Fail unless the card has every ``expect`` rule and no rule outside ``expect`` + ``allow``
    (the mock's own :func:`scim_mock.report_card.assert_report_card`: one contract, one message;
    ``allow_severity=("hint",)`` and its other options pass through). Returns the findings by
    rule."""
    __tracebackhide__ = True
    from scim_mock.report_card import assert_report_card as mock_assert

    return mock_assert(dict(card), expect=tuple(expect), allow=tuple(allow), **options)


def _detail(answer: Answer) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.body[:200].decode("utf-8", "replace")
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return json.dumps(body)[:200]


def _field(document: Any, name: str, what: str) -> Any:
    if not isinstance(document, dict) or name not in document:
        raise MockControlError(f"{what} answered without {name!r}: {json.dumps(document)[:200]}")
    return document[name]


def _query(filters: Mapping[str, Any]) -> dict[str, str]:
    return {name: _iso(value) if isinstance(value, datetime) else str(value)
            for name, value in filters.items() if value is not None}  # fmt: skip


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.isoformat().replace("+00:00", "Z")
