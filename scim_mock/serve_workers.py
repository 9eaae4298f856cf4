"""``scim-mock serve --workers N``: the mock under gunicorn, a production WSGI server.

Why gunicorn: it is the server most Flask deployments use, pre-forks worker processes (so
two cores serve two requests at once, which threads in one CPython process cannot), and its
``gthread`` worker keeps HTTP/1.1 connections alive, so a client's session does not pay a new
TCP connection per request as it does with werkzeug's development server. It is pure Python
and needs no compiler; it does not run on Windows, where ``--workers`` is refused.

The app is built once in the master (``preload_app``), so a bad option fails before any worker
starts, and every worker is a fork of it. Workers share what the store shares (the SQLite file
of ``--db`` or the PostgreSQL database of ``--database-url``: resources, ids, ETags,
uniqueness); a database connection opened before the fork is opened again in each worker
(the stores check the process id). The rest of the mock's state is per process: the request
journal, fault-rule counters, the mock clock, snapshots and persona state live in the worker
that handled the request, so several workers need a shared store and one worker is the right
choice for a session that drives the clock or counts requests (docs/storage.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from flask import Flask

#: Threads per worker: a client with several connections is served while one request sleeps
#: in a latency fault; more threads than this only contend for the worker's interpreter lock.
DEFAULT_THREADS = 4
#: Seconds an idle keep-alive connection stays open (gunicorn's default is 2).
KEEPALIVE_SECONDS = 5


def serve(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int = DEFAULT_THREADS,
    quiet: bool = False,
    announce: Callable[[int], None],
) -> int:
    """Serve ``app`` with ``workers`` gunicorn worker processes until a signal stops it.

    ``announce(port)`` runs once the socket listens (``port=0`` picks a free one) and every
    worker may accept; the command line prints the base URL there. Returns the exit status.
    """
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # pragma: no cover - gunicorn is a dependency except on Windows
        print("scim-mock: --workers needs gunicorn (pip install gunicorn)", file=sys.stderr)
        return 2

    settings: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "keepalive": KEEPALIVE_SECONDS,
        "preload_app": True,
        # A latency fault or a slow client may hold a request for a while; the heartbeat
        # timeout only restarts a worker that stopped answering the master altogether.
        "timeout": 120,
        "graceful_timeout": 10,
        "accesslog": None if quiet else "-",
        "errorlog": "-",
        "loglevel": "warning" if quiet else "info",
        "when_ready": lambda server: announce(_bound_port(server)),
        # gunicorn 25+ opens a control socket at one fixed path per user by default: several
        # mocks at once (a CI matrix, xdist) would share it. The mock needs none.
        "control_socket_disable": True,
    }

    class _MockApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                if key in self.cfg.settings:  # older gunicorns lack the newer settings
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    try:
        _MockApplication().run()
    except SystemExit as exc:  # gunicorn exits the master this way, also on a bind error
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def _bound_port(server: Any) -> int:
    """The port the first listener is bound to (what ``port=0`` picked)."""
    address = server.LISTENERS[0].sock.getsockname()
    return int(address[1])
