"""Control endpoints under /_mock: fault rules (scim_mock.fault_rules, scim_mock.fault_transport).

* ``POST /_mock/faults`` adds one rule (answers 201 with it, ``id`` included) or
  ``{"rules": [...]}`` (all or none; answers 201 with ``{"rules": [...]}``);
* ``GET /_mock/faults`` lists the rules in order with their counters (``matched``: requests
  that matched; ``hits``: requests the action was applied to); ``GET /_mock/faults/<id>`` one;
* ``DELETE /_mock/faults`` deletes every rule, ``DELETE /_mock/faults/<id>`` one (204).

``POST /_mock/reset`` restores the rules given on the command line, with fresh counters.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from scim_mock import errors, http
from scim_mock.fault_rules import FaultRules


def _rules() -> FaultRules:
    rules: FaultRules = http.state().extras["faults"]
    return rules


def faults() -> Response:
    """List, add or delete every rule."""
    rules = _rules()
    if request.method == "GET":
        return http.scim_response({"rules": rules.snapshot()})
    if request.method == "DELETE":
        rules.clear()
        return http.scim_response(None, status=204)
    body: Any = http.json_body()
    if isinstance(body, dict) and set(body) == {"rules"}:
        if not isinstance(body["rules"], list) or not body["rules"]:
            raise errors.InvalidValue('Send {"rules": [rule, ...]} with at least one rule.')
        added = rules.add(body["rules"])
        return http.scim_response({"rules": [rule.to_json() for rule in added]}, status=201)
    if not isinstance(body, dict):
        raise errors.InvalidValue('Send a rule {"match": ..., "action": ..., "trigger": ...}.')
    (rule,) = rules.add([body])
    return http.scim_response(rule.to_json(), status=201)


def fault(rule_id: str) -> Response:
    """Show or delete one rule."""
    rules = _rules()
    if request.method == "DELETE":
        rules.remove(rule_id)
        return http.scim_response(None, status=204)
    return http.scim_response(rules.get(rule_id).to_json())


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""
    bp.add_url_rule("/faults", "faults", faults, methods=["GET", "POST", "DELETE"])
    bp.add_url_rule("/faults/<rule_id>", "fault", fault, methods=["GET", "DELETE"])
