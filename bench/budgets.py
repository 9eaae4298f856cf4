"""Wall time of the whole conformance suite against a slow server and against a silent one.

Usage: ``python bench/budgets.py [--scenario slow|silent|both] [--latency-ms 300] [--jobs N]
[-- extra pytest arguments]``

``slow`` starts ``scim-mock serve --latency-ms N`` (every SCIM request answered after N ms) in
its own process on 127.0.0.1 and runs the whole suite against it over the socket. ``silent``
runs it against a local server that accepts connections and never answers, with the default
timeout (10 s) and circuit breaker (3 timeouts). Each prints the wall time, pytest's outcome
line, the plugin's ``scim budgets:`` line and, for ``silent``, how many connections reached the
server. The suite runs from a temporary directory, so no project configuration applies; every
run is bounded (``subprocess`` timeout) and stays on loopback.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

TOKEN = "bench-token"
RUN_LIMIT = 3600  # seconds: no scenario may run longer than an hour


@contextmanager
def slow_mock(latency_ms: int) -> Iterator[str]:
    """``scim-mock serve --latency-ms`` in a subprocess; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scim_mock", "serve", "--port", "0", "--token", TOKEN,
         "--latency-ms", str(latency_ms), "--quiet"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield line.split(" at ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """Accepts connections and never answers; yields its base URL and the accepted sockets."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/scim/v2", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def suite(url: str, jobs: int, extra: list[str]) -> tuple[float, str]:
    """Run the whole suite against ``url``; (wall seconds, pytest's output)."""
    args = [sys.executable, "-m", "pytest", "--pyargs", "scim_tests.checks", "--scim-url", url,
            "--scim-token", TOKEN, "-p", "no:randomly", "-p", "no:cacheprovider", "-q",
            "--tb=no", "-rN", *(["-n", str(jobs)] if jobs > 1 else []), *extra]  # fmt: skip
    with tempfile.TemporaryDirectory() as cwd:
        started = time.perf_counter()
        result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=RUN_LIMIT)
        return time.perf_counter() - started, result.stdout + result.stderr


def show(name: str, wall: float, output: str) -> None:
    """Print the figures of one scenario."""
    outcome = re.findall(r"^=*\s*(\d+ (?:passed|failed|error).*?) in [\d.]+s", output, re.M)
    budgets = re.findall(r"^scim budgets: .*$", output, re.M)
    print(f"{name}: {wall:.1f} s wall")
    print(f"  pytest: {outcome[-1] if outcome else output[-500:]}")
    print(f"  {budgets[-1] if budgets else '(no scim budgets line)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("slow", "silent", "both"), default="both")
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=1, help="pytest-xdist workers (-n)")
    parser.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()
    if args.scenario in ("slow", "both"):
        with slow_mock(args.latency_ms) as url:
            wall, output = suite(url, args.jobs, args.extra)
        show(f"slow ({args.latency_ms} ms a request, -n {args.jobs})", wall, output)
    if args.scenario in ("silent", "both"):
        with silent_server() as (url, accepted):
            wall, output = suite(url, args.jobs, args.extra)
            connections = len(accepted)
        show(f"silent (-n {args.jobs})", wall, output)
        print(f"  connections that reached the silent server: {connections}")


if __name__ == "__main__":
    main()
