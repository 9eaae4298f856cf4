"""Throughput of the mock with wrk, beside a bare Flask app (the ceiling) and scim2-server.

Usage: ``python bench/throughput.py [--seconds 10] [--connections 10] [--threads 2]
[--users 1000] [--warmup 2] [--rounds 1] [--targets mock,mock-memory,bare-flask,scim2-server]
[--ops get,filter,list,patch,post] [--mock-args "--workers 2 --db {db}"]
[--mock-memory-args "--workers 1"]``

Each target is started on 127.0.0.1 and a free port, one after another (never two at once):

* ``mock``: ``scim-mock serve --workers 2 --db PATH --token T --quiet``, the documented
  production command (``--mock-args`` replaces ``--workers 2 --db {db}``; ``{db}`` is a fresh
  SQLite file in a temporary folder);
* ``mock-memory``: ``scim-mock serve --workers 1`` with the in-memory store;
* ``bare-flask``: ``bench/bare_flask.py``, fixed answers, under gunicorn with the settings of
  ``scim-mock serve --workers N`` (gthread, keep-alive, preloaded app; the workers and threads
  that ``--mock-args`` gives the mock);
* ``scim2-server``: python-scim's scim2-server 0.8.3 (``bench/scim2_server_app.py``) under the
  same gunicorn, with one worker (its storage lives in the process); installed in a virtualenv
  of its own like tests/peers does, which needs the package registry once.

Every target gets the same ``--users`` users first (POST /Users) and ``--warmup`` seconds of
GET by id that are not reported. Then wrk (keep-alive, ``bench/throughput.lua``) runs each
operation for ``--seconds``: GET /Users/{id},
GET /Users?filter=userName eq "...", GET /Users?startIndex=1&count=50, PATCH replace of
displayName (application/scim+json), POST /Users (a unique userName per request), in that
order, so that the reads see exactly the seeded users. The table gives requests/s, p50/p99
latency and the failed responses; the ratios compare the mock with scim2-server (each
operation) and with the bare app (GET by id). ``--rounds N`` starts every target N times, in
turn (a shared machine's load comes and goes), prints every round, and takes the ratios from
the medians. Any failed response or socket error is shouted and makes the exit status 1: a
figure made of errors is not a figure.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from servers import (
    BENCH,
    TOKEN,
    Server,
    free_port,
    gunicorn_command,
    post_users,
    scim2_server_python,
    serve,
    serve_mock,
)

from scim_mock.serve_workers import DEFAULT_THREADS, KEEPALIVE_SECONDS

TARGETS = ("mock", "mock-memory", "bare-flask", "scim2-server")
OPS = {
    "get": "GET /Users/{id}",
    "filter": 'GET /Users?filter=userName eq "…"',
    "list": "GET /Users?startIndex=1&count=50",
    "patch": "PATCH /Users/{id} replace",
    "post": "POST /Users",
}
SCRIPT = BENCH / "throughput.lua"


@dataclass
class Row:
    """One wrk run: a target (its key in :data:`TARGETS` and its label), an operation and
    what wrk counted."""

    key: str
    target: str
    op: str
    requests: int
    seconds: float
    failed: int  # responses with a status of 400 or more (wrk's count)
    socket_errors: int
    p50_ms: float
    p99_ms: float
    round: int = 1

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bad(self) -> bool:
        return self.failed > 0 or self.socket_errors > 0 or self.requests == 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per operation")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--users", type=int, default=1000, help="users seeded in every target")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unreported GET by id first (0: none)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="start every target this many times, in turn; ratios use the medians",
    )  # fmt: skip
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"of {', '.join(TARGETS)}")
    parser.add_argument("--ops", default=",".join(OPS), help=f"of {', '.join(OPS)}")
    parser.add_argument(
        "--mock-args", default="--workers 2 --db {db}", help="serve arguments of 'mock'"
    )
    parser.add_argument(
        "--mock-memory-args", default="--workers 1", help="serve arguments of 'mock-memory'"
    )
    return parser


def _mock_server_settings(mock_args: str) -> tuple[int, int]:
    """The gunicorn workers and threads that ``--mock-args`` asks of the mock (bare Flask gets
    the same); the mock's defaults where it names none."""
    settings = argparse.ArgumentParser(add_help=False)
    settings.add_argument("--workers", type=int, default=2)
    settings.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    known, _ = settings.parse_known_args(shlex.split(mock_args))
    return max(known.workers, 1), known.threads


