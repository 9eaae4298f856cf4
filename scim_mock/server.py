"""Run the mock in a background thread on a free port (pytest-httpserver pattern)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.extensions import MockExtension


class _QuietHandler(WSGIRequestHandler):
    """No access log: a test run's captured output should show the SCIM exchanges, not this."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class MockServer:
    """A threaded WSGI server for the mock; ``port=0`` picks a free port.

    Use as a context manager, or call :meth:`start` and :meth:`stop`::

        with MockServer(MockConfig(token="t")) as server:
            requests.get(server.url + "/Users", headers={"Authorization": "Bearer t"})
    """

    def __init__(
        self,
        config: MockConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        extensions: Sequence[MockExtension] = (),
    ) -> None:
        self.config = config or MockConfig()
        self.app = create_app(self.config, extensions=extensions)
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL of the SCIM endpoints, e.g. ``http://127.0.0.1:40123/scim/v2``."""
        if self._server is None:
            raise RuntimeError("MockServer is not running")
        return f"http://{self.host}:{self._server.port}{self.config.normalized_base_path}"

    def tenant_url(self, name: str) -> str:
        """The base URL of the tenant ``name`` (scim_mock.tenants; created on first use), e.g.
        ``http://127.0.0.1:40123/tenants/acme/scim/v2``."""
        root = self.url.removesuffix(self.config.normalized_base_path)
        return f"{root}/tenants/{name}{self.config.normalized_base_path}"

    def start(self) -> MockServer:
        """Bind and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="scim-mock",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def reset(self) -> None:
        """Forget every resource (between tests)."""
        self.app.extensions["scim_mock"].provider.reset()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
