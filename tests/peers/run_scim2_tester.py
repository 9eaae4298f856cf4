"""Run the scim2-tester peer conformance checker against a SCIM 2.0 server.

Standalone research helper: run it with the interpreter of a separate
virtualenv holding ``scim2-tester[httpx2]`` (for instance ``/tmp/peer-venv``);
our test suite never imports it::

    /tmp/peer-venv/bin/python tests/peers/run_scim2_tester.py \
        --url http://127.0.0.1:8080/v2 [--token TOKEN] [--json OUT]

It prints one ``STATUS<TAB>title<TAB>reason`` line per check, then a summary
line. scim2-tester's statuses are SUCCESS, COMPLIANT, ACCEPTABLE, DEVIATION,
ERROR, CRITICAL and SKIPPED. Failing means ERROR or CRITICAL (MUST-level
violations); DEVIATION (SHOULD-level) is reported but not failing. The exit
status is 0 without failing check, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

FAILING: frozenset[Status] = frozenset({Status.ERROR, Status.CRITICAL})


def run(url: str, token: str | None) -> list[CheckResult]:
    """Run every check of scim2-tester against the server at ``url``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx2.Client(base_url=url, headers=headers, timeout=30.0) as http:
        # check_server discovers the server itself and registers what it
        # found on the client, so no client.discover() is needed beforehand.
        return check_server(SyncSCIMClient(http))


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080/v2")
    parser.add_argument("--token", help="bearer token sent with every request")
    parser.add_argument("--json", type=Path, help="write the results as a JSON list here")
    args = parser.parse_args(argv)

    results = run(args.url, args.token)
    for result in results:
        title = result.title or ""
        if result.resource_type:
            title = f"{result.resource_type}: {title}"
        print(f"{result.status.name}\t{_one_line(title)}\t{_one_line(result.reason)}")

    counts = Counter(result.status.name for result in results)
    failing = sum(1 for result in results if result.status in FAILING)
    summary = " ".join(f"{name}={count}" for name, count in sorted(counts.items()))
    print(f"TOTAL={len(results)} {summary} FAILING={failing}")

    if args.json is not None:
        records = [
            {
                "title": result.title,
                "resource_type": result.resource_type,
                "status": result.status.name,
                "reason": result.reason,
                "description": result.description,
            }
            for result in results
        ]
        args.json.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")

    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
