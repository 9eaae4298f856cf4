"""Control endpoints under /_mock: personas."""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""
