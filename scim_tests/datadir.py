"""Find the data directory (``schemas/`` and ``fixtures/``) at run time.

In a source checkout the directories sit at the repository root; in an installed wheel they are
shipped as ``scim_tests/_data``. ``SCIM_TESTS_DATA`` overrides both. This is the one place that
knows, and it imports nothing heavy so that the mock can use it too.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_ENV = "SCIM_TESTS_DATA"


class DataDirectoryNotFound(RuntimeError):
    """The schemas/fixtures data could not be located."""


def _looks_like_data(directory: Path) -> bool:
    return (directory / "schemas" / "scim").is_dir() and (directory / "fixtures").is_dir()


@cache
def data_dir() -> Path:
    """Return the directory holding ``schemas/`` and ``fixtures/``.

    Order: ``$SCIM_TESTS_DATA``, the installed package data, the source checkout.
    """
    override = os.environ.get(_ENV)
    if override:
        path = Path(override).expanduser().resolve()
        if not _looks_like_data(path):
            raise DataDirectoryNotFound(
                f"{_ENV}={override!r} does not contain schemas/scim and fixtures/"
            )
        return path
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent):
        if _looks_like_data(candidate):
            return candidate
    raise DataDirectoryNotFound(
        "Can't find the scim_tests data directory (schemas/, fixtures/); "
        f"set {_ENV} or reinstall scim-conformance"
    )


def schemas_dir() -> Path:
    """The ``schemas/`` directory."""
    return data_dir() / "schemas"


def fixtures_dir() -> Path:
    """The ``fixtures/`` directory."""
    return data_dir() / "fixtures"
