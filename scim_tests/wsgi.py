"""A ``requests`` transport adapter that calls a WSGI app in-process instead of a socket.

With ``--scim-mock-transport wsgi`` the suite drives the bundled mock through this adapter: the
same requests, headers and bodies reach the app, without a listening socket, a server thread or
TCP. It is for runs where the socket is not what is tested (the defect matrix runs the suite
hundreds of times); the base URL is then ``http://scim-mock.invalid/...``, so curl lines in
failure reports are not runnable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import Client, TestResponse

IN_PROCESS_ORIGIN = "http://scim-mock.invalid"
#: Headers the socket would carry but a WSGI environ builds itself.
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding"})


def open_in_app(client: Client, request: requests.PreparedRequest) -> TestResponse:
    """Run a prepared ``requests`` request through the app behind ``client``: the same method,
    URL, headers and body reach it as over a socket. An app that drops the connection (a mock
    fault rule) raises ``requests.ConnectionError``, as a closed socket would."""
    url = urlsplit(request.url or "")
    body = request.body
    data = body.encode("utf-8") if isinstance(body, str) else body
    if data is not None and not isinstance(data, bytes):
        data = b"".join(data)  # a generator or an iterable body (chunked upload)
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in _TRANSPORT_HEADERS
    }
    try:
        return client.open(
            path=url.path,
            base_url=f"{url.scheme}://{url.netloc}",
            query_string=url.query,
            method=request.method or "GET",
            headers=headers,
            data=data if data is not None else b"",
        )
    except ConnectionError as exc:  # the app dropped the connection (a mock fault rule)
        raise requests.ConnectionError(
            f"Connection aborted: the mock closed the connection ({exc})", request=request
        ) from exc


class WsgiAdapter(BaseAdapter):
    """Answers every request by calling ``app`` (a WSGI callable)."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.client = Client(app, use_cookies=False)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Run the request through the app and wrap its answer as a ``requests.Response``."""
        answer = open_in_app(self.client, request)
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.status.partition(" ")[2]
        response.headers = CaseInsensitiveDict(dict(answer.headers.items()))
        response._content = answer.get_data()
        expected = answer.headers.get("Content-Length", "")
        short = expected.isdigit() and len(response._content) < int(expected)
        if short and request.method != "HEAD":
            # A body cut short of its Content-Length: what requests raises reading a socket.
            answer.close()
            raise requests.exceptions.ChunkedEncodingError(
                f"Connection broken: IncompleteRead({len(response._content)} bytes read, "
                f"{int(expected) - len(response._content)} more expected)",
                request=request,
            )
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = request.url or ""
        response.request = request
        answer.close()
        return response

    def close(self) -> None:
        """Nothing to release: there is no connection."""
