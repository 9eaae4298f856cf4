"""Command line: ``scim-mock serve --host 127.0.0.1 --port 8080 --token TOKEN``.

Also ``python -m scim_mock serve ...``. Prints the base URL once it is listening.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from scim_mock.config import FaultSettings, MockConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scim-mock", description="A strict SCIM 2.0 mock service provider."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    serve.add_argument("--token", default=None, help="bearer token; without it auth is off")
    serve.add_argument(
        "--admin-token",
        default=None,
        help="bearer token of the /_mock control API (the SCIM token is then refused there); "
        "default: the control API takes the SCIM token",
    )
    serve.add_argument("--base-path", default="/scim/v2", help="URL prefix (default /scim/v2)")
    serve.add_argument(
        "--open-discovery",
        action="store_true",
        help="serve /ServiceProviderConfig, /ResourceTypes and /Schemas without the token",
    )
    serve.add_argument("--no-patch", action="store_true", help="advertise and refuse PATCH")
    serve.add_argument("--no-bulk", action="store_true", help="advertise and refuse /Bulk")
    serve.add_argument("--no-etag", action="store_true", help="turn ETags off")
    serve.add_argument("--no-sort", action="store_true", help="turn sorting off")
    serve.add_argument(
        "--patch-204", action="store_true", help="answer PATCH with 204 instead of 200"
    )
    serve.add_argument("--max-results", type=int, default=200, help="largest page (default 200)")
    serve.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set any MockConfig field, e.g. --option vendor_extension=true (legal variants)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="enable a deliberate defect by name (the scim_defects catalog; repeatable)",
    )
    serve.add_argument("--latency-ms", type=int, default=0, help="delay every response")
    serve.add_argument(
        "--rate-limit-every",
        type=int,
        default=0,
        metavar="N",
        help="answer every Nth request with 429 and Retry-After",
    )
    serve.add_argument(
        "--error-every", type=int, default=0, metavar="N", help="answer every Nth request with 503"
    )
    serve.add_argument(
        "--fault-rule",
        action="append",
        default=[],
        metavar="JSON",
        help='add a fault rule, e.g. \'{"match": {"method": "PATCH"}, "action": {"status": 503}, '
        '"trigger": {"every": 3}}\' (repeatable; see POST /_mock/faults)',
    )
    serve.add_argument(
        "--fault-rules",
        action="append",
        default=[],
        metavar="FILE",
        help='add the fault rules of a JSON file: a list of rules or {"rules": [...]}',
    )
    serve.add_argument(
        "--compat",
        default="",
        metavar="DIALECTS",
        help="accept what these clients send beyond the RFC, comma-separated: okta, entra "
        "(each accepted deviation is counted in the journal; default: strict)",
    )
    serve.add_argument(
        "--persona",
        action="append",
        default=[],
        metavar="NAME",
        help="behave as real providers do (repeatable, composable): patch-204, put-only, "
        "no-filter, case-sensitive-username, page-cap[:N], eventual-consistency[:SECONDS], "
        "soft-delete, lenient-members, rate-limit[:BURST/RATE], okta, entra "
        "(GET /_mock/personas describes them)",
    )
    serve.add_argument(
        "--db",
        default=None,
        metavar="PATH",
        help="keep resources in this SQLite file (WAL; created when missing) instead of in "
        "memory: writes are committed before they are answered and survive a restart",
    )
    serve.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="keep resources in this PostgreSQL database (postgresql://user@host/db; needs "
        "psycopg): several mock processes, on one host or several, share it consistently",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="serve with gunicorn and N worker processes (keep-alive connections); more than "
        "one needs --db or --database-url. Default: one process, werkzeug's threaded server",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads per gunicorn worker (with --workers; default 4)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def split_names(text: str) -> tuple[str, ...]:
    """``"okta, entra"`` -> ``("okta", "entra")`` (order kept, duplicates and blanks dropped)."""
    return tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))


def fault_rules_from_args(texts: Sequence[str], files: Sequence[str]) -> tuple[Any, ...]:
    """The rules of ``--fault-rule JSON`` and ``--fault-rules FILE``, checked (ValueError)."""
    from scim_mock.errors import ScimError
    from scim_mock.fault_rules import FaultRules

    specs: list[Any] = []
    for text in texts:
        try:
            specs.append(json.loads(text))
        except ValueError as exc:
            raise ValueError(f"--fault-rule is not JSON: {exc}") from exc
    for name in files:
        try:
            with open(name, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--fault-rules {name}: {exc}") from exc
        if isinstance(document, dict) and set(document) == {"rules"}:
            document = document["rules"]
        specs.extend(document if isinstance(document, list) else [document])
    try:
        FaultRules(specs)
    except ScimError as exc:
        raise ValueError(f"fault rule: {exc.detail}") from exc
    return tuple(specs)


def config_from_args(args: argparse.Namespace) -> MockConfig:
    """The :class:`MockConfig` the command-line flags describe."""
    pairs = []
    for item in args.option:
        key, sep, value = item.partition("=")
        if not key or not sep:
            raise ValueError(f"--option {item!r} is not KEY=VALUE")
        pairs.append((key.strip(), value))
    config = MockConfig(
        base_path=args.base_path,
        token=args.token,
        admin_token=args.admin_token,
        discovery_requires_auth=not args.open_discovery,
        patch_supported=not args.no_patch,
        patch_response="no-content" if args.patch_204 else "resource",
        bulk_supported=not args.no_bulk,
        etag_supported=not args.no_etag,
        sort_supported=not args.no_sort,
        filter_max_results=args.max_results,
        compat=split_names(args.compat),
        db_path=args.db,
        database_url=args.database_url,
        personas=tuple(dict.fromkeys(p.strip().lower() for p in args.persona if p.strip())),
        transport_faults=FaultSettings(
            latency_ms=args.latency_ms,
            rate_limit_every=args.rate_limit_every,
            error_every=args.error_every,
            rules=fault_rules_from_args(args.fault_rule, args.fault_rules),
        ),
    )
    return config.with_options(pairs)


def _workers_problem(args: argparse.Namespace) -> str | None:
    """Why ``--workers``/``--threads`` cannot be honoured as given, or None."""
    if args.workers < 0 or (args.threads is not None and args.threads < 1):
        return "--workers and --threads take a positive number"
    if args.threads is not None and not args.workers:
        return "--threads applies to --workers (gunicorn) only"
    if args.workers > 1 and not (args.db or args.database_url):
        # Each worker is a process of its own: in memory, each would have its own resources.
        return f"--workers {args.workers} needs --db PATH or --database-url URL (a shared store)"
    if args.workers and sys.platform == "win32":
        return "--workers needs gunicorn, which does not run on Windows"
    return None


def _announce(config: MockConfig, host: str, port: int) -> None:
    url = f"http://{host}:{port}{config.normalized_base_path}"
    auth = "bearer token required" if config.token else "auth is OFF (no --token given)"
    print(f"scim-mock serving SCIM 2.0 at {url} ({auth})", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scim-mock`` console script."""
    args = _parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"scim-mock: {exc}", file=sys.stderr)
        return 2
    from werkzeug.serving import make_server

    from scim_mock.app import create_app
    from scim_mock.extensions import named

    problem = _workers_problem(args)
    if problem:
        print(f"scim-mock: {problem}", file=sys.stderr)
        return 2
    try:
        app = create_app(config, extensions=named(args.fault))
    except ValueError as exc:  # e.g. an unknown fault name
        print(f"scim-mock: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. a database that cannot be reached or opened
        print(f"scim-mock: cannot open the store: {exc}", file=sys.stderr)
        return 1
    if args.workers:
        from scim_mock.serve_workers import DEFAULT_THREADS, serve

        return serve(
            app,
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads or DEFAULT_THREADS,
            quiet=args.quiet,
            announce=lambda port: _announce(config, args.host, port),
        )
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        server = make_server(args.host, args.port, app, threaded=True)
    except OSError as exc:  # e.g. an address that is not ours
        print(f"scim-mock: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    except SystemExit:  # werkzeug reports "address in use" itself, then calls sys.exit(1)
        print(f"scim-mock: cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 1
    _announce(config, args.host, server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