def _choices(text: str, known: tuple[str, ...], what: str) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise SystemExit(f"unknown {what} {unknown}; known: {', '.join(known)}")
    return chosen


def _gunicorn_extra() -> list[str]:
    """``--no-control-socket`` where gunicorn has one: two gunicorns would share its path."""
    shown = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True,
                           text=True, timeout=60).stdout  # fmt: skip
    return ["--no-control-socket"] if "--no-control-socket" in shown else []


@contextmanager
def start(target: str, args: argparse.Namespace, folder: Path) -> Iterator[Server]:
    """Start ``target`` (one of :data:`TARGETS`) and yield it once it answers."""
    log = folder / f"{target}.log"
    if target in ("mock", "mock-memory"):
        template = args.mock_args if target == "mock" else args.mock_memory_args
        serve_args = shlex.split(template.replace("{db}", str(folder / f"{target}.sqlite3")))
        label = template.replace("{db}", "FILE")
        with serve_mock(f"{target} ({label})", serve_args, log) as server:
            yield server
        return
    port = free_port()
    workers, threads = _mock_server_settings(args.mock_args)
    if target == "bare-flask":
        command = gunicorn_command(sys.executable, "bare_flask:create_app()", port,
                                   workers=workers, threads=threads,
                                   keepalive=KEEPALIVE_SECONDS)  # fmt: skip
        name, url, env = f"bare Flask ({workers} workers)", "/scim/v2", {}
    else:
        command = gunicorn_command(scim2_server_python(with_gunicorn=True),
                                   "scim2_server_app:create_app()", port, workers=1,
                                   threads=threads, keepalive=KEEPALIVE_SECONDS)  # fmt: skip
        name, url, env = "scim2-server 0.8.3 (1 worker)", "/v2", {"SCIM_BENCH_TOKEN": TOKEN}
    command[-1:-1] = _gunicorn_extra()
    with serve(name, command, f"http://127.0.0.1:{port}{url}", log, env) as server:
        yield server


def run_wrk(
    key: str, server: Server, op: str, args: argparse.Namespace, folder: Path, seconds: int
) -> Row:
    """One wrk run of ``op`` against ``server`` for ``seconds``."""
    origin, _, base = server.url.partition("//")[2].partition("/")
    command = ["wrk", "--connections", str(args.connections), "--threads", str(args.threads),
               "--duration", f"{seconds}s", "--timeout", "10s", "--script", str(SCRIPT),
               f"http://{origin}/", "--", op, f"/{base}", TOKEN, str(folder / "ids"),
               str(folder / "names"), uuid.uuid4().hex[:8]]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    got = json.loads(line[4:])
    return Row(
        key=key,
        target=server.name,
        op=op,
        requests=got["requests"],
        seconds=got["duration_us"] / 1e6,
        failed=got["status_errors"],
        socket_errors=got["connect"] + got["read"] + got["write"] + got["timeout"],
        p50_ms=got["p50_us"] / 1000,
        p99_ms=got["p99_us"] / 1000,
    )


def print_table(rows: list[Row]) -> None:
    """The figures, one line per (target, operation) and round."""
    width = max(len(row.target) for row in rows)
    rounds = max(row.round for row in rows) > 1
    head = f"{'round':>5}  " if rounds else ""
    print(f"\n{head}{'target':<{width}}  {'operation':<34} {'req/s':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'failed':>7} {'sockerr':>7}")  # fmt: skip
    for row in rows:
        flag = "   <-- ERRORS, NOT A FIGURE" if row.bad else ""
        lead = f"{row.round:>5}  " if rounds else ""
        print(f"{lead}{row.target:<{width}}  {OPS[row.op]:<34} {row.rate:8.0f} "
              f"{row.p50_ms:8.2f} {row.p99_ms:8.2f} {row.failed:7d} {row.socket_errors:7d}"
              f"{flag}")  # fmt: skip


