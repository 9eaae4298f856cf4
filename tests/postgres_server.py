"""A throwaway PostgreSQL server for the tests of scim_mock.store_postgres (a pytest plugin).

``postgres_server`` (session scope, so one per xdist worker) runs ``initdb`` into a private
temporary directory and starts the server with trust authentication, listening on a unix
socket in that directory and on 127.0.0.1 at a free port; it is stopped and deleted at the end
of the session. ``postgres_url`` gives each test a database of its own (``CREATE DATABASE``).

The binaries are those of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``, the
newest), or ``initdb`` on PATH; ``$SCIM_POSTGRES_BIN`` names another directory. As root, the
server runs as the ``postgres`` user (PostgreSQL refuses to run as root). Without the
binaries, or when the server cannot start, the tests that need it skip with the reason; under
``CI=true`` they fail instead, since CI installs the package (tools/system-packages).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

#: fsync and synchronous commit are off: the tests kill mock processes, never this server,
#: and a committed row is in the server's memory whatever the disk has seen.
SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")
SUPERUSER = "scim"


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail in CI, where PostgreSQL must be installed."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)")
    pytest.skip(reason)


def find_binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    override = os.environ.get("SCIM_POSTGRES_BIN")
    if override:
        candidates = [override]
    else:
        versions = glob.glob("/usr/lib/postgresql/*/bin")
        candidates = sorted(versions, key=lambda p: _version(Path(p).parent.name), reverse=True)
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        folder = Path(candidate)
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A private PostgreSQL server in ``root`` (data directory and unix socket)."""

    def __init__(self, binaries: Path, root: Path) -> None:
        self.binaries = binaries
        self.root = root
        self.data = root / "data"
        self.port = 0
        self._names = itertools.count(1)
        self._as: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL will not run as root: Debian's package brings the postgres user.
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._as, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        self._run(
            str(self.binaries / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions",
        )  # fmt: skip
        for _attempt in range(3):  # a free port may be taken by the time the server binds it
            self.port = _free_port()
            options = [f"-k {self.root}", f"-p {self.port}", "-h 127.0.0.1"]
            options += [f"-c {setting}" for setting in SETTINGS]
            try:
                self._run(
                    str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l",
                    str(self.root / "server.log"), "-w", "-t", "60", "-o", " ".join(options),
                    "start",
                )  # fmt: skip
                return
            except subprocess.CalledProcessError:
                continue
        log = (self.root / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL did not start:\n{log}")

    def stop(self) -> None:
        pg_ctl = str(self.binaries / "pg_ctl")
        subprocess.run(
            [*self._as, pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )

    def url(self, database: str = "postgres") -> str:
        """A URL through the unix socket."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.root}&port={self.port}"

    def tcp_url(self, database: str = "postgres") -> str:
        """A URL over TCP (127.0.0.1), as another host would connect."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new, empty database; its name."""
        import psycopg

        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the session (skips, or fails under CI, without one)."""
    try:
        import psycopg  # noqa: F401 - the tests talk to the server through it
    except ImportError:
        unavailable("psycopg is not installed (pip install 'scim-conformance[postgres]')")
    binaries = find_binaries()
    if binaries is None:
        unavailable("no PostgreSQL server binaries (initdb): install Debian's postgresql")
    # Not under pytest's basetemp: its parents are private to the user running the tests,
    # and the server may run as another one.
    root = Path(tempfile.mkdtemp(prefix="scim-pg-"))
    try:
        server = PostgresServer(binaries, root)
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError, KeyError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        if (root / "data" / "postmaster.pid").exists():
            server.stop()  # started, yet not answering in time
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"the PostgreSQL server cannot start: {detail}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL (unix socket) of a new, empty database of ``postgres_server``."""
    return postgres_server.url(postgres_server.create_database())
