"""Control endpoints under /_mock: seed, snapshot and restore, the mock clock, tenants."""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""