def medians(rows: list[Row]) -> dict[tuple[str, str], tuple[float, bool]]:
    """(target key, operation) -> the median req/s over the rounds, and whether any round of
    it had errors."""
    rates: dict[tuple[str, str], list[float]] = {}
    bad: dict[tuple[str, str], bool] = {}
    for row in rows:
        rates.setdefault((row.key, row.op), []).append(row.rate)
        bad[(row.key, row.op)] = bad.get((row.key, row.op), False) or row.bad
    return {key: (statistics.median(values), bad[key]) for key, values in rates.items()}


def print_medians(rows: list[Row]) -> None:
    """Median, lowest and highest req/s of every (target, operation) over the rounds."""
    names = {row.key: row.target for row in rows}
    width = max(len(name) for name in names.values())
    count = max(row.round for row in rows)
    print(f"\nover {count} rounds:")
    print(f"{'target':<{width}}  {'operation':<34} {'median':>8} {'lowest':>8} {'highest':>8}")
    for (key, op), (median, _) in medians(rows).items():
        rates = [row.rate for row in rows if row.key == key and row.op == op]
        print(f"{names[key]:<{width}}  {OPS[op]:<34} {median:8.0f} {min(rates):8.0f} "
              f"{max(rates):8.0f}")  # fmt: skip


def print_ratios(rows: list[Row]) -> None:
    """mock / scim2-server for every operation, mock / bare Flask for GET by id (of the
    medians when there are several rounds)."""
    by = medians(rows)
    for mock in ("mock", "mock-memory"):
        for other, ops in (("scim2-server", list(OPS)), ("bare-flask", ["get"])):
            parts = []
            for op in ops:
                mine, theirs = by.get((mock, op)), by.get((other, op))
                if mine and theirs and theirs[0]:
                    mark = " (errors!)" if mine[1] or theirs[1] else ""
                    parts.append(f"{op} {mine[0] / theirs[0]:.2f}x{mark}")
            if parts:
                print(f"ratio {mock} / {other}: " + ", ".join(parts))


def main() -> int:
    """Start each target in turn, seed it, run wrk per operation, print the figures."""
    args = _parser().parse_args()
    targets = _choices(args.targets, TARGETS, "targets")
    ops = _choices(args.ops, tuple(OPS), "operations")
    if shutil.which("wrk") is None:
        print("throughput: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="scim-throughput-") as tmp:
        for round_no in range(1, max(args.rounds, 1) + 1):
            for target in targets:
                folder = Path(tmp) / f"{target}-{round_no}"
                folder.mkdir()
                with start(target, args, folder) as server:
                    users = post_users(server.url, f"bench-{uuid.uuid4().hex[:6]}", args.users)
                    (folder / "ids").write_text("".join(f"{i}\n" for i, _ in users))
                    (folder / "names").write_text("".join(f"{n}\n" for _, n in users))
                    print(f"{server.name} at {server.url}: {args.users} users seeded",
                          flush=True)  # fmt: skip
                    if args.warmup > 0:  # the workers' first requests (lazy imports, caches)
                        run_wrk(target, server, "get", args, folder, args.warmup)
                    for op in ops:
                        row = run_wrk(target, server, op, args, folder, args.seconds)
                        row.round = round_no
                        rows.append(row)
    print(f"\nwrk --connections {args.connections} --threads {args.threads} --duration "
          f"{args.seconds}s, keep-alive, {args.users} users seeded per target")  # fmt: skip
    print_table(rows)
    if args.rounds > 1:
        print_medians(rows)
    print()
    print_ratios(rows)
    bad = [row for row in rows if row.bad]
    if bad:
        print("\n!!! " + "=" * 70)
        for row in bad:
            print(
                f"!!! {row.target} / {OPS[row.op]}: {row.failed} failed responses, "
                f"{row.socket_errors} socket errors of {row.requests}: not a valid figure"
            )
        print("!!! " + "=" * 70)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
