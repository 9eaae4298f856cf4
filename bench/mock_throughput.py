"""Throughput of the mock over loopback: requests per second for typical provisioning calls.

Usage: ``python bench/mock_throughput.py [--seconds 10] [--connections 10] [--users 1000]``

Starts ``scim-mock`` as a separate process (``--quiet``) on 127.0.0.1 with a free port, seeds
``--users`` users, then for each scenario runs ``--connections`` client threads, each with its
own keep-alive ``requests.Session``, for ``--seconds`` seconds, and prints requests/s, latency
percentiles and the error count. The load stays on loopback and stops by itself. The figures
are comparable in spirit to the wrk numbers in the peers' notes (same scenarios); a Python
client is slower than wrk, so they are a lower bound for the server.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable

import requests

TOKEN = "bench-token"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Content-Type": "application/scim+json",
    "Accept": "application/scim+json",
}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def start_mock() -> tuple[subprocess.Popen[str], str]:
    """``python -m scim_mock serve --port 0`` in a subprocess; returns (process, base URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scim_mock", "serve", "--port", "0", "--token", TOKEN, "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.split(" at ", 1)[1].split(" ", 1)[0]


def run(
    name: str, call: Callable[[requests.Session, int], requests.Response], args: argparse.Namespace
) -> None:
    """Run one scenario with ``args.connections`` threads for ``args.seconds``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + args.seconds

    def worker(index: int) -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        n = 0
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                n += 1
                started = time.perf_counter()
                response = call(session, index * 1_000_000 + n)
                mine.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<34} {len(latencies) / elapsed:8.0f} req/s  "
        f"p50 {quantiles[49] * 1000:6.1f} ms  p99 {quantiles[98] * 1000:6.1f} ms  "
        f"requests {len(latencies):6d}  errors {errors}"
    )


def main() -> int:
    """Parse arguments, start the mock, seed it and run every scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    process, url = start_mock()
    try:
        run_id = uuid.uuid4().hex[:6]
        ids = []
        with requests.Session() as session:
            for n in range(args.users):
                body = {"schemas": [USER], "userName": f"seed-{run_id}-{n}@example.com"}
                created = session.post(f"{url}/Users", json=body, headers=HEADERS, timeout=10)
                ids.append(created.json()["id"])
        print(f"scim-mock at {url}, {args.users} users, {args.connections} connections, "
              f"{args.seconds:g} s per scenario")  # fmt: skip
        target = f"seed-{run_id}-{args.users // 2}@example.com"
        run(
            'GET /Users?filter=userName eq "x"',
            lambda s, n: s.get(
                f"{url}/Users", params={"filter": f'userName eq "{target}"'},
                headers=HEADERS, timeout=10,
            ),  # fmt: skip
            args,
        )
        run(
            "POST /Users",
            lambda s, n: s.post(
                f"{url}/Users", json={"schemas": [USER], "userName": f"b-{run_id}-{n}"},
                headers=HEADERS, timeout=10,
            ),  # fmt: skip
            args,
        )
        run(
            "GET /Users/{id}",
            lambda s, n: s.get(f"{url}/Users/{ids[n % len(ids)]}", headers=HEADERS, timeout=10),
            args,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
