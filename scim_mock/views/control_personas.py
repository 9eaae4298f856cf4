"""Control endpoints under /_mock: personas (scim_mock.personas).

``GET /_mock/personas`` lists every persona with what it does, the real-world behaviour it
mirrors and whether it is in force; ``POST /_mock/personas {"personas": [...]}`` puts exactly
those in force. Only the switchable personas change at run time; the others are chosen when the
mock starts (``scim-mock serve --persona NAME``), and a POST that would change them is refused.
"""

from __future__ import annotations

from flask import Blueprint, Response

from scim_mock import errors, http
from scim_mock.personas import PersonaRuntime


def _runtime() -> PersonaRuntime:
    runtime: PersonaRuntime = http.state().extras["personas"]
    return runtime


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""

    @bp.route("/personas", methods=["GET"])
    def personas_list() -> Response:
        return http.scim_response(_runtime().describe())

    @bp.route("/personas", methods=["POST"])
    def personas_switch() -> Response:
        body = http.json_body()
        names = body.get("personas") if isinstance(body, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise errors.InvalidValue('Send {"personas": ["name", "name:argument", ...]}.')
        runtime = _runtime()
        try:
            runtime.switch(names)
        except ValueError as exc:
            raise errors.InvalidValue(str(exc)) from None
        return http.scim_response(runtime.describe())
