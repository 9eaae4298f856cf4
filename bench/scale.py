"""How the mock scales with its data: seed time, memory per user and query latency by size.

Usage: ``python bench/scale.py [--sizes 10000,100000] [--backends memory,sqlite]
[--seed-with bulk|seed] [--samples 20] [--cursor-pages 20] [--mock-args "--workers 1"]``
(one million users: ``--sizes 10000,100000,1000000``).

For every backend and size, a fresh ``scim-mock serve`` (``--mock-args``, default the
production server with one worker) is started on 127.0.0.1 with the backend's arguments
(``memory``: none; ``sqlite``: ``--db`` on a new file; any other as ``LABEL=ARGS``, e.g.
``pg=--database-url postgresql://...``), the request journal off (``record_requests=false``:
it would hold a thousand bulk bodies and count them as users' memory) and bulk requests of up
to ``--bulk-size`` operations allowed. It is seeded with the users and one group per
``--users-per-group`` users of ``--members`` members each, then one client (a keep-alive
session) times, one request after another, ``--samples`` requests of each operation:

* ``eq``: ``filter=userName eq "<a seeded userName>"``;
* ``co``: ``filter=userName co "<the unique part of one userName>"`` (a scan);
* ``index``: the deep page ``startIndex=<users-99>&count=100``;
* ``cursor``: an RFC 9865 cursor page, ``--cursor-pages`` pages of 100 deep, or as deep as
  the walk got in ``--budget`` seconds (column ``cursor@``: its offset). The walk is not
  timed; each timed request fetches that same page again, a cursor being reusable;
* ``patch``: PATCH replace of displayName on a seeded user.

An operation stops after ``--budget`` seconds once it has three samples (a full scan of a
million users takes seconds). Seeding: ``bulk`` (default) sends POST /Bulk requests through
the mock's operations, any size; ``seed`` is ``POST /_mock/seed``, one request of up to a
million users (a second seed would collide on userNames, so one request seeds them all).
``KiB/user`` is the server's resident memory (every process of it) after seeding, less what it
was before, per user; ``disk KiB`` the database files per user. The growth factors compare the
largest size with the smallest.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from servers import HEADERS, Server, percentile, serve_mock, user_payload

BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BACKENDS = {"memory": "", "sqlite": "--db {db}"}
OPS = ("eq", "co", "index", "cursor", "patch")
PREFIX = "scale"


@dataclass
class Result:
    """What one (backend, size) gave."""

    backend: str
    users: int
    groups: int
    seed_seconds: float
    rss_kib_per_user: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    cursor_offset: int = 0
    disk_kib_per_user: float = 0.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="user counts, comma-separated")
    parser.add_argument(
        "--backends", default="memory,sqlite", help="memory, sqlite or LABEL=ARGS, comma-separated"
    )
    parser.add_argument("--seed-with", choices=("bulk", "seed"), default="bulk")
    parser.add_argument("--users-per-group", type=int, default=100)
    parser.add_argument("--members", type=int, default=50, help="members of each group")
    parser.add_argument("--bulk-size", type=int, default=1000, help="operations per /Bulk")
    parser.add_argument("--samples", type=int, default=20, help="timed requests per operation")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per operation")
    parser.add_argument("--cursor-pages", type=int, default=20, help="depth of the cursor page")
    parser.add_argument("--mock-args", default="--workers 1", help="serve arguments")
    return parser


def _backends(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        label, sep, args = item.partition("=")
        if not sep and label not in BACKENDS:
            raise SystemExit(f"unknown backend {label!r}: memory, sqlite or LABEL=ARGS")
        found[label] = args if sep else BACKENDS[label]
    return found


def _check(answer: requests.Response, what: str, expected: int = 200) -> requests.Response:
    if answer.status_code != expected:
        raise RuntimeError(f"{what} answered {answer.status_code}: {answer.text[:300]}")
    return answer


def _bulk(session: requests.Session, url: str, operations: list[dict[str, object]]) -> list[str]:
    """One POST /Bulk; the ids of what it created, in order (any failed operation stops)."""
    body = {"schemas": [BULK_SCHEMA], "failOnErrors": 1, "Operations": operations}
    answer = _check(session.post(f"{url}/Bulk", data=json.dumps(body), headers=HEADERS,
                                 timeout=3600), "POST /Bulk")  # fmt: skip
    ids = []
    for result in answer.json()["Operations"]:
        if str(result.get("status")) != "201":
            raise RuntimeError(f"a bulk operation failed: {json.dumps(result)[:300]}")
        ids.append(str(result["location"]).rstrip("/").rsplit("/", 1)[1])
    return ids


def seed_bulk(
    session: requests.Session, url: str, users: int, args: argparse.Namespace
) -> tuple[list[str], int]:
    """Users, then groups, through /Bulk; (user ids, groups made)."""
    ids: list[str] = []
    for start in range(0, users, args.bulk_size):
        chunk = range(start, min(users, start + args.bulk_size))
        ids += _bulk(session, url, [{"method": "POST", "path": "/Users", "bulkId": f"u{i}",
                                     "data": user_payload(PREFIX, i)} for i in chunk])  # fmt: skip
    picker = random.Random(1)
    groups = users // args.users_per_group if args.users_per_group else 0
    members = min(args.members, len(ids))
    operations: list[dict[str, object]] = []
    for index in range(groups):
        chosen = picker.sample(ids, members)
        group = {"schemas": [GROUP_SCHEMA], "displayName": f"{PREFIX}-group-{index}",
                 "members": [{"value": member, "type": "User"} for member in chosen]}  # fmt: skip
        operations.append({"method": "POST", "path": "/Groups", "bulkId": f"g{index}",
                           "data": group})  # fmt: skip
        if len(operations) == args.bulk_size or index == groups - 1:
            _bulk(session, url, operations)
            operations = []
    return ids, groups


def seed_control(
    session: requests.Session, url: str, users: int, args: argparse.Namespace
) -> tuple[list[str], int]:
    """``POST /_mock/seed``; (user ids, groups made). The ids it does not list are read back
    with filters on the seeded externalIds."""
    groups = users // args.users_per_group if args.users_per_group else 0
    control = url.rsplit("/scim/v2", 1)[0] + "/_mock/seed"
    body = {"users": users, "groups": groups, "membersPerGroup": args.members, "seed": 1}
    answer = _check(session.post(control, json=body, headers=HEADERS, timeout=3600),
                    "POST /_mock/seed", 201).json()  # fmt: skip
    return list(answer["userIds"]), groups


def _timed(samples: int, budget: float, call: Callable[[int], requests.Response]) -> list[float]:
    """Seconds of each of ``samples`` calls (fewer past ``budget`` seconds, at least three)."""
    took: list[float] = []
    started = time.perf_counter()
    for n in range(samples):
        if n >= 3 and time.perf_counter() - started > budget:
            break
        begin = time.perf_counter()
        _check(call(n), "a timed request")
        took.append(time.perf_counter() - begin)
    return took


def measure(server: Server, backend: str, users: int, args: argparse.Namespace) -> Result:
    """Seed ``server`` with ``users`` users and time every operation."""
    url = server.url
    with requests.Session() as session:
        _check(session.get(f"{url}/Users?count=1", headers=HEADERS, timeout=60), "GET /Users")
        before = server.rss_kib()
        started = time.perf_counter()
        seeder = seed_bulk if args.seed_with == "bulk" else seed_control
        ids, groups = seeder(session, url, users, args)
        seeded = time.perf_counter() - started
        result = Result(backend, users, groups, seeded, (server.rss_kib() - before) / users)
        if args.seed_with == "seed":  # its userNames are Faker's: read some back
            found = session.get(f"{url}/Users?count=100", headers=HEADERS, timeout=600).json()
            names = [str(r["userName"]) for r in found["Resources"]]
        else:
            names = [user_payload(PREFIX, i)["userName"] for i in range(users)]
        pick = random.Random(2)
        get = session.get

        def eq(n: int) -> requests.Response:
            query = {"filter": f'userName eq "{pick.choice(names)}"'}
            return get(f"{url}/Users", params=query, headers=HEADERS, timeout=600)

        def co(n: int) -> requests.Response:
            part = pick.choice(names).split("@")[0][-6:]
            query = {"filter": f'userName co "{part}@"'}
            return get(f"{url}/Users", params=query, headers=HEADERS, timeout=600)

        def index(n: int) -> requests.Response:
            query = {"startIndex": str(max(1, users - 99)), "count": "100"}
            return get(f"{url}/Users", params=query, headers=HEADERS, timeout=600)

        # The walk is not timed, but each step costs a page: it stops at the budget too.
        cursor, offset, walk_started = "", 0, time.perf_counter()
        for _ in range(args.cursor_pages):
            if time.perf_counter() - walk_started > args.budget:
                break
            page = _check(get(f"{url}/Users", params={"cursor": cursor, "count": "100"},
                              headers=HEADERS, timeout=600), "a cursor page").json()  # fmt: skip
            if "nextCursor" not in page:
                break
            cursor, offset = page["nextCursor"], offset + len(page["Resources"])
        result.cursor_offset = offset

        def deep_cursor(n: int) -> requests.Response:
            query = {"cursor": cursor, "count": "100"}
            return get(f"{url}/Users", params=query, headers=HEADERS, timeout=600)

        def patch(n: int) -> requests.Response:
            body = {"schemas": [PATCH_SCHEMA], "Operations": [
                {"op": "replace", "path": "displayName", "value": f"Patched {n}"}]}  # fmt: skip
            return session.patch(f"{url}/Users/{pick.choice(ids)}", data=json.dumps(body),
                                 headers=HEADERS, timeout=600)  # fmt: skip

        calls = {"eq": eq, "co": co, "index": index, "cursor": deep_cursor, "patch": patch}
        for op in OPS:
            result.latencies[op] = _timed(args.samples, args.budget, calls[op])
    return result


def _ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000 if values else float("nan")


def report(results: list[Result], samples: int) -> None:
    """The table (latencies in ms, p50/p99) and the growth factors per backend."""
    head = "".join(f"{op + ' p50/p99':>18}" for op in OPS)
    print(f"\n{'backend':<10}{'users':>9}{'groups':>7}{'seed s':>9}{'users/s':>9}"
          f"{'KiB/user':>9}{'disk KiB':>9}{'cursor@':>8}{head}")  # fmt: skip
    for r in results:
        cells = "".join(
            f"{_ms(r.latencies[op], 0.5):9.1f}/{_ms(r.latencies[op], 0.99):<8.1f}" for op in OPS
        )
        print(f"{r.backend:<10}{r.users:>9}{r.groups:>7}{r.seed_seconds:>9.1f}"
              f"{r.users / r.seed_seconds:>9.0f}{r.rss_kib_per_user:>9.2f}"
              f"{r.disk_kib_per_user:>9.2f}{r.cursor_offset:>8}"
              f"{cells}")  # fmt: skip
    for r in results:
        short = [f"{op} {len(r.latencies[op])}" for op in OPS if len(r.latencies[op]) < samples]
        if short:
            print(f"{r.backend} {r.users}: fewer samples (--budget): {', '.join(short)}")
    for backend in dict.fromkeys(r.backend for r in results):
        mine = sorted((r for r in results if r.backend == backend), key=lambda r: r.users)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        growth = [f"size x{large.users / small.users:g}",
                  f"seed time x{large.seed_seconds / small.seed_seconds:.1f}",
                  f"KiB/user x{large.rss_kib_per_user / small.rss_kib_per_user:.2f}"]  # fmt: skip
        for op in OPS:
            low, high = _ms(small.latencies[op], 0.5), _ms(large.latencies[op], 0.5)
            growth.append(f"{op} p50 x{high / low:.1f}")
        print(f"growth {backend} {small.users} -> {large.users}: " + ", ".join(growth))


def main() -> int:
    """Every backend, every size: start a fresh mock, seed it, time it, then print it all."""
    args = _parser().parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="scim-scale-") as tmp:
        for backend, backend_args in _backends(args.backends).items():
            for users in sizes:
                folder = Path(tmp) / f"{backend}-{users}"
                folder.mkdir()
                serve_args = [
                    *shlex.split(args.mock_args),
                    *shlex.split(backend_args.replace("{db}", str(folder / "scale.sqlite3"))),
                    "--option", "record_requests=false",
                    "--option", f"bulk_max_operations={args.bulk_size}",
                    "--option", f"bulk_max_payload_size={args.bulk_size * 4096}",
                ]  # fmt: skip
                with serve_mock(backend, serve_args, folder / "mock.log") as server:
                    result = measure(server, backend, users, args)
                files = sum(f.stat().st_size for f in folder.glob("scale.sqlite3*"))
                result.disk_kib_per_user = files / 1024 / users
                results.append(result)
                print(f"{backend} {users} users: seeded in {result.seed_seconds:.1f} s, "
                      f"{result.rss_kib_per_user:.2f} KiB/user", flush=True)  # fmt: skip
    print(f"\nscim-mock serve {args.mock_args}, seeded with {args.seed_with}, "
          f"{args.samples} samples per operation (one client, keep-alive), ms")  # fmt: skip
    report(results, args.samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
